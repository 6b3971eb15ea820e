"""SubscriptionsApi against the stand-in PayFast API, which checks the signed headers itself."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.billing.errors import PayFastError
from stagefy_cli.billing.subscriptions_api import SubscriptionsApi

TOKEN = "dc0521d3-55fe-269b-fa00-b647310d760f"


def api(fake_payfast, sandbox: bool = True, passphrase: str | None = None) -> SubscriptionsApi:
    env = {
        "PAYFAST_MERCHANT_ID": "10000100",
        "PAYFAST_MERCHANT_KEY": "46f0cd694581a",
        "PAYFAST_PASSPHRASE": passphrase or fake_payfast.passphrase,
        "PAYFAST_SANDBOX": "1" if sandbox else "0",
        "STAGEFY_PAYFAST_API_URL": fake_payfast.url,
    }
    return SubscriptionsApi(PayFastConfig.from_env(env))


def test_fetch_sends_signed_headers_in_sandbox_mode(fake_payfast, api_signature):
    assert fake_payfast.token == TOKEN
    subscription = api(fake_payfast).fetch(TOKEN)
    assert subscription["status_text"] == "ACTIVE"
    assert subscription["amount"] == 29900

    sent = fake_payfast.last()
    assert (sent.method, sent.path, sent.query) == (
        "GET",
        f"/subscriptions/{TOKEN}/fetch",
        {"testing": "true"},
    )
    assert sent.headers["merchant-id"] == "10000100"
    assert sent.headers["version"] == "v1"
    assert datetime.fromisoformat(sent.headers["timestamp"]).tzinfo is not None
    headers = {k: sent.headers[k] for k in ("merchant-id", "version", "timestamp")}
    assert sent.headers["signature"] == api_signature(headers, fake_payfast.passphrase)
    assert sent.body == b""


def test_live_mode_does_not_ask_for_testing(fake_payfast):
    api(fake_payfast, sandbox=False).fetch(TOKEN)
    assert fake_payfast.last().query == {}


@pytest.mark.parametrize("action", ["unpause", "cancel"])
def test_put_actions(fake_payfast, action):
    result = getattr(api(fake_payfast), action)(TOKEN)
    assert result["response"] is True
    sent = fake_payfast.last()
    assert (sent.method, sent.path) == ("PUT", f"/subscriptions/{TOKEN}/{action}")


def test_pause_signs_its_cycles(fake_payfast, api_signature):
    api(fake_payfast).pause(TOKEN, cycles=2)
    sent = fake_payfast.last()
    assert (sent.method, sent.path) == ("PUT", f"/subscriptions/{TOKEN}/pause")
    assert json.loads(sent.body) == {"cycles": 2}
    headers = {k: sent.headers[k] for k in ("merchant-id", "version", "timestamp")}
    assert sent.headers["signature"] == api_signature({**headers, "cycles": "2"}, fake_payfast.passphrase)


def test_update_sends_only_what_changes(fake_payfast):
    api(fake_payfast).update(TOKEN, amount_cents=49900, run_date=date(2026, 4, 1))
    sent = fake_payfast.last()
    assert (sent.method, sent.path) == ("PATCH", f"/subscriptions/{TOKEN}/update")
    assert json.loads(sent.body) == {"run_date": "2026-04-01", "amount": 49900}


def test_update_with_nothing_to_change_is_refused_locally(fake_payfast):
    with pytest.raises(ValueError):
        api(fake_payfast).update(TOKEN)
    assert fake_payfast.requests == []


def test_payfast_message_is_raised(fake_payfast):
    with pytest.raises(PayFastError, match="Subscription not found"):
        api(fake_payfast).cancel("00000000-0000-0000-0000-000000000000")


def test_wrong_passphrase_fails_signature_verification(fake_payfast):
    with pytest.raises(PayFastError, match="Failed Signature Verification"):
        api(fake_payfast, passphrase="wrong").cancel(TOKEN)


def test_unreachable_api_is_a_payfast_error():
    config = PayFastConfig.from_env({"PAYFAST_SANDBOX": "1", "STAGEFY_PAYFAST_API_URL": "http://127.0.0.1:9"})
    with pytest.raises(PayFastError, match="unreachable"):
        SubscriptionsApi(config).fetch(TOKEN)
