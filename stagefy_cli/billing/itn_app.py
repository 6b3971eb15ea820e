"""The PayFast ITN handler as an ASGI app (mounted at `/functions/v1/payfast-itn` on the local stack,
served on its own by `stagefy billing serve`).

POST `/` with PayFast's form: every check of `itn.validate_itn`, then `apply_payment(notification)`
(the database call, idempotent on pf_payment_id) and `200 OK`. A failed check answers its status
(400 or 403), is logged, and applies nothing. A failure while applying answers 500 so that PayFast
retries later.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.itn import ItnNotification, ItnRejected, validate_itn

log = logging.getLogger(__name__)

ExpectedAmount = Callable[[ItnNotification], Decimal | None]
ApplyPayment = Callable[[ItnNotification], object]


def create_itn_app(
    config: PayFastConfig, expected_amount: ExpectedAmount, apply_payment: ApplyPayment
) -> Starlette:
    """Build the handler. `expected_amount` and `apply_payment` are blocking callables (they run in
    a worker thread), so plain database code fits."""
    http = httpx.Client()

    def handle(pairs: list[tuple[str, str]], client_host: str | None) -> PlainTextResponse:
        pf_payment_id = next((value for key, value in pairs if key == "pf_payment_id"), "?")
        try:
            itn = validate_itn(pairs, client_host, config, expected_amount, http)
        except ItnRejected as rejected:
            log.warning(
                "PayFast ITN %s from %s refused (%s): %s",
                pf_payment_id,
                client_host,
                rejected.status,
                rejected.reason,
            )
            return PlainTextResponse(rejected.reason, status_code=rejected.status)
        try:
            apply_payment(itn)
        except Exception:
            log.exception("PayFast ITN %s passed every check but could not be applied", itn.pf_payment_id)
            return PlainTextResponse("could not apply the payment", status_code=500)
        log.info(
            "PayFast ITN %s applied: %s %s for %s",
            itn.pf_payment_id,
            itn.payment_status,
            itn.amount_gross,
            itn.m_payment_id,
        )
        return PlainTextResponse("OK")

    async def notify(request: Request) -> PlainTextResponse:
        body = (await request.body()).decode("utf-8", errors="replace")
        pairs = parse_qsl(body, keep_blank_values=True)
        client_host = request.client.host if request.client else None
        return await run_in_threadpool(handle, pairs, client_host)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        http.close()

    return Starlette(routes=[Route("/", notify, methods=["POST"])], lifespan=lifespan)
