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
    """uvicorn's server, calling `on_listening` once its socket accepts connections, and
    `before_shutdown` (in a thread) when asked to stop, while it still serves requests.

    stack.json is written only then: any `stagefy` process takes a state file whose gateway does not
    answer for a stack that is not running. The ASGI lifespan's startup runs before uvicorn binds
    the socket, too early; `startup` binds and listens, and sets `started` only when it succeeded.
    The embedded worker stops in `before_shutdown`: it releases its unfinished jobs through this
    gateway, so they are queued again at once rather than held until their leases lapse.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        on_listening: Callable[[], None],
        before_shutdown: Callable[[], None] = lambda: None,
    ):
        super().__init__(config)
        self._on_listening = on_listening
        self._before_shutdown = before_shutdown

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_listening()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        import asyncio

        await asyncio.to_thread(self._before_shutdown)
        await super().shutdown(sockets=sockets)


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
    worker_thread = None

    def announce() -> None:
        nonlocal worker, worker_thread
        if os.environ.get("STAGEFY_LOCAL_WORKER", "1") != "0":
            worker, worker_thread = start_worker(api_url, ctx.keys.secret_key)
            wake_on_queued_jobs(ctx.db.dsn, worker.wake, worker.stop_event)
        stack.write_state(StackState(pid=os.getpid(), port=args.port, api_url=api_url, db_url=ctx.db.dsn))

    def stop_worker() -> None:
        if worker is not None:
            worker.stop()
            worker_thread.join(timeout=WORKER_GRACE_S + 5)

    try:
        GatewayServer(config, on_listening=announce, before_shutdown=stop_worker).run()
    finally:
        functions.stop()
    ctx.close()


# How long the embedded worker's running jobs may take to finish when the stack stops (`local stop`
# waits 15 s for the whole process); what is still running then is released to the queue.
WORKER_GRACE_S = 3.0


def start_worker(api_url: str, service_key: str):
    """The local stack runs a worker for you: `local` provider, plus any provider whose token is set.
    Returns it and the thread it runs in."""
    import logging
    import threading

    from stagefy_cli.backend.client import service_rest
    from stagefy_cli.services.workers import build_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # providers' requests: no line (and URL) each
    concurrency = int(os.environ.get("STAGEFY_LOCAL_WORKER_CONCURRENCY", "2"))
    worker = build_worker(
        concurrency=concurrency, grace=WORKER_GRACE_S, client=service_rest(api_url, service_key)
    )
    worker.register()  # before `local start` returns: the first quote already knows what it can run
    thread = threading.Thread(target=worker.run, name="stagefy-local-worker", daemon=True)
    thread.start()
    return worker, thread


if __name__ == "__main__":
    main()
