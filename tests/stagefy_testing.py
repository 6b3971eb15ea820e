"""Helpers shared by the tests (imported as `stagefy_testing`; fixtures live in conftest.py)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

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


@dataclass
class Agent:
    """A signed-up user with a signed-in supabase-py client."""

    id: str
    email: str
    password: str
    client: object


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
