"""Placeholder for the /auth/v1 subset of the local gateway (being written)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from stagefy_cli.local.gateway.context import GatewayContext


def create_app(ctx: GatewayContext) -> Starlette:
    """The ASGI app; answers 404 until the routes land."""

    async def not_found(request):
        return JSONResponse({"message": "Not implemented yet"}, status_code=404)

    return Starlette(routes=[Route("/{path:path}", not_found, methods=["GET", "HEAD", "POST", "PUT", "DELETE"])])
