"""The worker's periodic chores: a plan whose paid period ended drops to the free tier even when
its owner never runs a command."""

from __future__ import annotations

import psycopg


def test_worker_expires_ended_plans(stack, make_agent, job_worker):
    agent = make_agent()
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("update public.users set subscription_tier = 'pro' where id = %s", (agent.id,))
        conn.execute(
            "insert into public.subscriptions (user_id, plan_id, status, monthly_credits, current_period_start,"
            " current_period_end) values (%s, 'pro', 'cancelled', 500, now() - interval '40 days', now() - interval '10 days')",
            (agent.id,),
        )
    job_worker({}, start=False, poll_interval=0.01).run(once=True)
    with psycopg.connect(stack.dsn) as conn:
        tier = conn.execute(
            "select subscription_tier::text from public.users where id = %s", (agent.id,)
        ).fetchone()[0]
        ended = conn.execute(
            "select ended_at is not null from public.subscriptions where user_id = %s", (agent.id,)
        ).fetchone()[0]
    assert tier == "free"
    assert ended is True
