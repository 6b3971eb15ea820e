"""A throw-away stack in a directory: embedded PostgreSQL with the migrations and the gateway on a
free port of 127.0.0.1, in this process. The test suite and the benchmarks run on it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """Run an ASGI app with uvicorn in a daemon thread on 127.0.0.1."""

    def __init__(self, app, port: int | None = None):
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # proxy_headers=False: a caller's X-Forwarded-For must not become its address (the gateway is the edge)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", proxy_headers=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class EphemeralStack:
    url: str
    anon_key: str
    service_role_key: str
    dsn: str
    ctx: object  # GatewayContext

    @property
    def publishable_key(self) -> str:
        return self.ctx.keys.publishable_key

    @property
    def secret_key(self) -> str:
        return self.ctx.keys.secret_key

    def client(self, key: str | None = None):
        """A fresh supabase-py client (anon key unless told), with in-memory session storage and
        no auto-refresh: its timer thread would outlive a throw-away client (with its sockets) until
        the token's hour is up, and a test run signs in a thousand of them."""
        from stagefy_cli.backend.client import supabase_py

        return supabase_py(self.url, key or self.anon_key, auto_refresh_token=False)

    def service_client(self):
        return self.client(self.service_role_key)


@contextmanager
def embedded_database(root: Path) -> Iterator[str]:
    """PostgreSQL in `root` with the platform bootstrap and all migrations; yields its DSN."""
    from stagefy_cli.local.migrate import prepare_database
    from stagefy_cli.local.postgres import EmbeddedPostgres, stop_data_dir

    data_dir = Path(root) / "data"
    dsn = EmbeddedPostgres(data_dir).dsn()
    prepare_database(dsn)
    try:
        yield dsn
    finally:
        stop_data_dir(data_dir, immediate=True)  # thrown away with its directory


@contextmanager
def gateway(
    dsn: str,
    storage_root: Path,
    *,
    keys=None,
    functions: dict[str, str] | None = None,
    functions_log: Path | None = None,
    password_cost: int | None = None,
    verify_jwt: dict[str, bool] | None = None,
    auth_limits=None,
    auth_settings=None,
    mailbox=None,
) -> Iterator[EphemeralStack]:
    """The gateway over `dsn` on a free port (with fresh keys unless given). With `functions` (the
    `PAYFAST_*` settings, `{}` for none) it also serves `supabase/functions/` as the local stack does,
    playing PayFast itself when no merchant is set. `password_cost` lowers the bcrypt cost of new
    passwords (the test suite's; GoTrue's by default); `verify_jwt` overrides supabase/config.toml's
    per-function JWT setting; `auth_limits` (`rate_limits.AuthLimits`) replaces
    the auth rate limits the environment sets (GoTrue's by default); `auth_settings` and `mailbox` require
    e-mail confirmation and say where its mail is caught."""
    from contextlib import ExitStack

    from stagefy_cli.local.functions import FunctionsRuntime, jwt_required, local_secrets
    from stagefy_cli.local.gateway.app import create_app
    from stagefy_cli.local.gateway.context import GatewayContext
    from stagefy_cli.local.gateway.db import Database
    from stagefy_cli.local.keys import generate

    keys = keys or generate()
    db = Database(dsn)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    ctx = GatewayContext(db=db, keys=keys, storage_root=Path(storage_root), api_url=api_url)
    if password_cost is not None:
        ctx.password_cost = password_cost
    if auth_limits is not None:
        ctx.auth_limits = auth_limits
    if auth_settings is not None:
        ctx.auth_settings = auth_settings
    if mailbox is not None:
        ctx.mailbox = mailbox
    try:
        with ExitStack() as running:
            upstreams, sandbox = None, None
            if functions is not None:
                secrets, sandbox = local_secrets(api_url, keys, functions)
                upstreams = running.enter_context(FunctionsRuntime(secrets, log_path=functions_log))
            function_jwt = jwt_required() if verify_jwt is None else verify_jwt
            app = create_app(ctx, function_upstreams=upstreams, sandbox=sandbox, function_jwt=function_jwt)
            server = running.enter_context(ServerThread(app, port=port))
            yield EphemeralStack(server.url, keys.anon_key, keys.service_role_key, dsn, ctx)
    finally:
        ctx.close()


@contextmanager
def ephemeral_stack(root: Path) -> Iterator[EphemeralStack]:
    with embedded_database(Path(root) / "pg") as dsn, gateway(dsn, Path(root) / "storage") as stack:
        yield stack
