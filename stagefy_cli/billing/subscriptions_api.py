"""Client of PayFast's subscriptions API (`/subscriptions/{token}/...`), with its signed headers.

Every request carries `merchant-id`, `version: v1`, `timestamp` (ISO-8601) and `signature` (see
`signature.api_signature`). In sandbox mode `?testing=true` is appended; it selects PayFast's sandbox
and is not one of the signed fields (PayFast's own SDK adds it after signing).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.errors import PayFastError
from stagefy_cli.billing.signature import api_signature

API_VERSION = "v1"
TIMEOUT = 20.0


class SubscriptionsApi:
    def __init__(self, config: PayFastConfig, http: httpx.Client | None = None):
        self.config = config
        self.http = http or httpx.Client(timeout=TIMEOUT)

    def fetch(self, token: str) -> dict:
        """The subscription as PayFast describes it (status, amount, run_date, cycles, ...)."""
        return self._call("GET", token, "fetch").get("response") or {}

    # pause, unpause, cancel and update return PayFast's `data` ({"response": true, "message": ...}).

    def pause(self, token: str, cycles: int | None = None) -> dict:
        """Skip the next `cycles` payments (PayFast's default: 1)."""
        return self._call("PUT", token, "pause", {"cycles": cycles} if cycles is not None else None)

    def unpause(self, token: str) -> dict:
        return self._call("PUT", token, "unpause")

    def cancel(self, token: str) -> dict:
        return self._call("PUT", token, "cancel")

    def update(
        self,
        token: str,
        *,
        cycles: int | None = None,
        frequency: int | None = None,
        run_date: date | None = None,
        amount_cents: int | None = None,
    ) -> dict:
        body = {
            "cycles": cycles,
            "frequency": frequency,
            "run_date": run_date.isoformat() if run_date else None,
            "amount": amount_cents,
        }
        body = {key: value for key, value in body.items() if value is not None}
        if not body:
            raise ValueError("update needs at least one of cycles, frequency, run_date, amount_cents")
        return self._call("PATCH", token, "update", body)

    def _call(self, method: str, token: str, action: str, body: dict | None = None) -> dict:
        headers = {
            "merchant-id": self.config.merchant_id,
            "version": API_VERSION,
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        headers["signature"] = api_signature({**headers, **(body or {})}, self.config.passphrase)
        params = {"testing": "true"} if self.config.sandbox else None
        url = f"{self.config.api_url}/subscriptions/{token}/{action}"
        try:
            response = self.http.request(method, url, headers=headers, params=params, json=body)
        except httpx.HTTPError as exc:
            raise PayFastError(
                f"PayFast API unreachable ({exc.__class__.__name__}); try again later."
            ) from None
        return _unwrap(response, action)


def _unwrap(response: httpx.Response, action: str) -> dict:
    """PayFast answers `{"code", "status", "data": {"response", "message"}}`; anything but a success
    becomes a PayFastError carrying PayFast's message."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise PayFastError(
            f"PayFast {action} failed: HTTP {response.status_code} {response.text.strip()[:200]}"
        )
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    if response.is_success and payload.get("status") == "success":
        return data
    message = next(
        (
            text
            for text in (data.get("message"), data.get("response"), payload.get("status"))
            if isinstance(text, str)
        ),
        f"HTTP {response.status_code}",
    )
    raise PayFastError(f"PayFast {action} failed: {message}")
