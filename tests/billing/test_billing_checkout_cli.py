"""`stagefy plans` and `stagefy subscription start` (a PayFast recurring-billing link), and `--open`
handing the link to the browser, as a real subprocess."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from stagefy_testing import cli_json, run_cli

PASSPHRASE = "jt7NOE43FZPn"


@pytest.fixture
def payfast_env(monkeypatch):
    monkeypatch.setenv("PAYFAST_SANDBOX", "1")
    monkeypatch.setenv("PAYFAST_PASSPHRASE", PASSPHRASE)


def test_plans_are_the_databases(signed_in_agent):
    assert cli_json(["plans"]) == [
        {"code": "basic", "name": "Basic", "monthly_credits": 150, "price_zar": 199.0},
        {"code": "pro", "name": "Pro", "monthly_credits": 500, "price_zar": 499.0},
        {"code": "enterprise", "name": "Enterprise", "monthly_credits": 2000, "price_zar": 1499.0},
    ]


def test_subscription_start_prints_a_signed_recurring_link(signed_in_agent, payfast_env):
    agent = signed_in_agent
    result = run_cli(["subscription", "start", "pro"])
    assert result.exit_code == 0, result.stderr
    pairs = parse_qsl(urlsplit(result.stdout.strip()).query, keep_blank_values=True)
    fields = dict(pairs)
    unsigned = [(k, v) for k, v in pairs if k != "signature"]
    assert (
        fields["signature"]
        == hashlib.md5(f"{urlencode(unsigned)}&passphrase={PASSPHRASE}".encode()).hexdigest()
    )
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
    # without STAGEFY_PAYFAST_NOTIFY_URL, PayFast is told to notify the project's payment function
    assert fields["notify_url"] == f"{os.environ['SUPABASE_URL']}/functions/v1/payfast-itn"
    assert "Pro: 500 credits a month for R 499 a month" in result.stderr


def test_subscription_start_refuses_what_it_cannot_sell(signed_in_agent, payfast_env, monkeypatch):
    unknown = run_cli(["subscription", "start", "free"])
    assert unknown.exit_code == 2
    assert "unknown plan 'free'. Choose one of: basic, pro, enterprise." in unknown.stderr
    monkeypatch.delenv("PAYFAST_PASSPHRASE")
    no_passphrase = run_cli(["subscription", "start", "basic"])
    assert no_passphrase.exit_code == 1
    assert "PayFast subscriptions need a passphrase" in no_passphrase.stderr


def test_status_without_a_subscription(signed_in_agent):
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


def test_open_hands_the_link_to_the_browser(signed_in_agent, payfast_env, tmp_path):
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
