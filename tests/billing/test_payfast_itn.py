"""The ITN handler served by uvicorn, posted to over real HTTP, with the stand-in PayFast answering
the validation postback. The request comes from 127.0.0.1, so the configured hosts decide whether
that is PayFast's address."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import httpx
import pytest

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.itn import ItnNotification
from stagefy_cli.billing.itn_app import create_itn_app

PASSPHRASE = "jt7NOE43FZPn"
TOKEN = "dc0521d3-55fe-269b-fa00-b647310d760f"
PRICES = {"starter": Decimal("99.00"), "pro": Decimal("299.00")}


def itn_fields(**overrides) -> list[tuple[str, str]]:
    fields = {
        "m_payment_id": "pay-0001",
        "pf_payment_id": "1089250",
        "payment_status": "COMPLETE",
        "item_name": "Starter pack",
        "item_description": "",
        "amount_gross": "99.00",
        "amount_fee": "-2.28",
        "amount_net": "96.72",
        "custom_str1": "5b0e7a4c-1111-4c2e-9a55-0a1b2c3d4e5f",
        "custom_str2": "pack",
        "custom_str3": "starter",
        "custom_str4": "",
        "custom_str5": "",
        "custom_int1": "",
        "name_first": "Thandi",
        "name_last": "Nkosi",
        "email_address": "thandi@example.co.za",
        "merchant_id": "10000100",
        **overrides,
    }
    return list(fields.items())


def sign(pairs: list[tuple[str, str]], passphrase: str = PASSPHRASE) -> str:
    """The body PayFast posts: the fields, then their signature (PayFast's documented algorithm)."""
    param_string = urlencode(pairs)
    signature = hashlib.md5(f"{param_string}&passphrase={passphrase}".encode()).hexdigest()
    return f"{param_string}&signature={signature}"


class Handler:
    """An ITN app under uvicorn, and the payments it applied."""

    def __init__(self, server_thread, fake_payfast, hosts: str, apply_payment=None):
        env = {
            "PAYFAST_SANDBOX": "1",
            "PAYFAST_PASSPHRASE": PASSPHRASE,
            "STAGEFY_PAYFAST_VALIDATE_URL": f"{fake_payfast.url}/eng/query/validate",
            "STAGEFY_PAYFAST_ITN_HOSTS": hosts,
        }
        self.applied: list[ItnNotification] = []
        config = PayFastConfig.from_env(env)
        self.server = server_thread(
            create_itn_app(config, expected_amount, apply_payment or self.applied.append)
        )

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc):
        self.server.__exit__(*exc)

    def post(self, body: str) -> httpx.Response:
        with httpx.Client() as client:
            return client.post(
                self.server.url + "/",
                content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )


def expected_amount(itn: ItnNotification) -> Decimal | None:
    return PRICES.get(itn.custom_str3 or "")


@pytest.fixture
def handler(server_thread, fake_payfast):
    with Handler(server_thread, fake_payfast, "localhost") as served:
        yield served


def test_valid_itn_is_confirmed_with_payfast_and_applied(handler, fake_payfast):
    body = sign(itn_fields())
    response = handler.post(body)
    assert (response.status_code, response.text) == (200, "OK")

    [validation] = fake_payfast.requests
    assert (validation.method, validation.path) == ("POST", "/eng/query/validate")
    assert validation.headers["content-type"] == "application/x-www-form-urlencoded"
    assert validation.body.decode() == body.rsplit("&signature=", 1)[0]

    [itn] = handler.applied
    assert (itn.pf_payment_id, itn.m_payment_id, itn.payment_status) == ("1089250", "pay-0001", "COMPLETE")
    assert (itn.amount_gross, itn.amount_fee, itn.amount_net) == (
        Decimal("99.00"),
        Decimal("-2.28"),
        Decimal("96.72"),
    )
    assert (itn.custom_str1, itn.custom_str2, itn.custom_str3, itn.custom_str4) == (
        "5b0e7a4c-1111-4c2e-9a55-0a1b2c3d4e5f",
        "pack",
        "starter",
        None,
    )
    assert (itn.custom_int1, itn.token, itn.billing_date) == (None, None, None)
    assert itn.email_address == "thandi@example.co.za"
    assert itn.raw["item_name"] == "Starter pack"


def test_subscription_itn_carries_token_and_billing_date(handler):
    fields = itn_fields(
        custom_str2="subscription",
        custom_str3="pro",
        amount_gross="299.00",
        token=TOKEN,
        billing_date="2026-03-01",
    )
    assert handler.post(sign(fields)).status_code == 200
    [itn] = handler.applied
    assert (itn.token, itn.billing_date, itn.amount_gross) == (TOKEN, date(2026, 3, 1), Decimal("299.00"))


def test_amount_within_a_cent_is_accepted(handler):
    assert handler.post(sign(itn_fields(amount_gross="98.99"))).status_code == 200
    assert len(handler.applied) == 1


@pytest.mark.parametrize(
    "body, reason",
    [
        (sign(itn_fields(), passphrase="not-the-passphrase"), "bad signature"),
        (sign(itn_fields()).replace("amount_gross=99.00", "amount_gross=9.00"), "bad signature"),
        (urlencode(itn_fields()), "bad signature"),
        (sign(itn_fields(amount_gross="9.00")), "does not match"),
        (sign(itn_fields(amount_gross="99.02")), "does not match"),
        (sign(itn_fields(custom_str3="no-such-pack")), "unknown pack"),
        (sign(itn_fields(pf_payment_id="")), "missing pf_payment_id"),
    ],
    ids=[
        "wrong-passphrase",
        "tampered",
        "unsigned",
        "wrong-amount",
        "two-cents-off",
        "unknown-item",
        "no-payment-id",
    ],
)
def test_refused_with_400_and_nothing_applied(handler, fake_payfast, body, reason, caplog):
    with caplog.at_level(logging.WARNING, logger="stagefy_cli.billing"):
        response = handler.post(body)
    assert response.status_code == 400
    assert reason in response.text
    assert handler.applied == []
    assert fake_payfast.requests == []  # refused before asking PayFast
    assert reason in caplog.text
    assert PASSPHRASE not in caplog.text


def test_failed_validation_is_refused(handler, fake_payfast):
    fake_payfast.validate_answer = "INVALID"
    response = handler.post(sign(itn_fields()))
    assert response.status_code == 400
    assert "INVALID" in response.text
    assert len(fake_payfast.requests) == 1
    assert handler.applied == []


def test_foreign_source_address_is_refused(server_thread, fake_payfast):
    # The configured hosts do not name the loopback address the test posts from.
    with Handler(server_thread, fake_payfast, "192.0.2.10,sandbox.invalid") as served:
        response = served.post(sign(itn_fields()))
    assert response.status_code == 403
    assert "127.0.0.1 is not PayFast" in response.text
    assert served.applied == []
    assert fake_payfast.requests == []


def test_a_failure_to_apply_answers_500_so_payfast_retries(server_thread, fake_payfast):
    def broken(itn):
        raise RuntimeError("database down")

    with Handler(server_thread, fake_payfast, "127.0.0.1", apply_payment=broken) as served:
        response = served.post(sign(itn_fields()))
    assert response.status_code == 500
    assert len(fake_payfast.requests) == 1
