"""Supabase Storage subset of the local gateway, mounted at `/storage/v1`.

Rows live in `storage.buckets` / `storage.objects` and every row access runs under the caller's
role and claims, so the RLS policies decide; bytes live on disk under `ctx.storage_root`. Errors use
Storage's HTTP 400 + string `statusCode` format so storage3 raises StorageApiError.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.storage.blobs import BlobStore
from stagefy_cli.local.gateway.storage.buckets import bucket_routes
from stagefy_cli.local.gateway.storage.errors import StorageError
from stagefy_cli.local.gateway.storage.http import async_endpoint
from stagefy_cli.local.gateway.storage.objects import object_routes
from stagefy_cli.local.gateway.storage.signing import signing_routes
from stagefy_cli.local.gateway.storage.uploads import upload_handler


def create_app(ctx: GatewayContext) -> Starlette:
    """The `/storage/v1` ASGI app."""
    blobs = BlobStore(ctx.storage_root)

    async def not_found(request: Request) -> Response:
        raise StorageError(
            404, "not_found", "NotFound", f"Route {request.method}:{request.url.path} not found"
        )

    # Order matters: the specific `/object/<verb>/...` routes come before `/object/{bucket}/{key}`.
    return Starlette(
        routes=[
            *bucket_routes(ctx, blobs),
            *signing_routes(ctx, blobs),
            *object_routes(ctx, blobs),
            Route(
                "/object/{bucket}/{key:path}",
                async_endpoint(upload_handler(ctx, blobs)),
                methods=["POST", "PUT"],
            ),
            Route("/{path:path}", async_endpoint(not_found), methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )
