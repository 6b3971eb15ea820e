"""`/functions/v1/<name>[/...]`: the gateway's proxy to the Edge Functions' Deno processes.

Like Supabase's, it checks the caller's JWT first unless the function is configured with
`verify_jwt = false`, hands the function the path with its `/<name>` prefix kept, and appends the
caller's address to `X-Forwarded-For`: the entry a function may trust is the one the proxy wrote,
never what the caller sent (see the function's `clientAddress`).
"""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stagefy_cli.backend import tls
from stagefy_cli.local.gateway.context import GatewayContext, InvalidToken

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-encoding",
}
TIMEOUT_S = 150.0  # Supabase's own wall-clock limit for a request to a function


def create_endpoint(ctx: GatewayContext, upstreams: dict[str, str], verify_jwt: dict[str, bool]):
    """A Starlette endpoint for the routes `/functions/v1/{name}` and `/functions/v1/{name}/{path}`.
    `verify_jwt` maps a name to whether a valid JWT (any API role) is required; true if absent."""
    client = tls.async_client(timeout=TIMEOUT_S)

    async def proxy(request: Request) -> Response:
        name = request.path_params["name"]
        upstream = upstreams.get(name)
        if upstream is None:
            return JSONResponse(
                {"code": "NOT_FOUND", "message": "Requested function was not found"}, status_code=404
            )
        if verify_jwt.get(name, True):
            auth = request.headers.get("authorization", "")
            try:
                ctx.decode_jwt(auth[7:].strip() if auth[:7].lower() == "bearer " else "")
            except InvalidToken:
                return JSONResponse({"code": 401, "message": "Invalid JWT"}, status_code=401)
        rest = request.path_params.get("path", "")
        url = f"{upstream}/{name}" + (f"/{rest}" if rest else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        peer = request.client.host if request.client else ""
        forwarded = request.headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{forwarded}, {peer}" if forwarded else peer
        try:
            answer = await client.request(
                request.method,
                url,
                params=request.query_params,
                headers=headers,
                content=await request.body(),
            )
        except httpx.HTTPError as exc:
            return JSONResponse(
                {
                    "code": "BOOT_ERROR",
                    "message": f"function {name} is not answering: {exc.__class__.__name__}",
                },
                status_code=503,
            )
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    return proxy
