"""Subscriptions end to end: ITNs through the payment function start, renew, fail and cancel a plan;
the agent's CLI asks the function to cancel, pause and resume it at the stand-in PayFast API (which
checks the signed headers); the tier drops to free
when the paid period ends; and nothing an agent can call makes a subscription active or adds credits."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pytest
from billing_support import post_itn
from stagefy_testing import run_cli
from test_billing_itn import assert_ledger_matches, balance, itn_body, sql

PRO = {"code": "pro", "credits": 500, "price": "499.00"}


def subscription_itn(user_id: str, token: str, billing_date: date, **overrides) -> str:
    fields = {
        "m_payment_id": "subscription-test",
        "item_name": "Pro",
        "item_description": "500 Stagefy credits a month",
        "amount_gross": PRO["price"],
        "custom_str2": "subscription",
        "custom_str3": PRO["code"],
        "token": token,
        "billing_date": billing_date.isoformat(),
        **overrides,
    }
    return itn_body(user_id, **fields)


def cli_json(args: list[str], **kwargs):
    result = run_cli([*args, "--json"], **kwargs)
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    return result.json()


def subscription_row(stack, token: str) -> dict:
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        cur = conn.execute(
            "select status::text, plan_id, monthly_credits, price_paid::text, current_period_start::date, "
            "current_period_end::date, ended_at, user_id::text from public.subscriptions "
            "where payfast_subscription_id = %s",
            (token,),
        )
        names = [c.name for c in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def notifications(stack, user_id: str, kind: str) -> list[str]:
    rows = sql(
        stack,
        "select message from public.notifications where user_id = %s and type = %s order by created_at",
        user_id,
        kind,
    )
    return [message for (message,) in rows]


@pytest.fixture
def itn(pay_stack):
    return lambda body: post_itn(pay_stack, body)


@pytest.fixture
def payfast_api(fake_payfast, pay_cli):
    """The stand-in PayFast API behind the payment function, knowing one subscription token per
    test; the agent's CLI holds only its session."""
    previous = fake_payfast.token
    fake_payfast.token = str(uuid.uuid4())
    yield fake_payfast
    fake_payfast.token = previous


def test_life_cycle_start_renew_twice_past_due_cancel_and_end(itn, signed_in_agent, stack):
    agent = signed_in_agent
    token = str(uuid.uuid4())
    today = date.today()
    # PayFast bills on these dates; the notifications are replayed here in quick succession.
    first, second, third = today, today + timedelta(days=31), today + timedelta(days=62)

    # Start: the first payment creates the subscription and sets the tier.
    assert itn(subscription_itn(agent.id, token, first)).status_code == 200
    sub = subscription_row(stack, token)
    assert (sub["status"], sub["plan_id"], sub["monthly_credits"], sub["price_paid"]) == (
        "active",
        "pro",
        500,
        "499.00",
    )
    assert sub["current_period_start"] == first
    assert sub["user_id"] == agent.id
    assert balance(stack, agent.id) == 550
    state = cli_json(["subscription", "status"])
    assert (state["subscription_tier"], state["credits"]) == ("pro", 550)
    assert (state["subscription"]["payfast_subscription_id"], state["plan"]["monthly_credits"]) == (
        token,
        500,
    )

    # Two renewals: a month's credits each, the period moves on.
    assert itn(subscription_itn(agent.id, token, second)).status_code == 200
    assert itn(subscription_itn(agent.id, token, third)).status_code == 200
    sub = subscription_row(stack, token)
    assert (sub["status"], sub["current_period_start"]) == ("active", third)
    assert sub["current_period_end"] > third
    assert balance(stack, agent.id) == 50 + 3 * 500
    assert len(notifications(stack, agent.id, "subscription_renewal")) == 2
    ledger = sql(
        stack,
        "select count(*), sum(amount) from public.credit_transactions "
        "where user_id = %s and type = 'subscription' and subscription_id is not null",
        agent.id,
    )
    assert ledger == [(3, 1500)]

    # A failed payment: past due and a notice; the tier stays until the paid period ends.
    assert itn(subscription_itn(agent.id, token, today, payment_status="FAILED")).status_code == 200
    assert subscription_row(stack, token)["status"] == "past_due"
    [failed] = notifications(stack, agent.id, "payment_failed")
    assert "payment for your pro plan failed" in failed
    assert balance(stack, agent.id) == 1550

    # Cancelled at PayFast (its notice carries 0.00, not the plan's price): status cancelled, the
    # tier kept until the period's end.
    cancelled = subscription_itn(
        agent.id,
        token,
        today,
        payment_status="CANCELLED",
        amount_gross="0.00",
        amount_fee="0.00",
        amount_net="0.00",
    )
    assert itn(cancelled).status_code == 200
    state = cli_json(["subscription", "status"])
    assert (state["subscription"]["status"], state["subscription_tier"]) == ("cancelled", "pro")
    assert state["subscription"]["ended_at"] is None

    # Time passes: the period ends, and the next read drops the tier to free.
    sql(
        stack,
        "update public.subscriptions set current_period_end = now() - interval '1 day' "
        "where payfast_subscription_id = %s returning id",
        token,
    )
    state = cli_json(["subscription", "status"])
    assert state["subscription_tier"] == "free"
    assert state["subscription"]["ended_at"] is not None
    assert len(notifications(stack, agent.id, "system")) == 2  # cancelled, then ended
    assert balance(stack, agent.id) == 1550  # credits already paid for stay
    assert_ledger_matches(stack, agent.id)


def test_operators_expire_ended_subscriptions(stack, make_agent):
    agent = make_agent()
    service = stack.service_client()
    token = str(uuid.uuid4())
    start = {
        "pf_payment_id": f"exp-{uuid.uuid4().hex[:8]}",
        "payment_status": "COMPLETE",
        "amount_gross": "199.00",
        "custom_str1": agent.id,
        "custom_str2": "subscription",
        "custom_str3": "basic",
        "token": token,
        "billing_date": (date.today() - timedelta(days=40)).isoformat(),
    }
    assert (
        service.rpc("apply_payfast_itn", {"p_itn": start}).execute().data["outcome"] == "subscription_started"
    )
    cancel = {**start, "pf_payment_id": f"exp-{uuid.uuid4().hex[:8]}", "payment_status": "CANCELLED"}
    # The paid month is already over: cancelling ends it at once.
    assert service.rpc("apply_payfast_itn", {"p_itn": cancel}).execute().data["outcome"] == "cancelled"
    assert sql(stack, "select subscription_tier::text from public.users where id = %s", agent.id) == [
        ("free",)
    ]
    assert subscription_row(stack, token)["ended_at"] is not None
    assert service.rpc("expire_subscriptions", {}).execute().data == 0


def test_cancel_pause_resume_through_payfast_api(signed_in_agent, stack, payfast_api):
    agent = signed_in_agent
    token = payfast_api.token
    service = stack.service_client()
    base = {
        "payment_status": "COMPLETE",
        "amount_gross": "499.00",
        "custom_str1": agent.id,
        "custom_str2": "subscription",
        "custom_str3": "pro",
        "token": token,
    }
    service.rpc("apply_payfast_itn", {"p_itn": {**base, "pf_payment_id": uuid.uuid4().hex}}).execute()

    paused = cli_json(["subscription", "pause", "--yes"])
    assert paused["status"] == "paused" and paused["paused_at"]
    request = payfast_api.last()
    assert (request.method, request.path, request.query) == (
        "PUT",
        f"/subscriptions/{token}/pause",
        {"testing": "true"},
    )
    # The merchant's headers, signed with the passphrase the stand-in knows (it refuses others).
    assert (request.headers["merchant-id"], request.headers["version"]) == ("10000100", "v1")
    assert len(request.headers["signature"]) == 32

    resumed = cli_json(["subscription", "resume"])
    # Recorded as a request: only PayFast's next payment makes the subscription active again.
    assert (resumed["status"], bool(resumed["resume_requested_at"])) == ("paused", True)
    assert payfast_api.last().path == f"/subscriptions/{token}/unpause"
    status = run_cli(["subscription", "status"])
    assert "resuming (active again with PayFast's next payment)" in status.stdout

    service.rpc("apply_payfast_itn", {"p_itn": {**base, "pf_payment_id": uuid.uuid4().hex}}).execute()
    assert cli_json(["subscription", "status"])["subscription"]["status"] == "active"

    refused = run_cli(["subscription", "cancel"])
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr

    cancelled = cli_json(["subscription", "cancel", "--yes"])
    assert cancelled["status"] == "cancelled"
    assert payfast_api.last().path == f"/subscriptions/{token}/cancel"
    again = run_cli(["subscription", "cancel", "--yes"])
    assert again.exit_code == 2
    assert again.stderr.startswith("Error: your pro plan is already cancelled; you keep it until")
    assert balance(stack, agent.id) == 50 + 1000
    assert_ledger_matches(stack, agent.id)


def test_payfast_refusal_records_nothing(signed_in_agent, stack, payfast_api):
    agent = signed_in_agent
    token = str(uuid.uuid4())  # a token the stand-in PayFast does not know
    stack.service_client().rpc(
        "apply_payfast_itn",
        {
            "p_itn": {
                "pf_payment_id": uuid.uuid4().hex,
                "payment_status": "COMPLETE",
                "amount_gross": "199.00",
                "custom_str1": agent.id,
                "custom_str2": "subscription",
                "custom_str3": "basic",
                "token": token,
            }
        },
    ).execute()
    result = run_cli(["subscription", "pause", "--yes"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: PayFast pause failed: Subscription not found."
    assert subscription_row(stack, token)["status"] == "active"

    start = run_cli(["subscription", "start", "pro"])
    assert start.exit_code == 2
    assert "you already have the basic plan (active)" in start.stderr


def test_agents_cannot_activate_credit_or_touch_others_subscriptions(stack, make_agent):
    owner, other = make_agent(), make_agent()
    service = stack.service_client()
    token = str(uuid.uuid4())
    itn = {
        "pf_payment_id": uuid.uuid4().hex,
        "payment_status": "COMPLETE",
        "amount_gross": "199.00",
        "custom_str1": owner.id,
        "custom_str2": "subscription",
        "custom_str3": "basic",
        "token": token,
    }
    service.rpc("apply_payfast_itn", {"p_itn": itn}).execute()
    service.rpc(
        "apply_payfast_itn", {"p_itn": {**itn, "pf_payment_id": uuid.uuid4().hex, "payment_status": "FAILED"}}
    ).execute()
    [(sub_id,)] = sql(
        stack, "select id::text from public.subscriptions where payfast_subscription_id = %s", token
    )

    def refused(call) -> str:
        with pytest.raises(Exception) as excinfo:
            call()
        return getattr(excinfo.value, "code", None)

    # No write privilege on subscriptions, users' tier or credits.
    assert (
        refused(
            lambda: (
                owner.client.table("subscriptions").update({"status": "active"}).eq("id", sub_id).execute()
            )
        )
        == "42501"
    )
    assert (
        refused(lambda: owner.client.table("users").update({"credits": 9999}).eq("id", owner.id).execute())
        == "42501"
    )
    # The RPC has no way to say "active", and a past-due subscription cannot be resumed.
    assert (
        refused(
            lambda: owner.client.rpc(
                "record_subscription_change", {"p_subscription_id": sub_id, "p_action": "activate"}
            ).execute()
        )
        == "P0422"
    )
    assert (
        refused(
            lambda: owner.client.rpc(
                "record_subscription_change", {"p_subscription_id": sub_id, "p_action": "resume"}
            ).execute()
        )
        == "P0422"
    )
    # Someone else's subscription does not exist for them.
    assert (
        refused(
            lambda: other.client.rpc(
                "record_subscription_change", {"p_subscription_id": sub_id, "p_action": "cancel"}
            ).execute()
        )
        == "P0404"
    )
    assert subscription_row(stack, token)["status"] == "past_due"
    assert balance(stack, owner.id) == 50 + 150


def test_an_active_plan_that_is_not_renewed_lapses_after_three_days(stack, make_agent):
    agent = make_agent()
    service = stack.service_client()
    token = str(uuid.uuid4())
    itn = {
        "pf_payment_id": uuid.uuid4().hex,
        "payment_status": "COMPLETE",
        "amount_gross": "199.00",
        "custom_str1": agent.id,
        "custom_str2": "subscription",
        "custom_str3": "basic",
        "token": token,
    }
    service.rpc("apply_payfast_itn", {"p_itn": itn}).execute()
    sql(
        stack,
        "update public.subscriptions set current_period_end = now() - interval '2 days' "
        "where payfast_subscription_id = %s returning id",
        token,
    )
    service.rpc("expire_subscriptions", {}).execute()
    assert subscription_row(stack, token)["status"] == "active"  # still within the grace days
    sql(
        stack,
        "update public.subscriptions set current_period_end = now() - interval '4 days' "
        "where payfast_subscription_id = %s returning id",
        token,
    )
    assert service.rpc("expire_subscriptions", {}).execute().data >= 1
    sub = subscription_row(stack, token)
    assert (sub["status"], sub["ended_at"] is not None) == ("past_due", True)
    assert sql(stack, "select subscription_tier::text from public.users where id = %s", agent.id) == [
        ("free",)
    ]


def test_ending_a_plan_never_waits_for_a_user_busy_with_a_payment(stack, make_agent):
    """A payment locks the user, then the subscription; ending plans locks the subscription, then
    the user. So ending skips a user whose row is locked (and ends the plan next time) rather than
    wait for it, which could deadlock with that payment."""
    agent = make_agent()
    token = str(uuid.uuid4())
    started = {
        "pf_payment_id": uuid.uuid4().hex,
        "payment_status": "COMPLETE",
        "amount_gross": "199.00",
        "custom_str1": agent.id,
        "custom_str2": "subscription",
        "custom_str3": "basic",
        "token": token,
    }
    stack.service_client().rpc("apply_payfast_itn", {"p_itn": started}).execute()
    sql(
        stack,
        "update public.subscriptions set status = 'cancelled', current_period_end = now() - interval '1 day' "
        "where payfast_subscription_id = %s returning id",
        token,
    )
    with psycopg.connect(stack.dsn) as payment, psycopg.connect(stack.dsn, autocommit=True) as expiry:
        payment.execute("select 1 from public.users where id = %s for update", (agent.id,))
        expiry.execute("set statement_timeout = '5s'")
        assert expiry.execute("select private.expire_subscriptions(%s)", (agent.id,)).fetchone() == (0,)
        payment.rollback()
        assert expiry.execute("select private.expire_subscriptions(%s)", (agent.id,)).fetchone() == (1,)
    assert subscription_row(stack, token)["ended_at"] is not None
    assert sql(stack, "select subscription_tier::text from public.users where id = %s", agent.id) == [
        ("free",)
    ]
