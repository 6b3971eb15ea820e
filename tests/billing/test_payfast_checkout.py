from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import parse_qsl, urlsplit

import pytest

from stagefy_cli.billing.checkout import build_checkout
from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.errors import PayFastError

USER = {
    "id": "5b0e7a4c-1111-4c2e-9a55-0a1b2c3d4e5f",
    "email": "thandi@example.co.za",
    "full_name": "Thandi M Nkosi",
}
PACK = {"code": "starter", "name": "Starter pack", "price_zar": 99, "credits": 100}
PLAN = {"code": "pro", "name": "Stagefy Pro", "price_zar": "299.0", "credits": 500}


def config(**overrides) -> PayFastConfig:
    env = {
        "PAYFAST_SANDBOX": "1",
        "PAYFAST_PASSPHRASE": "jt7NOE43FZPn",
        "STAGEFY_PAYFAST_RETURN_URL": "https://stagefy.example/paid",
        "STAGEFY_PAYFAST_NOTIFY_URL": "https://stagefy.example/itn",
        **overrides,
    }
    return PayFastConfig.from_env({k: v for k, v in env.items() if v is not None})


def test_pack_link_carries_every_field_in_order_and_is_signed():
    url, fields = build_checkout("pack", USER, PACK, "pay-0001", config=config())
    base, _, query = url.partition("?")
    assert base == "https://sandbox.payfast.co.za/eng/process"
    expected_string = (
        "merchant_id=10000100&merchant_key=46f0cd694581a"
        "&return_url=https%3A%2F%2Fstagefy.example%2Fpaid&notify_url=https%3A%2F%2Fstagefy.example%2Fitn"
        "&name_first=Thandi&name_last=M+Nkosi&email_address=thandi%40example.co.za"
        "&m_payment_id=pay-0001&amount=99.00&item_name=Starter+pack&item_description=100+Stagefy+credits"
        "&custom_str1=5b0e7a4c-1111-4c2e-9a55-0a1b2c3d4e5f&custom_str2=pack&custom_str3=starter"
    )
    signature = hashlib.md5((expected_string + "&passphrase=jt7NOE43FZPn").encode()).hexdigest()
    assert query == f"{expected_string}&signature={signature}"
    assert list(fields) == [key for key, _ in parse_qsl(query)]
    assert fields == dict(parse_qsl(query))
    assert "cancel_url" not in fields  # empty fields are left out
    assert "subscription_type" not in fields


def test_subscription_link_asks_for_monthly_billing_until_cancelled():
    url, fields = build_checkout(
        "subscription", USER, PLAN, "sub-0001", config=config(), today=date(2026, 3, 1)
    )
    assert list(fields)[-6:] == [
        "subscription_type",
        "billing_date",
        "recurring_amount",
        "frequency",
        "cycles",
        "signature",
    ]
    assert fields["subscription_type"] == "1"
    assert fields["billing_date"] == "2026-03-01"
    assert fields["amount"] == fields["recurring_amount"] == "299.00"
    assert (fields["frequency"], fields["cycles"]) == ("3", "0")
    assert (fields["custom_str2"], fields["custom_str3"]) == ("subscription", "pro")
    query = urlsplit(url).query
    unsigned = query.rsplit("&signature=", 1)[0]
    expected = hashlib.md5((unsigned + "&passphrase=jt7NOE43FZPn").encode()).hexdigest()
    assert fields["signature"] == expected
    assert unsigned.endswith(
        "&subscription_type=1&billing_date=2026-03-01&recurring_amount=299.00&frequency=3&cycles=0"
    )


def test_subscription_link_defaults_billing_date_to_today():
    _, fields = build_checkout("subscription", USER, PLAN, "sub-0002", config=config())
    assert fields["billing_date"] == date.today().isoformat()


def test_subscription_without_a_passphrase_is_refused():
    with pytest.raises(PayFastError, match="PAYFAST_PASSPHRASE"):
        build_checkout("subscription", USER, PLAN, "sub-0003", config=config(PAYFAST_PASSPHRASE=None))


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        build_checkout("gift", USER, PACK, "x", config=config())
