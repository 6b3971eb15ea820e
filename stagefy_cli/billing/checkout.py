"""Signed PayFast checkout links for a credit pack (one-off) or a plan (recurring billing).

The custom fields carry who pays for what, so the ITN handler can apply the payment without any
state kept between the link and the notification: custom_str1 = user id, custom_str2 = kind
('pack' or 'subscription'), custom_str3 = the pack or plan code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.errors import PayFastError
from stagefy_cli.billing.signature import checkout_param_string, checkout_signature

MONTHLY = 3  # PayFast frequency codes: 3 monthly, 4 quarterly, 5 biannual, 6 annual
UNTIL_CANCELLED = 0  # cycles

Kind = Literal["pack", "subscription"]


def format_amount(price_zar: object) -> str:
    """Rands with two decimals, as PayFast expects (`299.00`)."""
    return str(Decimal(str(price_zar)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def build_checkout(
    kind: Kind,
    user: Mapping[str, object],
    item: Mapping[str, object],
    m_payment_id: str,
    *,
    config: PayFastConfig | None = None,
    today: date | None = None,
) -> tuple[str, dict[str, str]]:
    """Return `(url, fields)`: the process URL with the signed query, and the signed form fields.

    `user` has id, email, full_name; `item` has code, name, price_zar, credits."""
    if kind not in ("pack", "subscription"):
        raise ValueError(f"unknown checkout kind: {kind!r}")
    config = config or PayFastConfig.from_env()
    if kind == "subscription" and not config.passphrase:
        raise PayFastError("PayFast subscriptions need a passphrase: set PAYFAST_PASSPHRASE.")
    first, _, last = str(user.get("full_name") or "").strip().partition(" ")
    amount = format_amount(item["price_zar"])
    per = " a month" if kind == "subscription" else ""
    fields = {
        "merchant_id": config.merchant_id,
        "merchant_key": config.merchant_key,
        "return_url": config.return_url,
        "cancel_url": config.cancel_url,
        "notify_url": config.notify_url,
        "name_first": first,
        "name_last": last.strip(),
        "email_address": str(user["email"]),
        "m_payment_id": m_payment_id,
        "amount": amount,
        "item_name": str(item["name"]),
        "item_description": f"{item['credits']} Stagefy credits{per}",
        "custom_str1": str(user["id"]),
        "custom_str2": kind,
        "custom_str3": str(item["code"]),
    }
    if kind == "subscription":
        fields |= {
            "subscription_type": "1",
            "billing_date": (today or date.today()).isoformat(),
            "recurring_amount": amount,
            "frequency": str(MONTHLY),
            "cycles": str(UNTIL_CANCELLED),
        }
    query = checkout_param_string(fields)
    signature = checkout_signature(fields, config.passphrase)
    signed = {key: value.strip() for key, value in fields.items() if value.strip()}
    signed["signature"] = signature
    return f"{config.process_url}?{query}&signature={signature}", signed
