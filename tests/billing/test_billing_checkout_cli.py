"""`stagefy credits buy`, `stagefy plans` and `stagefy subscription start`: signed PayFast links made
by the payment function for the signed-in agent, whose CLI holds no PayFast setting at all; and
`--open` handing the link to the browser, as a real subprocess."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

from billing_support import PASSPHRASE, RETURN_URL, itn_url
from stagefy_testing import cli_json, run_cli, sql


def signed_fields(url: str) -> dict[str, str]:
    """The link's fields, after checking its signature the way PayFast documents it."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    fields = [(k, v) for k, v in pairs if k != "signature"]
    expected = hashlib.md5(f"{urlencode(fields)}&passphrase={PASSPHRASE}".encode()).hexdigest()
    assert dict(pairs)["signature"] == expected
    return dict(fields)


def test_buy_prints_a_link_signed_by_the_server(pay_cli, pay_stack):
    agent = pay_cli
    assert not [name for name in os.environ if "PAYFAST" in name]
    result = run_cli(["credits", "buy", "agent"])
    assert result.exit_code == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith("https://sandbox.payfast.co.za/eng/process?merchant_id=10000100&")
    assert "Agent pack: 300 credits for R 399.00" in result.stderr
    fields = signed_fields(url)
    assert fields["merchant_key"] == "46f0cd694581a"
    assert fields["notify_url"] == itn_url(pay_stack)
    assert fields["return_url"] == RETURN_URL
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
    # The function keeps what it sold, so the payment can be followed from the link.
    assert sql(
        pay_stack,
        "select user_id::text, kind, item_code, amount::text from public.payfast_checkouts where m_payment_id = %s",
        as_json["m_payment_id"],
    ) == [(agent.id, "pack", "starter", "149.00")]


def test_buy_refuses_unknown_packs_and_a_missing_session(pay_cli):
    unknown = run_cli(["credits", "buy", "mega"])
    assert unknown.exit_code == 5
    assert unknown.stderr.strip() == (
        "Error: no credit pack 'mega'. Available: starter, agent, agency. See: stagefy credits packs."
    )
    run_cli(["auth", "logout"])
    signed_out = run_cli(["credits", "buy", "starter"])
    assert signed_out.exit_code == 4


def test_a_project_without_the_function_says_how_to_deploy_it(signed_in_agent):
    """The session's plain gateway serves no functions, like a hosted project before deployment."""
    result = run_cli(["credits", "buy", "starter"])
    assert result.exit_code == 1
    assert "supabase functions deploy payfast --no-verify-jwt" in result.stderr


def test_plans_are_the_databases(signed_in_agent):
    assert cli_json(["plans"]) == [
        {"code": "basic", "name": "Basic", "monthly_credits": 150, "price_zar": 199.0},
        {"code": "pro", "name": "Pro", "monthly_credits": 500, "price_zar": 499.0},
        {"code": "enterprise", "name": "Enterprise", "monthly_credits": 2000, "price_zar": 1499.0},
    ]


def test_subscription_start_prints_a_signed_recurring_link(pay_cli, pay_stack):
    agent = pay_cli
    result = run_cli(["subscription", "start", "pro"])
    assert result.exit_code == 0, result.stderr
    fields = signed_fields(result.stdout.strip())
    assert (fields["subscription_type"], fields["frequency"], fields["cycles"]) == ("1", "3", "0")
    assert (fields["amount"], fields["recurring_amount"], fields["billing_date"]) == (
        "499.00",
        "499.00",
        date.today().isoformat(),
    )
    assert (fields["custom_str1"], fields["custom_str2"], fields["custom_str3"]) == (
        agent.id,
        "subscription",
        "pro",
    )
    assert fields["notify_url"] == itn_url(pay_stack)
    assert "Pro: 500 credits a month for R 499.00 a month" in result.stderr
    link = cli_json(["subscription", "start", "basic"])
    assert link["m_payment_id"].startswith("subscription-") and link["url"].startswith("https://")


def test_subscription_start_refuses_what_it_cannot_sell(pay_cli):
    unknown = run_cli(["subscription", "start", "free"])
    assert unknown.exit_code == 2
    assert "unknown plan 'free'. Choose one of: basic, pro, enterprise." in unknown.stderr


def test_a_plan_off_sale_is_not_sold(pay_cli, pay_stack):
    sql(pay_stack, "update public.plans set active = false where code = 'enterprise'")
    try:
        refused = run_cli(["subscription", "start", "enterprise"])
    finally:
        sql(pay_stack, "update public.plans set active = true where code = 'enterprise'")
    assert refused.exit_code == 5
    assert "the enterprise plan is not on sale. See: stagefy plans" in refused.stderr


def test_status_without_a_subscription(pay_cli):
    state = cli_json(["subscription", "status"])
    assert (state["subscription_tier"], state["credits"], state["subscription"], state["plan"]) == (
        "free",
        50,
        None,
        None,
    )
    none = run_cli(["subscription", "pause"])
    assert none.exit_code == 5
    assert "you have no subscription to change" in none.stderr


def test_open_hands_the_link_to_the_browser(pay_cli, tmp_path):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": f"{browser} %s", "DISPLAY": ""}
    result = subprocess.run(
        [sys.executable, "-m", "stagefy_cli.entry", "credits", "buy", "starter", "--open"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert opened.read_text() == result.stdout.strip()
    assert "custom_str3=starter" in opened.read_text()
