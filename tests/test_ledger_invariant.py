"""private.post_ledger, the one primitive that moves credits, and the invariant it keeps:
users.credits = sum(credit_transactions.amount) for every user, at all times."""

from __future__ import annotations

import json
import threading
import uuid

import psycopg
import pytest

POST = "select private.post_ledger(%s, %s, %s::public.credit_transaction_type, %s)"


@pytest.fixture
def db(pg_dsn):
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def user_id(db) -> uuid.UUID:
    """A signed-up user (50 welcome credits)."""
    new_id = uuid.uuid4()
    db.execute(
        "insert into auth.users (id, email, raw_user_meta_data, email_confirmed_at) values (%s, %s, %s, now())",
        (new_id, f"ledger-{new_id.hex[:12]}@example.com", json.dumps({"full_name": "Ledger"})),
    )
    return new_id


def balance_and_ledger_sum(db, user_id) -> tuple[int, int]:
    return db.execute(
        "select u.credits, (select coalesce(sum(t.amount), 0)::int from public.credit_transactions t "
        "where t.user_id = u.id) from public.users u where u.id = %s",
        (user_id,),
    ).fetchone()


def test_credit_and_debit_update_the_balance_and_write_the_ledger(db, user_id):
    subscription_id = db.execute(
        "insert into public.subscriptions (user_id, plan_id, status, monthly_credits) "
        "values (%s, 'pro', 'active', 500) returning id",
        (user_id,),
    ).fetchone()[0]
    new_balance = db.execute(
        "select private.post_ledger(%s, 500, 'subscription', 'Pro plan', 'pf-123', %s)",
        (user_id, subscription_id),
    ).fetchone()[0]
    assert new_balance == 550
    assert db.execute(POST, (user_id, -30, "usage", "Photo edit")).fetchone()[0] == 520

    rows = db.execute(
        "select amount, type::text, description, reference_id, subscription_id from public.credit_transactions "
        "where user_id = %s order by created_at, amount",
        (user_id,),
    ).fetchall()
    assert sorted(rows, key=lambda r: r[0]) == [
        (-30, "usage", "Photo edit", None, None),
        (50, "bonus", "Welcome credits", "welcome", None),
        (500, "subscription", "Pro plan", "pf-123", subscription_id),
    ]
    assert balance_and_ledger_sum(db, user_id) == (520, 520)


def test_insufficient_credits_raise_p0402_and_write_nothing(db, user_id):
    assert db.execute(POST, (user_id, -50, "usage", "Video")).fetchone()[0] == 0
    with pytest.raises(psycopg.Error) as excinfo:
        db.execute(POST, (user_id, -7, "usage", "Photo edit"))
    assert excinfo.value.sqlstate == "P0402"
    assert excinfo.value.diag.message_primary == "insufficient credits: need 7, balance 0"
    assert balance_and_ledger_sum(db, user_id) == (0, 0)
    count = db.execute(
        "select count(*) from public.credit_transactions where user_id = %s", (user_id,)
    ).fetchone()
    assert count == (2,)


def test_unknown_user_is_refused(db):
    with pytest.raises(psycopg.Error) as excinfo:
        db.execute(POST, (uuid.uuid4(), 10, "purchase", "Top-up"))
    assert excinfo.value.sqlstate == "P0002"


def test_concurrent_debits_are_serialised_by_the_row_lock(pg_dsn, db, user_id):
    """Two 30-credit debits on a 50-credit balance: the second waits for the first, then fails."""
    first = psycopg.connect(pg_dsn)
    first.execute(POST, (user_id, -30, "usage", "first"))  # holds the users row lock, uncommitted
    outcome = {}

    def second_debit():
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            try:
                outcome["balance"] = conn.execute(POST, (user_id, -30, "usage", "second")).fetchone()[0]
            except psycopg.Error as exc:
                outcome["sqlstate"] = exc.sqlstate

    worker = threading.Thread(target=second_debit)
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive(), "the second debit should wait for the first transaction's lock"
    first.commit()
    first.close()
    worker.join(timeout=10)

    assert outcome == {"sqlstate": "P0402"}
    assert balance_and_ledger_sum(db, user_id) == (20, 20)


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_api_roles_cannot_reach_the_private_schema(pg_dsn, user_id, role):
    with psycopg.connect(pg_dsn) as conn:
        conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (role, json.dumps({"role": role, "sub": str(user_id)})),
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(POST, (user_id, 1000, "purchase", "free money"))
