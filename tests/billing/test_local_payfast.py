"""`stagefy local payfast complete | renew`: the local stack plays PayFast, so a purchase made with
nothing but the agent's session is finished offline, through the real payment function."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import urlencode

import web
from stagefy_testing import balance, cli_json, run_cli, sign_in, sql


def notifications(stack, user_id: str, kind: str) -> int:
    return sql(
        stack, "select count(*) from public.notifications where user_id = %s and type = %s", user_id, kind
    )[0][0]


def test_buy_then_complete_credits_the_pack_exactly_once(sandbox_cli, sandbox_stack):
    agent = sandbox_cli
    assert not [name for name in os.environ if "PAYFAST" in name]
    link = cli_json(["credits", "buy", "starter"])
    assert link["url"].startswith(f"{sandbox_stack.url}/payfast-sandbox/eng/process?")

    done = run_cli(["local", "payfast", "complete", link["m_payment_id"]])
    assert done.exit_code == 0, done.stderr
    assert f"sent COMPLETE for {link['m_payment_id']} (R 149," in done.stderr
    assert balance(sandbox_stack, agent.id) == 150
    assert cli_json(["credits", "balance"])["credits"] == 150

    # Completing again is PayFast retrying the same notice: answered OK, nothing credited twice.
    again = cli_json(["local", "payfast", "complete", link["m_payment_id"]])
    assert (again["function_status"], again["function_answer"]) == (200, "OK")
    assert balance(sandbox_stack, agent.id) == 150
    assert sql(
        sandbox_stack,
        "select outcome, credits from public.payments where m_payment_id = %s",
        link["m_payment_id"],
    ) == [("credited", 100)]


def test_a_failed_payment_credits_nothing_and_says_so(sandbox_cli, sandbox_stack):
    agent = sandbox_cli
    link = cli_json(["credits", "buy", "agent"])
    failed = cli_json(["local", "payfast", "complete", link["m_payment_id"], "--fail"])
    assert (failed["payment_status"], failed["function_status"]) == ("FAILED", 200)
    assert balance(sandbox_stack, agent.id) == 50
    assert notifications(sandbox_stack, agent.id, "payment_failed") == 1


def test_a_plan_starts_renews_and_is_cancelled_offline(sandbox_cli, sandbox_stack):
    agent = sandbox_cli
    link = cli_json(["subscription", "start", "pro"])
    assert run_cli(["local", "payfast", "complete", link["m_payment_id"]]).exit_code == 0
    state = cli_json(["subscription", "status"])
    assert (state["subscription_tier"], state["credits"], state["subscription"]["status"]) == (
        "pro",
        550,
        "active",
    )
    first_end = state["subscription"]["current_period_end"]

    renewed = run_cli(["local", "payfast", "renew", link["m_payment_id"]])
    assert renewed.exit_code == 0, renewed.stderr
    state = cli_json(["subscription", "status"])
    assert state["credits"] == 1050
    assert state["subscription"]["current_period_start"] == first_end

    cancelled = cli_json(["subscription", "cancel", "--yes"])
    assert cancelled["status"] == "cancelled"
    assert balance(sandbox_stack, agent.id) == 1050


def test_what_cannot_be_completed_is_refused(sandbox_cli, sandbox_stack):
    unknown = run_cli(["local", "payfast", "complete", "pack-doesnotexist"])
    assert unknown.exit_code == 5
    assert "no checkout pack-doesnotexist" in unknown.stderr
    pack = cli_json(["credits", "buy", "starter"])
    renew_pack = run_cli(["local", "payfast", "renew", pack["m_payment_id"]])
    assert renew_pack.exit_code == 2
    assert "only a subscription renews" in renew_pack.stderr
    plan = cli_json(["subscription", "start", "basic"])
    not_started = run_cli(["local", "payfast", "renew", plan["m_payment_id"]])
    assert not_started.exit_code == 2
    assert "has not started: complete it first" in not_started.stderr
    assert balance(sandbox_stack, sandbox_cli.id) == 50


def test_only_the_service_role_can_play_payfast(sandbox_cli, monkeypatch, sandbox_stack):
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", sandbox_stack.anon_key)
    pack = cli_json(["credits", "buy", "starter"])
    refused = run_cli(["local", "payfast", "complete", pack["m_payment_id"]])
    assert refused.exit_code == 4
    assert "the server refused the service key" in refused.stderr
    assert balance(sandbox_stack, sandbox_cli.id) == 50


def test_a_project_that_does_not_simulate_payfast(pay_cli, pay_stack, monkeypatch):
    """A merchant is configured (as on a hosted project): no sandbox, PayFast itself notifies."""
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", pay_stack.service_role_key)
    pack = cli_json(["credits", "buy", "starter"])
    refused = run_cli(["local", "payfast", "complete", pack["m_payment_id"]])
    assert refused.exit_code == 2
    assert "only the local stack does" in refused.stderr


def test_names_php_would_escape_are_signed_as_payfast_signs_them(sandbox_cli, sandbox_stack, make_agent):
    agent = make_agent(name="Zoë O'Brien-Nkosi ~ (Coastal) *Realty*")
    sign_in(agent)
    link = cli_json(["credits", "buy", "starter"])
    done = cli_json(["local", "payfast", "complete", link["m_payment_id"]])
    assert (done["function_status"], done["function_answer"]) == (200, "OK")
    assert balance(sandbox_stack, agent.id) == 150


def test_a_forged_notice_to_the_local_stack_credits_nothing(sandbox_cli, sandbox_stack):
    """The local stack delivers requests as Supabase's edge runtime does (peer 0.0.0.0, the
    caller's address only in X-Forwarded-For): a genuine notice is credited, while a forged one
    that names PayFast's address, sent for a real checkout, is refused (a forger has no passphrase,
    and PayFast's validation knows nothing of the notice)."""
    agent = sandbox_cli
    link = cli_json(["credits", "buy", "starter"])
    fields = {
        "m_payment_id": link["m_payment_id"],
        "pf_payment_id": "990001",
        "payment_status": "COMPLETE",
        "item_name": "Starter pack",
        "amount_gross": "149.00",
        "custom_str1": agent.id,
        "custom_str2": "pack",
        "custom_str3": "starter",
        "merchant_id": "10000100",
    }
    body = urlencode(fields)
    for signature in (
        "",
        hashlib.md5(body.encode()).hexdigest(),
        hashlib.md5(f"{body}&passphrase=x".encode()).hexdigest(),
    ):
        forged = web.post(
            f"{sandbox_stack.url}/functions/v1/payfast/itn",
            content=f"{body}&signature={signature}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": "197.97.145.144",
            },
        )
        assert (forged.status_code, forged.text) == (400, "bad signature")
    assert balance(sandbox_stack, agent.id) == 50
    done = cli_json(["local", "payfast", "complete", link["m_payment_id"]])
    assert (done["function_status"], done["function_answer"]) == (200, "OK")
    assert balance(sandbox_stack, agent.id) == 150


def test_buy_names_the_payment_and_the_offline_next_step(sandbox_cli):
    shown = run_cli(["credits", "buy", "starter"])
    assert shown.exit_code == 0, shown.stderr
    payment = shown.stderr.split("Payment ")[1].split(".")[0]
    assert payment.startswith("pack-")
    assert f"Payment {payment}" in shown.stderr
    assert f"finish the payment with: stagefy local payfast complete {payment}" in shown.stderr
    assert run_cli(["local", "payfast", "complete", payment]).exit_code == 0
