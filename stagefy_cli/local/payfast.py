"""Ask the local stack to play PayFast for one checkout (`stagefy local payfast complete/renew`).

The stack's PayFast sandbox (gateway/payfast_sandbox.py) builds and signs the notification and posts
it to the payment function; this only tells it which checkout, with the service role key (the local
stack's own, or SUPABASE_SECRET_KEY / SUPABASE_SERVICE_ROLE_KEY).
"""

from __future__ import annotations

from stagefy_cli.backend import tls
from stagefy_cli.errors import NotFound, StagefyError, UsageError

TIMEOUT_S = 90.0


def notify(m_payment_id: str, *, fail: bool = False, renew: bool = False) -> dict:
    """What PayFast sent and what the function answered; a refusal by the function is an error."""
    from stagefy_cli.backend.client import service_client

    client = service_client()
    url = str(client.supabase_url).rstrip("/")
    key = client.supabase_key
    with tls.client() as http:
        response = http.post(
            f"{url}/payfast-sandbox/notify",
            json={"m_payment_id": m_payment_id, "fail": fail, "renew": renew},
            headers={"Authorization": f"Bearer {key}", "apikey": key},
            timeout=TIMEOUT_S,
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UsageError(
            "this project does not simulate PayFast: only the local stack does, when no "
            "PAYFAST_MERCHANT_ID is set for it."
        )
    if response.status_code == 404:
        raise NotFound(body.get("error", "not found") + ".")
    if response.status_code in (401, 403):
        raise StagefyError(f"the PayFast sandbox refused the key: {body.get('error')}.", exit_code=6)
    if response.status_code != 200:
        raise UsageError(f"{body.get('error', 'the PayFast sandbox refused')}.")
    if body["function_status"] != 200:
        raise StagefyError(
            f"the payment function refused the notification (HTTP {body['function_status']}: "
            f"{body['function_answer']})."
        )
    return body
