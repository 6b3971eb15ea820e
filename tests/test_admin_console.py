"""The admin console through the CLI against the stack: every command as an admin, each refused by
the database for an agent (exit 6), the first admin made with the service role, audit rows with old
and new values, and `admin reconcile` finding a balance planted behind the ledger's back."""

from __future__ import annotations

import uuid

import pytest
from stagefy_testing import cli_json, run_cli, sql
from stagefy_testing import sign_in as login


def ledger_matches(stack, user_id) -> bool:
    [(credits, total)] = sql(
        stack,
        "select u.credits, (select coalesce(sum(amount), 0)::int from public.credit_transactions t "
        "where t.user_id = u.id) from public.users u where u.id = %s",
        user_id,
    )
    return credits == total


@pytest.fixture
def admin(cli_stack, make_agent):
    """A fresh admin (role set by the superuser), signed in through the CLI."""
    agent = make_agent("Ops Admin")
    sql(cli_stack, "update public.users set role = 'admin' where id = %s", agent.id)
    login(agent)
    return agent


AGENT_COMMANDS = [
    ["admin", "users", "list"],
    ["admin", "users", "show", "{email}"],
    ["admin", "grant-credits", "{email}", "100", "--reason", "free money"],
    ["admin", "revoke-credits", "{email}", "10", "--reason", "x", "--yes"],
    ["admin", "set-role", "{email}", "admin"],
    ["admin", "set-tier", "{email}", "enterprise"],
    ["admin", "audit"],
    ["admin", "jobs"],
    ["admin", "stats"],
    ["admin", "reconcile"],
]


@pytest.mark.parametrize("args", AGENT_COMMANDS, ids=[" ".join(a[1:3]) for a in AGENT_COMMANDS])
def test_every_admin_command_is_refused_for_an_agent(signed_in_agent, stack, args):
    agent = signed_in_agent
    result = run_cli([part.format(email=agent.email) for part in args])
    assert result.exit_code == 6, (result.exit_code, result.stderr)
    assert result.stderr.strip() == "Error: permission denied: admins only."
    assert sql(
        stack, "select role::text, subscription_tier::text, credits from public.users where id = %s", agent.id
    ) == [("agent", "free", 50)]


def test_first_admin_is_made_with_the_service_role(cli_stack, make_agent, monkeypatch):
    agent = make_agent()
    missing = run_cli(["admin", "set-role", agent.email, "admin", "--service-role"])
    assert missing.exit_code == 2
    assert "neither SUPABASE_SECRET_KEY nor SUPABASE_SERVICE_ROLE_KEY is set" in missing.stderr

    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", cli_stack.service_role_key)
    result = cli_json(["admin", "set-role", agent.email.upper(), "admin", "--service-role"])
    assert (result["email"], result["old_role"], result["role"]) == (agent.email, "agent", "admin")
    [(action, admin_id, old, new)] = sql(
        cli_stack,
        "select action, admin_user_id, old_values, new_values from public.admin_audit_log where resource_id = %s",
        agent.id,
    )
    assert (action, admin_id, old, new) == (
        "set_role",
        None,
        {"role": "agent"},
        {"role": "admin", "by": "service_role"},
    )

    # The new admin can now use the console with their own session.
    login(agent)
    assert cli_json(["admin", "users", "show", agent.email])["role"] == "admin"


def test_grant_and_revoke_write_ledger_and_audit(admin, make_agent, stack):
    target = make_agent("Thandi Nkosi")
    granted = cli_json(["admin", "grant-credits", target.email, "120", "--reason", "Bad render refund"])
    assert (granted["user_id"], granted["amount"], granted["balance_before"], granted["balance"]) == (
        target.id,
        120,
        50,
        170,
    )
    revoked = cli_json(
        ["admin", "revoke-credits", target.id[:13], "20", "--reason", "Duplicate grant", "--yes"]
    )
    assert (revoked["balance_before"], revoked["balance"]) == (170, 150)

    too_much = run_cli(["admin", "revoke-credits", target.email, "151", "--reason", "oops", "--yes"])
    assert too_much.exit_code == 2
    assert too_much.stderr.strip() == f"Error: cannot revoke 151 credits: {target.email} has only 150."

    rows = sql(
        stack,
        "select amount, type::text, description, reference_id from public.credit_transactions "
        "where user_id = %s and type = 'adjustment' order by created_at",
        target.id,
    )
    assert rows == [
        (120, "adjustment", "Granted by an admin: Bad render refund", f"admin:{admin.id}"),
        (-20, "adjustment", "Revoked by an admin: Duplicate grant", f"admin:{admin.id}"),
    ]
    audit = cli_json(["admin", "audit", "--admin", admin.email, "--resource", "user"])
    assert [(e["action"], e["admin_email"], e["resource_email"]) for e in audit] == [
        ("revoke_credits", admin.email, target.email),
        ("grant_credits", admin.email, target.email),
    ]
    assert audit[0]["old_values"] == {"credits": 170}
    assert audit[0]["new_values"] == {
        "credits": 150,
        "amount": 20,
        "reason": "Duplicate grant",
        "by": admin.id,
    }
    assert ledger_matches(stack, target.id)

    missing_reason = run_cli(["admin", "grant-credits", target.email, "5", "--reason", " "])
    assert (missing_reason.exit_code, missing_reason.stderr.strip()) == (2, "Error: a reason is required.")
    unknown = run_cli(["admin", "grant-credits", "nobody@example.com", "5", "--reason", "x"])
    assert (unknown.exit_code, unknown.stderr.strip()) == (5, "Error: no user nobody@example.com.")


def test_set_role_and_tier_are_audited(admin, make_agent, stack):
    target = make_agent()
    tier = cli_json(["admin", "set-tier", target.email, "enterprise"])
    assert (tier["old_tier"], tier["subscription_tier"]) == ("free", "enterprise")
    role = cli_json(["admin", "set-role", target.email, "admin"])
    assert (role["old_role"], role["role"]) == ("agent", "admin")
    assert sql(
        stack,
        "select role::text, subscription_tier::text, credits from public.users where id = %s",
        target.id,
    ) == [("admin", "enterprise", 50)]
    entries = sql(
        stack,
        "select action, admin_user_id::text, old_values, new_values from public.admin_audit_log "
        "where resource_id = %s order by created_at",
        target.id,
    )
    assert entries == [
        (
            "set_tier",
            admin.id,
            {"subscription_tier": "free"},
            {"subscription_tier": "enterprise", "by": admin.id},
        ),
        ("set_role", admin.id, {"role": "agent"}, {"role": "admin", "by": admin.id}),
    ]
    bad = run_cli(["admin", "set-tier", target.email, "platinum"])
    assert bad.exit_code == 2
    assert "unknown tier 'platinum'" in bad.stderr


def test_users_list_and_show(admin, make_agent):
    marker = uuid.uuid4().hex[:8]
    first = make_agent(f"Zanele {marker}", brokerage="Coastal Realty")
    second = make_agent(f"Pieter {marker}")
    rows = cli_json(["admin", "users", "list", "--search", marker])
    assert [r["email"] for r in rows] == [second.email, first.email]  # newest first
    assert rows[1]["brokerage"] == "Coastal Realty"
    limited = run_cli(["admin", "users", "list", "--search", marker, "--limit", "1"])
    assert limited.exit_code == 0
    assert limited.stdout.count("\n") == 1
    assert "Showing 1 of 2" in limited.stderr
    assert [
        r["email"] for r in cli_json(["admin", "users", "list", "--role", "admin", "--search", admin.email])
    ] == [admin.email]
    bad = run_cli(["admin", "users", "list", "--tier", "gold"])
    assert bad.exit_code == 2

    shown = cli_json(["admin", "users", "show", first.id])
    assert (shown["email"], shown["credits"], shown["ledger_sum"], shown["subscription"]) == (
        first.email,
        50,
        50,
        None,
    )
    assert [(t["amount"], t["type"]) for t in shown["recent_transactions"]] == [(50, "bonus")]
    table = run_cli(["admin", "users", "show", first.email])
    assert table.exit_code == 0
    assert f"email\t{first.email}" in table.stdout


def test_jobs_stats_per_provider_and_model(admin, make_agent, stack):
    agent = make_agent()
    model = f"bench-{uuid.uuid4().hex[:6]}"
    for status, latency, cost in [
        ("completed", 1000, "0.0100"),
        ("completed", 2000, "0.0100"),
        ("completed", 3000, "0.0200"),
        ("failed", 9000, None),
    ]:
        sql(
            stack,
            "insert into public.ai_jobs (user_id, service, model, status, latency_ms, api_cost, credit_cost, attempts) "
            "values (%s, 'replicate', %s, %s, %s, %s, 2, 1)",
            agent.id,
            model,
            status,
            latency,
            cost,
        )
    rows = [r for r in cli_json(["admin", "jobs", "--service", "replicate"]) if r["model"] == model]
    assert rows == [
        {
            "service": "replicate",
            "model": model,
            "jobs": 4,
            "completed": 3,
            "failed": 1,
            "p50_latency_ms": 2500,
            "p95_latency_ms": 8100,
            "api_cost": 0.04,
            "credits": 6,  # the failed job's 2 were refunded
        }
    ]
    failed_only = [r for r in cli_json(["admin", "jobs", "--status", "failed"]) if r["model"] == model]
    assert [(r["jobs"], r["p50_latency_ms"]) for r in failed_only] == [(1, 9000)]
    assert run_cli(["admin", "jobs", "--since", "not-a-date"]).exit_code == 2


def test_stats(admin, make_agent, stack):
    buyer = make_agent()
    stack.service_client().rpc(
        "apply_payfast_itn",
        {
            "p_itn": {
                "pf_payment_id": uuid.uuid4().hex,
                "payment_status": "COMPLETE",
                "amount_gross": "149.00",
                "custom_str1": buyer.id,
                "custom_str2": "pack",
                "custom_str3": "starter",
            }
        },
    ).execute()
    before = cli_json(["admin", "stats"])
    assert before["users"] >= 2
    assert before["admins"] >= 1
    assert before["credits_purchased"] >= 100
    assert before["revenue_zar"] >= 149
    recent = cli_json(["admin", "stats", "--since", "2999-01-01"])
    assert (recent["new_users"], recent["credits_purchased"], recent["revenue_zar"], recent["jobs"]) == (
        0,
        0,
        0,
        0,
    )
    assert recent["users"] == before["users"]
    table = run_cli(["admin", "stats"])
    assert table.exit_code == 0 and "revenue_zar\t" in table.stdout


def test_reconcile_is_clean_then_finds_a_planted_mismatch(admin, make_agent, stack):
    clean = run_cli(["admin", "reconcile", "--json"])
    assert clean.exit_code == 0, clean.stdout
    assert clean.json()["mismatches"] == []
    assert clean.json()["checked"] >= 1

    victim = make_agent()
    # Behind the ledger's back: the superuser changes the cached balance directly.
    sql(stack, "update public.users set credits = credits + 7 where id = %s", victim.id)
    try:
        found = run_cli(["admin", "reconcile", "--json"])
        assert found.exit_code == 1
        assert found.json()["mismatches"] == [
            {"user_id": victim.id, "email": victim.email, "credits": 57, "ledger_sum": 50, "difference": 7}
        ]
        table = run_cli(["admin", "reconcile"])
        assert table.exit_code == 1
        assert f"{victim.email}\t57\t50\t7" in table.stdout  # piped: plain values
        assert table.stderr.strip().startswith("Error: 1 of ")
    finally:
        sql(stack, "update public.users set credits = credits - 7 where id = %s", victim.id)
    assert run_cli(["admin", "reconcile"]).exit_code == 0


def test_audit_resource_is_validated(admin):
    result = run_cli(["admin", "audit", "--resource", "users"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown --resource 'users'. Choose one of: user, project."


def test_an_admin_cancelling_someone_elses_project_is_audited(admin, make_agent, stack, tmp_path):
    from stagefy_testing import make_photo

    from stagefy_cli.backend.client import UserContext
    from stagefy_cli.services import edits
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    agent = make_agent()
    ctx = UserContext(agent.client, agent.id, agent.email)
    uploaded = upload_sources(ctx, [check_photo(make_photo(tmp_path / "den.jpg"))])
    project_id = edits.submit(ctx, uploaded, edits.EditOptions("enhance"))["project_id"]
    cancelled = cli_json(["projects", "cancel", project_id, "--yes"])
    assert cancelled["refunded"] == 1
    [entry] = cli_json(["admin", "audit", "--resource", "project"])
    assert entry["action"] == "cancel_project"
    assert entry["resource_id"] == project_id
    assert entry["new_values"]["refunded"] == 1
