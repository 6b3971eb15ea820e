"""Subscriptions keep what was paid: a notice for a replaced plan never changes the tier, replacing a
paid-up plan is said and asked, and every subscription command says what it did in the words
`subscription status` uses. Offline through the local stack's PayFast (`stagefy local payfast`)."""

from __future__ import annotations

from stagefy_testing import balance, cli_json, run_cli, sql


def payments(stack, user_id: str) -> list[tuple[str, str, int]]:
    return sql(
        stack,
        "select status, outcome, credits from public.payments where user_id = %s order by created_at",
        user_id,
    )


def test_a_renewal_of_a_replaced_plan_is_credited_once_and_never_changes_the_tier(sandbox_cli, sandbox_stack):
    agent = sandbox_cli
    pro = cli_json(["subscription", "start", "pro"])
    assert run_cli(["local", "payfast", "complete", pro["m_payment_id"]]).exit_code == 0
    assert cli_json(["subscription", "cancel", "--yes"])["status"] == "cancelled"

    # The paid pro time is not given up without a word: said, and asked (no terminal: --yes needed).
    asked = run_cli(["subscription", "start", "basic"])
    assert asked.exit_code == 2, (asked.exit_code, asked.stderr)
    assert "Your cancelled pro plan is paid until" in asked.stderr and "--yes" in asked.stderr
    basic = cli_json(["subscription", "start", "basic", "--yes"])
    assert run_cli(["local", "payfast", "complete", basic["m_payment_id"]]).exit_code == 0
    assert balance(sandbox_stack, agent.id) == 50 + 500 + 150

    # PayFast bills the old pro plan again: the payment is credited once, the plan stays basic.
    renewed = run_cli(["local", "payfast", "renew", pro["m_payment_id"]])
    assert renewed.exit_code == 0, renewed.stderr
    assert "Stagefy recorded: superseded_credited" in renewed.stderr
    state = cli_json(["subscription", "status"])
    assert (state["subscription_tier"], state["subscription"]["plan_id"]) == ("basic", "basic")
    assert state["subscription"]["status"] == "active"
    assert balance(sandbox_stack, agent.id) == 50 + 500 + 150 + 500
    [note] = sql(
        sandbox_stack,
        "select message from public.notifications where user_id = %s and title = 'Payment for a replaced plan'",
        agent.id,
    )
    assert "your plan stays basic" in note[0]

    # PayFast retrying that notice: said to be a replay, nothing credited twice.
    again = run_cli(["local", "payfast", "renew", pro["m_payment_id"]])
    assert again.exit_code == 0, again.stderr
    assert "a replay of a notice already applied: nothing changed" in again.stderr
    assert cli_json(["local", "payfast", "renew", pro["m_payment_id"]])["replay"] is True

    # A failed payment of the replaced plan changes nothing either.
    failed = cli_json(["local", "payfast", "renew", pro["m_payment_id"], "--fail"])
    assert (failed["replay"], failed["outcome"]) == (False, "superseded_ignored")
    state = cli_json(["subscription", "status"])
    assert (state["subscription_tier"], state["subscription"]["status"]) == ("basic", "active")
    assert balance(sandbox_stack, agent.id) == 1200
    assert payments(sandbox_stack, agent.id) == [
        ("COMPLETE", "subscription_started", 500),
        ("COMPLETE", "subscription_started", 150),
        ("COMPLETE", "superseded_credited", 500),
        ("FAILED", "superseded_ignored", 0),
    ]


def test_a_first_completion_is_not_called_a_replay(sandbox_cli, sandbox_stack):
    pack = cli_json(["credits", "buy", "starter"])
    first = run_cli(["local", "payfast", "complete", pack["m_payment_id"]])
    assert first.exit_code == 0, first.stderr
    assert "Stagefy recorded: credited" in first.stderr and "replay" not in first.stderr
    second = run_cli(["local", "payfast", "complete", pack["m_payment_id"]])
    assert "a replay of a notice already applied: nothing changed" in second.stderr
    assert balance(sandbox_stack, sandbox_cli.id) == 150


def test_pause_resume_and_status_speak_alike_and_a_cancelled_plan_is_named(sandbox_cli, sandbox_stack):
    plan = cli_json(["subscription", "start", "basic"])
    assert run_cli(["local", "payfast", "complete", plan["m_payment_id"]]).exit_code == 0

    refused = run_cli(["subscription", "pause"])  # it costs the agent a month: asked, like cancel
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    paused = run_cli(["subscription", "pause", "--yes"])
    assert paused.exit_code == 0, paused.stderr
    assert "Paused your basic plan" in paused.stderr

    resumed = run_cli(["subscription", "resume"])
    assert resumed.exit_code == 0, resumed.stderr
    words = "resuming (active again with PayFast's next payment)"
    assert words in resumed.stderr
    assert words in run_cli(["subscription", "status"]).stdout

    assert run_cli(["local", "payfast", "renew", plan["m_payment_id"]]).exit_code == 0
    assert cli_json(["subscription", "status"])["subscription"]["status"] == "active"

    assert run_cli(["subscription", "cancel", "--yes"]).exit_code == 0
    until = cli_json(["subscription", "status"])["subscription"]["current_period_end"][:10]
    for action, words in (
        ("resume", "your basic plan is cancelled and cannot be resumed"),
        ("pause", "your basic plan is cancelled, so there is nothing to pause"),
        ("cancel", "your basic plan is already cancelled"),
    ):
        result = run_cli(
            ["subscription", action, "--yes"] if action != "resume" else ["subscription", action]
        )
        assert result.exit_code == 2, (action, result.exit_code, result.stderr)
        assert words in result.stderr and until in result.stderr, (action, result.stderr)
        assert "no subscription to change" not in result.stderr


def test_welcome_credits_are_a_bonus(sandbox_cli):
    rows = cli_json(["credits", "history", "--type", "bonus"])
    assert [(r["amount"], r["description"]) for r in rows] == [(50, "Welcome credits")]
    assert cli_json(["credits", "history", "--type", "subscription"]) == []
