"""`stagefy credits history | packs | buy` through the CLI against the stack."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
import pytest
from stagefy_testing import run_cli

PASSPHRASE = "s3cret-Passphrase"


def cli_json(args: list[str], **kwargs):
    result = run_cli([*args, "--json"], **kwargs)
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    return result.json()


def post(stack, user_id: str, amount: int, tx_type: str, description: str, created_at: str | None = None):
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute(
            "select private.post_ledger(%s, %s, %s::public.credit_transaction_type, %s)",
            (user_id, amount, tx_type, description),
        )
        if created_at:
            conn.execute(
                "update public.credit_transactions set created_at = %s where user_id = %s and description = %s",
                (created_at, user_id, description),
            )


@pytest.fixture
def payfast_env(monkeypatch):
    monkeypatch.setenv("PAYFAST_SANDBOX", "1")
    monkeypatch.setenv("PAYFAST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("STAGEFY_PAYFAST_NOTIFY_URL", "https://api.example.co.za/functions/v1/payfast-itn")
    monkeypatch.setenv("STAGEFY_PAYFAST_RETURN_URL", "https://stagefy.example.co.za/paid")


def signed_fields(url: str) -> dict[str, str]:
    """The link's fields, after checking its signature the way PayFast documents it."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    fields = [(k, v) for k, v in pairs if k != "signature"]
    signature = dict(pairs)["signature"]
    expected = hashlib.md5(
        f"{urlencode(fields)}&passphrase={urlencode({'': PASSPHRASE})[1:]}".encode()
    ).hexdigest()
    assert signature == expected
    return dict(fields)


def test_history_filters_and_pages(signed_in_agent, stack):
    agent = signed_in_agent
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute(
            "update public.credit_transactions set created_at = '2025-12-01T08:00:00Z' where user_id = %s",
            (agent.id,),
        )
    post(stack, agent.id, 100, "purchase", "Starter pack", "2026-01-05T10:00:00Z")
    post(stack, agent.id, -2, "usage", "Staging kitchen", "2026-02-01T09:00:00Z")
    post(stack, agent.id, 2, "refund", "Refund kitchen", "2026-02-01T09:05:00Z")

    rows = cli_json(["credits", "history"])
    assert [(r["amount"], r["type"]) for r in rows] == [
        (2, "refund"),
        (-2, "usage"),
        (100, "purchase"),
        (50, "subscription"),
    ]
    assert set(rows[0]) >= {"id", "amount", "type", "description", "reference_id", "created_at"}

    assert [r["description"] for r in cli_json(["credits", "history", "--type", "purchase"])] == [
        "Starter pack"
    ]
    since = cli_json(["credits", "history", "--since", "2026-02-01"])
    assert [r["type"] for r in since] == ["refund", "usage"]

    limited = run_cli(["credits", "history", "--limit", "2"])
    assert limited.exit_code == 0
    assert limited.stdout.count("\n") == 2
    assert "Showing 2 of 4" in limited.stderr

    bad = run_cli(["credits", "history", "--type", "gift"])
    assert bad.exit_code == 2
    assert "unknown --type 'gift'" in bad.stderr
    assert run_cli(["credits", "history", "--since", "yesterday"]).exit_code == 2


def test_history_shows_only_your_own_rows(signed_in_agent, make_agent, stack):
    other = make_agent()
    post(stack, other.id, 100, "purchase", f"someone else {uuid.uuid4().hex[:6]}")
    rows = cli_json(["credits", "history"])
    assert [r["description"] for r in rows] == ["Welcome credits"]


def test_packs_are_the_databases(signed_in_agent):
    packs = cli_json(["credits", "packs"])
    assert packs == [
        {"code": "starter", "name": "Starter pack", "credits": 100, "price_zar": 149.0},
        {"code": "agent", "name": "Agent pack", "credits": 300, "price_zar": 399.0},
        {"code": "agency", "name": "Agency pack", "credits": 1000, "price_zar": 1199.0},
    ]
    table = run_cli(["credits", "packs"])
    assert table.stdout.splitlines()[0] == "starter\tStarter pack\t100\t149"  # piped: the bare number


def test_buy_prints_a_signed_payfast_link(signed_in_agent, payfast_env):
    agent = signed_in_agent
    result = run_cli(["credits", "buy", "agent"])
    assert result.exit_code == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith("https://sandbox.payfast.co.za/eng/process?merchant_id=10000100&")
    assert "Agent pack: 300 credits for R 399" in result.stderr
    fields = signed_fields(url)
    assert fields["merchant_key"] == "46f0cd694581a"
    assert fields["notify_url"] == "https://api.example.co.za/functions/v1/payfast-itn"
    assert fields["return_url"] == "https://stagefy.example.co.za/paid"
    assert (fields["amount"], fields["item_name"], fields["email_address"]) == (
        "399.00",
        "Agent pack",
        agent.email,
    )
    assert (fields["custom_str1"], fields["custom_str2"], fields["custom_str3"]) == (
        agent.id,
        "pack",
        "agent",
    )
    assert fields["m_payment_id"].startswith("pack-")
    assert "subscription_type" not in fields
    assert PASSPHRASE not in url

    as_json = cli_json(["credits", "buy", "starter"])
    assert (as_json["kind"], as_json["item_code"], as_json["credits"], as_json["amount"]) == (
        "pack",
        "starter",
        100,
        "149.00",
    )
    assert signed_fields(as_json["url"])["m_payment_id"] == as_json["m_payment_id"]


def test_buy_refuses_unknown_packs_and_a_missing_merchant(signed_in_agent, monkeypatch):
    unknown = run_cli(["credits", "buy", "mega"])
    assert unknown.exit_code == 5
    assert unknown.stderr.strip() == (
        "Error: no credit pack 'mega'. Available: starter, agent, agency. See: stagefy credits packs"
    )
    for name in ("PAYFAST_SANDBOX", "PAYFAST_MERCHANT_ID", "PAYFAST_MERCHANT_KEY"):
        monkeypatch.delenv(name, raising=False)
    unconfigured = run_cli(["credits", "buy", "starter"])
    assert unconfigured.exit_code == 1
    assert "PayFast is not configured" in unconfigured.stderr
