"""`admin stats --chart` through the CLI against the stack: figures planted on past days (so other
tests' activity today cannot move them) come back per day from `admin_daily_stats` and are drawn as
terminal bar charts; `--json` without `--chart` is unchanged; agents are refused by the database."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from stagefy_testing import cli_json, run_cli, sql
from test_admin_console import admin  # noqa: F401 - the fixture: a signed-in admin


def plant_day(stack, user_id: str, day, *, jobs: int, failed: int, bought: int, used: int, revenue: str):
    """Activity dated `day` (noon UTC): jobs, a pack purchase and usage through the ledger writer,
    and a PayFast payment, as the worker, the ITN handler and submit_edit would leave them."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    tag = uuid.uuid4().hex[:8]
    [(project_id,)] = sql(
        stack,
        "insert into public.projects (user_id, name, type, status, created_at) "
        "values (%s, %s, 'photo_edit', 'completed', %s) returning id",
        user_id,
        f"planted {tag}",
        moment,
    )
    for n in range(jobs):
        sql(
            stack,
            "insert into public.ai_jobs (user_id, project_id, service, model, status, created_at) "
            "values (%s, %s, 'local', 'planted', %s, %s)",
            user_id,
            project_id,
            "failed" if n < failed else "completed",
            moment,
        )
    for amount, kind in ((bought, "purchase"), (-used, "usage")):
        if amount:
            sql(stack, "select private.post_ledger(%s, %s, %s, %s)", user_id, amount, kind, f"planted {tag}")
    sql(
        stack,
        "update public.credit_transactions set created_at = %s where description = %s",
        moment,
        f"planted {tag}",
    )
    if revenue:
        sql(
            stack,
            "insert into public.payments (pf_payment_id, status, user_id, kind, item_code, amount, credits, "
            "outcome, raw, created_at) values (%s, 'COMPLETE', %s, 'pack', 'starter', %s, %s, 'credited', '{}', %s)",
            f"planted-{tag}",
            user_id,
            revenue,
            bought,
            moment,
        )


def _section(output: str, title: str) -> str:
    """One chart of the output: from its title line to the next blank line."""
    start = output.index(title)
    end = output.find("\n\n", start)
    return output[start : end if end > 0 else None]


def test_stats_chart_draws_the_daily_figures(admin, cli_stack):  # noqa: F811 - fixture
    today = datetime.now(UTC).date()
    first, second = today - timedelta(days=3), today - timedelta(days=2)
    plant_day(cli_stack, admin.id, first, jobs=13, failed=2, bought=4321, used=321, revenue="1234.00")
    plant_day(cli_stack, admin.id, second, jobs=5, failed=0, bought=0, used=0, revenue="")

    since = first.isoformat()
    plain = cli_json(["admin", "stats", "--since", since])
    assert "daily" not in plain  # --json without --chart is what it always was
    charted = cli_json(["admin", "stats", "--since", since, "--chart"])
    assert {k: v for k, v in charted.items() if k != "daily"}.keys() == plain.keys()
    daily = charted["daily"]
    assert [d["day"] for d in daily] == [(first + timedelta(days=n)).isoformat() for n in range(4)]
    assert daily[0] == {
        "day": since,
        "jobs": 13,
        "jobs_failed": 2,
        "credits_purchased": 4321,
        "credits_subscription": 0,
        "credits_used": 321,
        "revenue_zar": 1234.0,
    }
    assert (daily[1]["jobs"], daily[1]["credits_purchased"], daily[1]["revenue_zar"]) == (5, 0, 0)

    result = run_cli(["admin", "stats", "--since", since, "--chart"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out  # piped: no colour codes
    period = f"{since} to {today.isoformat()}"
    jobs = _section(out, f"AI jobs per day, {period}:")
    # Today also holds other tests' jobs: the title's figures are checked against the JSON.
    peak = max(daily, key=lambda d: d["jobs"])
    total = sum(d["jobs"] for d in daily)
    assert jobs.startswith(
        f"AI jobs per day, {period}: {total:,} in all, most {peak['jobs']:,} on {peak['day']}\n"
    )
    assert re.search(r"█13█", jobs) and re.search(r"█5█", jobs)  # the planted bars, labelled
    assert first.strftime("%m-%d") in jobs and second.strftime("%m-%d") in jobs
    sold = _section(out, f"Credits sold (packs and plans) per day, {period}:")
    assert "█4,321█" in sold
    used = _section(out, f"Credits used (net of refunds) per day, {period}:")
    assert "█321█" in used
    revenue = _section(out, f"Revenue per day, {period}:")
    assert "█R 1 234█" in revenue
    # The y axis counts in whole units from zero.
    assert re.search(r"^\s*0┤", jobs, re.M) and re.search(r"^\s*R 0┤", revenue, re.M)


def test_daily_figures_are_for_admins_and_a_year_at_most(admin, cli_stack, make_agent):  # noqa: F811
    too_early = (datetime.now(UTC).date() - timedelta(days=400)).isoformat()
    refused = run_cli(["admin", "stats", "--since", too_early, "--chart"])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == "Error: daily figures cover at most 366 days: give a later --since."

    agent = make_agent()
    with pytest.raises(Exception, match="admins only"):
        agent.client.rpc("admin_daily_stats", {}).execute()


def test_a_month_of_days_keeps_its_dates_and_the_day_with_figures_is_labelled(admin, cli_stack):  # noqa: F811
    today = datetime.now(UTC).date()
    since, busy = today - timedelta(days=29), today - timedelta(days=15)
    # far above what other tests of this process sell on their days, so its label is the one shown
    plant_day(cli_stack, admin.id, busy, jobs=3, failed=0, bought=1296, used=0, revenue="129600.00")
    out = run_cli(["admin", "stats", "--since", since.isoformat(), "--chart"]).stdout
    period = f"{since} to {today.isoformat()}"
    for title in ("AI jobs", "Credits sold (packs and plans)", "Revenue"):
        chart = _section(out, f"{title} per day, {period}:")
        dates = re.findall(r"\d\d-\d\d", chart.splitlines()[-1])
        assert busy.strftime("%m-%d") in dates, (title, chart)
        assert since.strftime("%m-%d") in dates and len(dates) >= 8, (title, chart)
    assert "R 129 600" in _section(out, f"Revenue per day, {period}:")  # as tables print rand
