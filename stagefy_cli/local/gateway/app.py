"""The embedded stack's API gateway: `/auth/v1`, `/rest/v1`, `/storage/v1`, `/functions/v1`,
`/realtime/v1/websocket`.

It speaks the subset of Supabase's HTTP APIs that supabase-py uses (see docs/local-stack.md), over the
real database with real row level security.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute

from stagefy_cli.local.gateway import functions, payfast_sandbox
from stagefy_cli.local.gateway.api_keys import ApiKeyGateway
from stagefy_cli.local.gateway.auth import app as auth
from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.realtime import socket as realtime_socket
from stagefy_cli.local.gateway.realtime.hub import Hub
from stagefy_cli.local.gateway.rest import app as rest
from stagefy_cli.local.gateway.storage import app as storage
from stagefy_cli.local.gateway.threads import run_blocking


def create_app(
    ctx: GatewayContext,
    function_upstreams: dict[str, str] | None = None,
    sandbox: payfast_sandbox.PayFastSandbox | None = None,
    function_jwt: dict[str, bool] | None = None,
) -> Starlette:
    """Build the ASGI app. `function_upstreams` maps an Edge Function's name to the URL of its Deno
    process (see local/functions.py), `function_jwt` to whether the gateway checks the caller's JWT
    first (true by default); `sandbox`, when the local stack plays PayFast, is served at
    `/payfast-sandbox`."""

    def database_answers() -> bool:
        try:
            with ctx.db.superuser() as conn:
                conn.execute("select 1")
            return True
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False

    async def health(request):
        """Healthy only when the database answers too (`stagefy local status` relies on it)."""
        if await run_blocking(database_answers):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    routes = [
        Route("/health", health),
        Mount("/auth/v1", app=auth.create_app(ctx)),
        Mount("/rest/v1", app=rest.create_app(ctx)),
        Mount("/storage/v1", app=storage.create_app(ctx)),
        WebSocketRoute("/realtime/v1/websocket", realtime_socket.endpoint),
    ]
    proxy = functions.create_endpoint(ctx, function_upstreams or {}, function_jwt or {})
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes.append(Route("/functions/v1/{name}", proxy, methods=methods))
    routes.append(Route("/functions/v1/{name}/{path:path}", proxy, methods=methods))
    if sandbox is not None:
        routes.append(Mount(payfast_sandbox.PREFIX, app=payfast_sandbox.create_app(ctx, sandbox)))
    app = Starlette(routes=routes)
    app.state.ctx = ctx
    # One hub per context, started with its first subscriber: another app over the same context
    # shares it (a replaced hub would go on listening after the context closed).
    if ctx.realtime is None:
        ctx.realtime = Hub(ctx.db.dsn)
    return ApiKeyGateway(app, ctx.keys)
