"""The embedded stack's server process: PostgreSQL, migrations, the Edge Functions (Deno), then the
gateway on 127.0.0.1.

Started in the background by `stagefy local start`; not meant to be run by hand.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from stagefy_cli.local.auth_settings import AuthSettings
from stagefy_cli.local.functions import FunctionsRuntime, functions_dir, jwt_required, local_secrets
from stagefy_cli.local.gateway.app import create_app
from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.db import Database
from stagefy_cli.local.mailbox import Mailbox
from stagefy_cli.local.migrate import prepare_database
from stagefy_cli.local.postgres import EmbeddedPostgres
from stagefy_cli.local.queue_notices import wake_on_queued_jobs
from stagefy_cli.local.stack import LocalStack, StackState


def build_context(stack: LocalStack, api_url: str) -> GatewayContext:
    server = EmbeddedPostgres(stack.pgdata)
    dsn = server.dsn()
    prepare_database(dsn)
    stack.storage_root.mkdir(parents=True, exist_ok=True)
    return GatewayContext(
        db=Database(dsn),
        keys=stack.keys(),
        storage_root=stack.storage_root,
        api_url=api_url,
        auth_settings=AuthSettings.load(functions_dir().parent / "config.toml"),
        mailbox=Mailbox(stack.mail_dir),
    )


class GatewayServer(uvicorn.Server):
    """uvicorn's server, calling `on_listening` once its socket accepts connections.

    stack.json is written only then: any `stagefy` process takes a state file whose gateway does not
    answer for a stack that is not running. The ASGI lifespan's startup runs before uvicorn binds
    the socket, too early; `startup` binds and listens, and sets `started` only when it succeeded.
    """

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]):
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_listening()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="stagefy-local-serve")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    stack = LocalStack(args.root)
    api_url = f"http://127.0.0.1:{args.port}"
    ctx = build_context(stack, api_url)
    secrets, sandbox = local_secrets(api_url, ctx.keys, dict(os.environ), functions_dir() / ".env")
    functions = FunctionsRuntime(secrets)  # their logs go to gateway.log, with the gateway's
    app = create_app(ctx, function_upstreams=functions.start(), sandbox=sandbox, function_jwt=jwt_required())
    # proxy_headers=False: the gateway is the edge; a caller's X-Forwarded-For is not its address
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off", proxy_headers=False
    )
    worker = None

    def announce() -> None:
        nonlocal worker
        if os.environ.get("STAGEFY_LOCAL_WORKER", "1") != "0":
            worker = start_worker(api_url, ctx.keys.service_role_key)
            wake_on_queued_jobs(ctx.db.dsn, worker.wake, worker.stop_event)
        stack.write_state(StackState(pid=os.getpid(), port=args.port, api_url=api_url, db_url=ctx.db.dsn))

    try:
        GatewayServer(config, on_listening=announce).run()
    finally:
        functions.stop()
    if worker is not None:
        worker.stop()
    ctx.db.close()


def start_worker(api_url: str, service_role_key: str):
    """The local stack runs a worker for you: `local` provider, plus any provider whose token is set."""
    import logging
    import threading

    from stagefy_cli.backend.client import service_rest
    from stagefy_cli.services.workers import build_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # providers' requests: no line (and URL) each
    concurrency = int(os.environ.get("STAGEFY_LOCAL_WORKER_CONCURRENCY", "2"))
    worker = build_worker(concurrency=concurrency, client=service_rest(api_url, service_role_key))
    threading.Thread(target=worker.run, name="stagefy-local-worker", daemon=True).start()
    return worker


if __name__ == "__main__":
    main()
