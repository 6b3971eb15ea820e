"""The embedded stack's server process: PostgreSQL, migrations, then the gateway on 127.0.0.1.

Started in the background by `stagefy local start`; not meant to be run by hand.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn

from stagefy_cli.local.gateway.app import create_app
from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.db import Database
from stagefy_cli.local.migrate import prepare_database
from stagefy_cli.local.postgres import EmbeddedPostgres
from stagefy_cli.local.stack import LocalStack, StackState


def build_context(stack: LocalStack, api_url: str) -> GatewayContext:
    server = EmbeddedPostgres(stack.pgdata)
    dsn = server.dsn()
    prepare_database(dsn)
    stack.storage_root.mkdir(parents=True, exist_ok=True)
    return GatewayContext(
        db=Database(dsn), keys=stack.keys(), storage_root=stack.storage_root, api_url=api_url
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="stagefy-local-serve")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    stack = LocalStack(args.root)
    api_url = f"http://127.0.0.1:{args.port}"
    ctx = build_context(stack, api_url)
    app = create_app(ctx)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)

    original_startup = server.startup

    async def startup(sockets=None):
        await original_startup(sockets=sockets)
        stack.write_state(StackState(pid=os.getpid(), port=args.port, api_url=api_url, db_url=ctx.db.dsn))

    server.startup = startup  # write stack.json only once the socket is listening
    server.run()
    ctx.db.close()


if __name__ == "__main__":
    main()
