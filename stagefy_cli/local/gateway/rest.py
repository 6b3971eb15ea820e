"""PostgREST subset of the local gateway, mounted at `/rest/v1` (work in progress)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from stagefy_cli.local.gateway.context import GatewayContext


def create_app(ctx: GatewayContext) -> Starlette:
    """The `/rest/v1` ASGI app."""

    async def not_found(request):
        return JSONResponse(
            {"code": "PGRST205", "details": None, "hint": None, "message": "Not implemented yet"},
            status_code=404,
        )

    return Starlette(
        routes=[Route("/{path:path}", not_found, methods=["GET", "HEAD", "POST", "PATCH", "DELETE"])]
    )
