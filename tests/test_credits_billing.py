"""`stagefy credits history | packs` through the CLI against the stack (buying: tests/billing)."""

from __future__ import annotations

import uuid

import psycopg
from stagefy_testing import run_cli


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
        (50, "bonus"),
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
