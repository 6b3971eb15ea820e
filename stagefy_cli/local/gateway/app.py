"""The embedded stack's API gateway: `/auth/v1`, `/rest/v1`, `/storage/v1`, `/functions/v1`.

It speaks the subset of Supabase's HTTP APIs that supabase-py uses (see docs/local-stack.md), over the
real database with real row level security.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from stagefy_cli.local.gateway import auth, rest, storage
from stagefy_cli.local.gateway.context import GatewayContext


def create_app(ctx: GatewayContext, functions: dict | None = None) -> Starlette:
    """Build the ASGI app. `functions` maps an edge-function name to an ASGI app (mounted under
    `/functions/v1/<name>`), e.g. the PayFast ITN handler."""

    async def health(request):
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/health", health),
        Mount("/auth/v1", app=auth.create_app(ctx)),
        Mount("/rest/v1", app=rest.create_app(ctx)),
        Mount("/storage/v1", app=storage.create_app(ctx)),
    ]
    for name, function_app in (functions or {}).items():
        routes.append(Mount(f"/functions/v1/{name}", app=function_app))
    app = Starlette(routes=routes)
    app.state.ctx = ctx
    return app
