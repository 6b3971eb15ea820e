"""The ITN handler wired to the database: the expected price and the payment's bookkeeping, both
answered by SQL functions through a service-role supabase-py client.

The same code serves `stagefy billing serve` (a hosted project's URL and service key) and the local
stack's `/functions/v1/payfast-itn`. All bookkeeping -- idempotency on PayFast's payment id, credits,
subscriptions, notifications -- happens in `public.apply_payfast_itn`, one transaction.
"""

from __future__ import annotations

from decimal import Decimal

from starlette.applications import Starlette

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.itn import ItnNotification
from stagefy_cli.billing.itn_app import create_itn_app

CENTS = Decimal("0.01")


class DatabasePayments:
    """`expected_amount` and `apply_payment` for `create_itn_app`, over a service-role client."""

    def __init__(self, service_client):
        self.client = service_client

    def expected_amount(self, itn: ItnNotification) -> Decimal | None:
        price = (
            self.client.rpc(
                "payfast_expected_amount",
                {"p_kind": itn.custom_str2 or "", "p_item_code": itn.custom_str3 or "", "p_token": itn.token},
            )
            .execute()
            .data
        )
        return None if price is None else Decimal(str(price)).quantize(CENTS)

    def apply_payment(self, itn: ItnNotification) -> dict:
        """Apply once; a replay answers `{"replay": true, ...}` and changes nothing."""
        return self.client.rpc("apply_payfast_itn", {"p_itn": itn.raw}).execute().data


def create_payfast_itn_app(service_client, config: PayFastConfig | None = None) -> Starlette:
    payments = DatabasePayments(service_client)
    return create_itn_app(
        config or PayFastConfig.from_env(), payments.expected_amount, payments.apply_payment
    )
