"""The embedded stack's API gateway: `/auth/v1`, `/rest/v1`, `/storage/v1`, `/functions/v1`.

It speaks the subset of Supabase's HTTP APIs that supabase-py uses (see docs/local-stack.md), over the
real database with real row level security.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from stagefy_cli.local.gateway import auth, rest, storage
from stagefy_cli.local.gateway.context import GatewayContext


class _BarePath:
    """Hand `<prefix>` to an app mounted at `<prefix>` as its root path `/`."""

    def __init__(self, app, prefix: str):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope, receive, send):
        root_path = scope.get("root_path", "") + self.prefix
        await self.app({**scope, "root_path": root_path, "path": root_path + "/"}, receive, send)


def create_app(ctx: GatewayContext, functions: dict | None = None) -> Starlette:
    """Build the ASGI app. `functions` maps an edge-function name to an ASGI app (mounted under
    `/functions/v1/<name>`), e.g. the PayFast ITN handler."""

    def database_answers() -> bool:
        try:
            with ctx.db.superuser() as conn:
                conn.execute("select 1")
            return True
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False

    async def health(request):
        """Healthy only when the database answers too (`stagefy local status` relies on it)."""
        if await run_in_threadpool(database_answers):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    routes = [
        Route("/health", health),
        Mount("/auth/v1", app=auth.create_app(ctx)),
        Mount("/rest/v1", app=rest.create_app(ctx)),
        Mount("/storage/v1", app=storage.create_app(ctx)),
    ]
    for name, function_app in (functions or {}).items():
        prefix = f"/functions/v1/{name}"
        # Supabase serves a function at its bare path; a Mount alone would answer that with a
        # redirect to the slash form, which PayFast (a POST) does not follow.
        routes.append(Route(prefix, endpoint=_BarePath(function_app, prefix)))
        routes.append(Mount(prefix, app=function_app))
    app = Starlette(routes=routes)
    app.state.ctx = ctx
    return app
