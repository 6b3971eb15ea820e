"""PayFast's part on the local stack, for development (like `stripe trigger`), at `/payfast-sandbox`.

The local stack runs the PayFast function against this stand-in unless a real merchant is
configured: the function signs links with a passphrase made per start, `GET /eng/process` is the
"payment page" a link opens, `POST /notify` (service role only) sends the ITN PayFast would send
for a checkout the function recorded -- signed with that passphrase, posted through the gateway as
PayFast posts to a hosted project -- and `POST /eng/query/validate` answers the function's
validation postback: VALID only for notices this sandbox sent, as PayFast's does.

This is PayFast's side of the protocol, not a second copy of the function's checks: it signs the
way PayFast does (its documented ITN signature) and checks nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from stagefy_cli.backend import tls
from stagefy_cli.local.gateway.context import GatewayContext, InvalidToken
from stagefy_cli.local.gateway.threads import run_blocking

PREFIX = "/payfast-sandbox"
MERCHANT_ID = "10000100"  # PayFast's public sandbox merchant
MERCHANT_KEY = "46f0cd694581a"
FEE_RATE = Decimal("0.035")


@dataclass
class PayFastSandbox:
    passphrase: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    sent: deque = field(default_factory=lambda: deque(maxlen=1000))  # parameter strings we signed

    def function_secrets(self, api_url: str) -> dict[str, str]:
        """The PayFast settings the function gets when the local stack plays PayFast."""
        base = f"{api_url}{PREFIX}"
        return {
            "PAYFAST_SANDBOX": "1",
            "PAYFAST_MERCHANT_ID": MERCHANT_ID,
            "PAYFAST_MERCHANT_KEY": MERCHANT_KEY,
            "PAYFAST_PASSPHRASE": self.passphrase,
            "PAYFAST_PROCESS_URL": f"{base}/eng/process",
            "PAYFAST_VALIDATE_URL": f"{base}/eng/query/validate",
            "PAYFAST_API_URL": f"{base}/api",
            "PAYFAST_ITN_HOSTS": "localhost",
            # Where PayFast sends the buyer back (the stack's own pages, unless the stack is told).
            "PAYFAST_RETURN_URL": f"{base}/returned",
            "PAYFAST_CANCEL_URL": f"{base}/cancelled",
        }

    def signed_body(self, fields: list[tuple[str, str]]) -> str:
        # PayFast is PHP: urlencode() escapes `~`, which Python's quote_plus leaves alone.
        param_string = urlencode(fields).replace("~", "%7E")
        self.sent.append(param_string)
        signature = hashlib.md5(f"{param_string}&passphrase={self.passphrase}".encode()).hexdigest()
        return f"{param_string}&signature={signature}"


class SandboxRefusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _checkout(ctx: GatewayContext, m_payment_id: str, renew: bool) -> dict:
    with ctx.db.superuser() as conn:
        row = conn.execute(
            "select c.m_payment_id, c.user_id::text, c.kind, c.item_code, c.amount::text, u.email, u.full_name, "
            "coalesce(k.name, p.name) as item_name, coalesce(k.credits, p.monthly_credits) as credits "
            "from public.payfast_checkouts c join public.users u on u.id = c.user_id "
            "left join public.credit_packs k on c.kind = 'pack' and k.code = c.item_code "
            "left join public.plans p on c.kind = 'subscription' and p.code::text = c.item_code "
            "where c.m_payment_id = %s",
            (m_payment_id,),
        ).fetchone()
        if row is None:
            raise SandboxRefusal(
                404, f"no checkout {m_payment_id} (see the m_payment_id that buy/start printed)"
            )
        checkout = dict(row)  # the gateway's connections return rows as dicts
        subscription = conn.execute(
            "select s.payfast_subscription_id, s.current_period_end::date as period_end from public.payments p "
            "join public.subscriptions s on s.id = p.subscription_id where p.m_payment_id = %s "
            "order by p.created_at limit 1",
            (m_payment_id,),
        ).fetchone()
    if renew and checkout["kind"] != "subscription":
        raise SandboxRefusal(409, f"{m_payment_id} is a one-off payment; only a subscription renews")
    if renew and subscription is None:
        raise SandboxRefusal(409, f"the subscription {m_payment_id} has not started: complete it first")
    if checkout["kind"] == "subscription":
        checkout["token"] = subscription["payfast_subscription_id"] if subscription else str(uuid.uuid4())
        checkout["billing_date"] = (subscription["period_end"] if renew else date.today()).isoformat()
    return checkout


def _outcome(ctx: GatewayContext, pf_payment_id: str, status: str) -> str | None:
    """What the payment function recorded for this notice (`credited`, `renewed`, ...), or None
    while it has not applied it."""
    with ctx.db.superuser() as conn:
        row = conn.execute(
            "select outcome from public.payments where pf_payment_id = %s and status = %s",
            (pf_payment_id, status),
        ).fetchone()
    return row["outcome"] if row else None


def payment_id_for(checkout: dict) -> str:
    """PayFast's id of this payment: the same for the same checkout and month, so completing a
    checkout twice is a retry of one notice (applied once), and each renewal is a new payment."""
    key = f"{checkout['m_payment_id']}:{checkout.get('billing_date', '')}"
    return str(1_000_000_000 + int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 9_000_000_000)


def itn_fields(checkout: dict, status: str, pf_payment_id: str, merchant_id: str) -> list[tuple[str, str]]:
    """The notification PayFast posts for `checkout`, its fields in PayFast's order."""
    amount = Decimal(checkout["amount"])
    fee = -(amount * FEE_RATE).quantize(Decimal("0.01"))
    first, _, last = (checkout["full_name"] or "").partition(" ")
    per = " a month" if checkout["kind"] == "subscription" else ""
    fields = [
        ("m_payment_id", checkout["m_payment_id"]),
        ("pf_payment_id", pf_payment_id),
        ("payment_status", status),
        ("item_name", checkout["item_name"] or checkout["item_code"]),
        ("item_description", f"{checkout['credits']} Stagefy credits{per}"),
        ("amount_gross", f"{amount:.2f}"),
        ("amount_fee", f"{fee:.2f}"),
        ("amount_net", f"{amount + fee:.2f}"),
        ("custom_str1", checkout["user_id"]),
        ("custom_str2", checkout["kind"]),
        ("custom_str3", checkout["item_code"]),
        ("custom_str4", ""),
        ("custom_str5", ""),
        ("custom_int1", ""),
        ("custom_int2", ""),
        ("custom_int3", ""),
        ("custom_int4", ""),
        ("custom_int5", ""),
        ("name_first", first),
        ("name_last", last),
        ("email_address", checkout["email"]),
        ("merchant_id", merchant_id),
    ]
    if "token" in checkout:
        fields += [("token", checkout["token"]), ("billing_date", checkout["billing_date"])]
    return fields


def create_app(ctx: GatewayContext, sandbox: PayFastSandbox) -> Starlette:
    http = tls.async_client(timeout=60)

    def require_service_role(request: Request) -> None:
        try:
            claims = ctx.bearer_claims(request.headers)
        except InvalidToken as exc:
            raise SandboxRefusal(401, str(exc)) from None
        if claims.get("role") != "service_role":
            raise SandboxRefusal(403, "the PayFast sandbox takes the service role key")

    async def notify(request: Request):
        try:
            require_service_role(request)
            body = await request.json()
            m_payment_id = str(body.get("m_payment_id") or "")
            status = "FAILED" if body.get("fail") else "COMPLETE"
            checkout = await run_blocking(_checkout, ctx, m_payment_id, bool(body.get("renew")))
        except SandboxRefusal as refusal:
            return JSONResponse({"error": refusal.message}, status_code=refusal.status)
        pf_payment_id = payment_id_for(checkout)
        fields = itn_fields(checkout, status, pf_payment_id, MERCHANT_ID)
        applied_before = await run_blocking(_outcome, ctx, pf_payment_id, status)
        answer = await http.post(
            f"{ctx.api_url}/functions/v1/payfast/itn",
            content=sandbox.signed_body(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return JSONResponse(
            {
                "m_payment_id": m_payment_id,
                "pf_payment_id": pf_payment_id,
                "payment_status": status,
                "amount_gross": dict(fields)["amount_gross"],
                "function_status": answer.status_code,
                "function_answer": answer.text,
                # PayFast answers a retried notice like a new one; what Stagefy did tells them apart
                "replay": applied_before is not None,
                "outcome": await run_blocking(_outcome, ctx, pf_payment_id, status),
            }
        )

    async def validate(request: Request):
        body = (await request.body()).decode("utf-8", errors="replace")
        return PlainTextResponse("VALID" if body in sandbox.sent else "INVALID")

    async def process(request: Request):
        m_payment_id = request.query_params.get("m_payment_id", "M_PAYMENT_ID")
        return PlainTextResponse(
            "This is the local stack's PayFast sandbox: no money moves here.\n"
            f"Finish this payment with:  stagefy local payfast complete {m_payment_id}\n"
            f"or fail it with:           stagefy local payfast complete {m_payment_id} --fail\n"
        )

    async def returned(request: Request):
        return PlainTextResponse(
            "Back from the local stack's PayFast sandbox. Credits arrive with PayFast's notice: "
            "stagefy local payfast complete M_PAYMENT_ID\n"
        )

    async def cancelled(request: Request):
        return PlainTextResponse("The payment was cancelled on the local stack's PayFast sandbox.\n")

    async def subscriptions_api(request: Request):
        """PayFast's subscriptions API answers a change with success (the tests' stand-in of PayFast
        checks the signed headers; this one only lets the local stack's plans be changed)."""
        return JSONResponse(
            {"code": 200, "status": "success", "data": {"response": True, "message": "Success"}}
        )

    return Starlette(
        routes=[
            Route("/notify", notify, methods=["POST"]),
            Route("/api/subscriptions/{token}/{action}", subscriptions_api, methods=["PUT"]),
            Route("/eng/query/validate", validate, methods=["POST"]),
            Route("/eng/process", process, methods=["GET", "POST"]),
            Route("/returned", returned, methods=["GET"]),
            Route("/cancelled", cancelled, methods=["GET"]),
        ]
    )
