"""`stagefy admin`: users, credits, roles and tiers, the audit log, AI spend, stats and the ledger
check. The database decides who is an admin; an agent gets "permission denied" (exit 6)."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import (
    FIELDS,
    JSON,
    LIMIT,
    YES,
    choice,
    command_group,
    complete_from,
    one_of,
)
from stagefy_cli.models import AUDIT_RESOURCES, JOB_STATUSES, PROVIDERS, ROLES, TIERS

app = command_group("Admin console: users, credits, roles, audit, AI spend, stats, reconcile.")
users_app = command_group("Find and inspect users.")
app.add_typer(users_app, name="users")

SERVICE_ROLE = typer.Option(
    False,
    "--service-role",
    help="Act as the service role (reads SUPABASE_SECRET_KEY, or the legacy SUPABASE_SERVICE_ROLE_KEY), e.g. to make the first admin.",
)
SINCE = typer.Option(None, "--since", help="Only from this date (YYYY-MM-DD) or ISO time on.")


def _client(service_role: bool):
    from stagefy_cli.backend import client

    return client.service_client() if service_role else client.signed_in().client


def _user_columns():
    from stagefy_cli import render

    return [
        render.Column("email", "EMAIL"),
        render.Column("full_name", "NAME", max_width=30),
        render.Column("role", "ROLE"),
        render.Column("subscription_tier", "PLAN"),
        render.Column("credits", "CREDITS"),
        render.Column("created_at", "JOINED", render.local_time),
    ]


@users_app.command("list")
def users_list(
    role: str = choice(ROLES, "--role", help="Only this role: {values}."),
    tier: str = choice(TIERS, "--tier", help="Only this plan: {values}."),
    search: str = typer.Option(None, "--search", help="Text in the email, name or brokerage."),
    limit: int = LIMIT,
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List users, newest first.

    Example: stagefy admin users list --tier pro --search realty
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    rows, total = admin.list_users(_client(service_role), role=role, tier=tier, search=search, limit=limit)
    render.output(rows, _user_columns(), as_json=as_json, fields=fields, total=total)


@users_app.command("show")
def users_show(
    user: str = typer.Argument(..., help="The user's email, ID, or the ID's first characters."),
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Show one user: profile, balance against the ledger, plan, usage and recent transactions.

    Example: stagefy admin users show thandi@example.co.za
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    data = admin.show_user(_client(service_role), user)
    render.output(data, as_json=as_json, fields=fields, show=lambda: _print_user(data))


def _print_user(data: dict) -> None:
    from stagefy_cli import render

    sub = data.get("subscription") or {}
    render.print_detail(
        {**data, "plan_status": f"{sub['plan_id']} {sub['status']}" if sub else ""},
        [
            render.Column("id", "ID"),
            render.Column("email", "Email"),
            render.Column("full_name", "Name"),
            render.Column("brokerage", "Brokerage"),
            render.Column("role", "Role"),
            render.Column("subscription_tier", "Plan"),
            render.Column("plan_status", "Subscription"),
            render.Column("credits", "Credits"),
            render.Column("ledger_sum", "Ledger sum"),
            render.Column("paid_zar", "Paid", render.money),
            render.Column("projects", "Projects"),
            render.Column("jobs", "AI jobs"),
            render.Column("created_at", "Joined", render.local_time),
        ],
    )
    if data["recent_transactions"]:
        render.console().print()
        render.print_table(
            data["recent_transactions"],
            [
                render.Column("created_at", "WHEN", render.local_time),
                render.Column("amount", "CREDITS", lambda v: f"{v:+d}"),
                render.Column("type", "TYPE"),
                render.Column("description", "WHAT", max_width=60),
            ],
        )


def _render_credit_change(result: dict, as_json: bool, verb: str) -> None:
    from stagefy_cli import render

    render.output(
        result,
        as_json=as_json,
        done=f"{verb} {result['amount']} credits for {result['email']}: "
        f"{result['balance_before']} -> {result['balance']}.",
    )


#: One grant or revoke moves at most this many credits (a typo of a few digits is refused, not posted).
MAX_CREDIT_CHANGE = 1_000_000
CREDIT_AMOUNT = typer.Argument(
    ...,
    min=1,
    max=MAX_CREDIT_CHANGE,
    help=f"How many credits (1 to {MAX_CREDIT_CHANGE:,}; a revoke at most the balance).",
)


@app.command("grant-credits")
def grant_credits(
    user: str = typer.Argument(..., help="The user's email or ID."),
    amount: int = CREDIT_AMOUNT,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the ledger and the audit log)."),
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
) -> None:
    """Add credits to a user's balance (ledger and audit log in one transaction).

    Example: stagefy admin grant-credits thandi@example.co.za 100 --reason "Refund for a bad render"
    """
    from stagefy_cli.services import admin

    result = admin.grant_credits(_client(service_role), user, amount, reason)
    _render_credit_change(result, as_json, "Granted")


@app.command("revoke-credits")
def revoke_credits(
    user: str = typer.Argument(..., help="The user's email or ID."),
    amount: int = CREDIT_AMOUNT,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the ledger and the audit log)."),
    yes: bool = YES,
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
) -> None:
    """Take credits from a user's balance; more than the balance is refused.

    Example: stagefy admin revoke-credits thandi@example.co.za 40 --reason "Duplicate grant" --yes
    """
    from stagefy_cli import render
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import admin

    if not render.confirm(f"Revoke {amount} credits from {user}?", yes):
        raise Cancelled("nothing was revoked.")
    result = admin.revoke_credits(_client(service_role), user, amount, reason)
    _render_credit_change(result, as_json, "Revoked")


@app.command("set-role")
def set_role(
    user: str = typer.Argument(..., help="The user's email or ID."),
    role: str = typer.Argument(..., help=f"{one_of(ROLES)}.", autocompletion=complete_from(ROLES)),
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
) -> None:
    """Make a user an admin or an agent (audited).

    Example: stagefy admin set-role thandi@example.co.za admin --service-role
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    result = admin.set_role(_client(service_role), user, role)
    render.output(
        result, as_json=as_json, done=f"{result['email']} is now {result['role']} (was {result['old_role']})."
    )


@app.command("set-tier")
def set_tier(
    user: str = typer.Argument(..., help="The user's email or ID."),
    tier: str = typer.Argument(
        ...,
        help=f"{one_of(TIERS)}.",
        autocompletion=complete_from(TIERS),
    ),
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
) -> None:
    """Set a user's plan tier by hand (no payment, no credits; audited).

    Example: stagefy admin set-tier thandi@example.co.za pro
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    result = admin.set_tier(_client(service_role), user, tier)
    render.output(
        result,
        as_json=as_json,
        done=f"{result['email']} is now on {result['subscription_tier']} (was {result['old_tier']}).",
    )


@app.command()
def audit(
    admin_email: str = typer.Option(None, "--admin", help="Only changes made by this admin (email or ID)."),
    resource: str = choice(AUDIT_RESOURCES, "--resource", help="Only this resource type: {values}."),
    since: str = SINCE,
    limit: int = LIMIT,
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Show the admin audit log, newest first: who changed what, from which value to which.

    Example: stagefy admin audit --admin ops@stagefy.co.za --since 2026-01-01
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    rows = admin.audit(_client(service_role), admin=admin_email, resource=resource, since=since, limit=limit)
    render.output(
        rows,
        [
            render.Column("created_at", "WHEN", render.local_time),
            render.Column("admin_email", "ADMIN"),
            render.Column("action", "ACTION"),
            render.Column("resource_email", "USER"),
            render.Column("old_values", "OLD", max_width=30),
            render.Column("new_values", "NEW", max_width=50),
        ],
        as_json=as_json,
        fields=fields,
    )


@app.command()
def jobs(
    service: str = choice(PROVIDERS, "--service", help="Only this provider: {values}."),
    status: str = choice(JOB_STATUSES, "--status", help="Only jobs in this status: {values}."),
    since: str = SINCE,
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """AI spend per provider and model: jobs, failures, p50/p95 latency, API cost and credits.

    Example: stagefy admin jobs --since 2026-01-01 --json
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    rows = admin.job_stats(_client(service_role), service=service, status=status, since=since)
    render.output(
        rows,
        [
            render.Column("service", "PROVIDER"),
            render.Column("model", "MODEL", max_width=30),
            render.Column("jobs", "JOBS"),
            render.Column("failed", "FAILED"),
            render.Column("p50_latency_ms", "P50 MS"),
            render.Column("p95_latency_ms", "P95 MS"),
            render.Column("api_cost", "API COST", lambda v: f"${float(v):,.4f}"),
            render.Column("credits", "CREDITS"),
        ],
        as_json=as_json,
        fields=fields,
    )


@app.command()
def stats(
    since: str = SINCE,
    chart: bool = typer.Option(
        False,
        "--chart",
        help="Also draw jobs, credits sold, credits used and revenue per day (from --since, "
        "default the last 30 days); with --json, adds them as 'daily'.",
    ),
    service_role: bool = SERVICE_ROLE,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Users, active subscriptions, credits sold and used, revenue and jobs.

    Example: stagefy admin stats --since 2026-11-01 --chart
    """
    from stagefy_cli import render
    from stagefy_cli.services import admin

    client = _client(service_role)
    data = admin.stats(client, since=since)
    daily = admin.daily_stats(client, since=since) if chart else None
    render.output(
        data if daily is None else {**data, "daily": daily},
        as_json=as_json,
        fields=fields,
        show=lambda: _print_stats(data, daily),
    )


def _print_stats(data: dict, daily: list[dict] | None) -> None:
    from stagefy_cli import render

    tiers = ", ".join(f"{tier} {count}" for tier, count in sorted((data["tiers"] or {}).items()))
    render.print_detail(
        {**data, "tiers": tiers},
        [
            render.Column("users", "Users"),
            render.Column("new_users", "New users"),
            render.Column("admins", "Admins"),
            render.Column("tiers", "Plans"),
            render.Column("active_subscriptions", "Active subscriptions"),
            render.Column("credits_purchased", "Credits bought (packs)"),
            render.Column("credits_subscription", "Credits from plans"),
            render.Column("credits_used", "Credits used (net of refunds)"),
            render.Column("credits_adjusted", "Credits adjusted by admins"),
            render.Column("revenue_zar", "Revenue", render.money),
            render.Column("jobs", "AI jobs"),
            render.Column("jobs_failed", "AI jobs failed"),
            render.Column("api_cost", "API cost", lambda v: f"${float(v):,.2f}"),
        ],
    )
    if daily is not None:
        _draw_daily(daily)


def _draw_daily(daily: list[dict]) -> None:
    import os
    import shutil

    from stagefy_cli import render
    from stagefy_cli.charts import daily_charts

    colour = render.stdout_is_tty() and not os.environ.get("NO_COLOR")
    typer.echo("\n" + daily_charts(daily, shutil.get_terminal_size().columns, colour), nl=False)


@app.command()
def reconcile(service_role: bool = SERVICE_ROLE, as_json: bool = JSON) -> None:
    """Check users.credits = sum(ledger) for every user; exits 1 when any differ.

    Example: stagefy admin reconcile --json
    """
    from stagefy_cli import render
    from stagefy_cli.errors import StagefyError
    from stagefy_cli.services import admin

    result = admin.reconcile(_client(service_role))
    mismatches = result["mismatches"]
    render.output(
        result,
        [
            render.Column("email", "EMAIL"),
            render.Column("credits", "BALANCE"),
            render.Column("ledger_sum", "LEDGER SUM"),
            render.Column("difference", "DIFFERENCE", lambda v: f"{v:+d}"),
        ],
        as_json=as_json,
        shown=mismatches,
        done=None if mismatches else f"All {result['checked']} balances match their ledgers.",
    )
    if not mismatches:
        return
    if as_json:
        raise typer.Exit(1)
    raise StagefyError(f"{len(mismatches)} of {result['checked']} balances do not match their ledgers.")
