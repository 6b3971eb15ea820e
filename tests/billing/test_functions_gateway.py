"""The gateway's `/functions/v1` as Supabase's: the JWT checked unless a function opts out in
supabase/config.toml, the `/<name>` prefix kept, query and body passed on, and the caller's address
appended to X-Forwarded-For (what it sent itself stays on the left, untrusted)."""

from __future__ import annotations

import web
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stagefy_cli.local.ephemeral import ServerThread
from stagefy_cli.local.functions import FunctionsRuntime, function_names, jwt_required
from stagefy_cli.local.gateway.app import create_app


def echo_function() -> Starlette:
    async def echo(request: Request):
        return JSONResponse(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "body": (await request.body()).decode(),
                "forwarded": request.headers.get("x-forwarded-for"),
            },
            status_code=201,
        )

    return Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])


def test_the_payment_function_takes_calls_without_a_jwt():
    """PayFast's notifications carry none; `supabase functions deploy` reads the same setting."""
    assert function_names() == ["payfast"]
    assert jwt_required() == {"payfast": False}


def test_functions_are_proxied_like_supabase_does(stack):
    with ServerThread(echo_function()) as upstream:
        app = create_app(stack.ctx, function_upstreams={"hello": upstream.url}, function_jwt={"hello": True})
        with ServerThread(app) as gateway:
            url = f"{gateway.url}/functions/v1/hello/a/b?x=1"
            assert web.post(url, content="hi").status_code == 401
            forged = web.post(url, content="hi", headers={"Authorization": "Bearer not-a-jwt"})
            assert (forged.status_code, forged.json()["message"]) == (401, "Invalid JWT")
            answer = web.post(
                url,
                content="hi",
                headers={"Authorization": f"Bearer {stack.anon_key}", "X-Forwarded-For": "197.97.145.144"},
            )
            assert answer.status_code == 201
            assert answer.json() == {
                "method": "POST",
                "path": "/hello/a/b",
                "query": "x=1",
                "body": "hi",
                "forwarded": "197.97.145.144, 127.0.0.1",
            }
            missing = web.post(
                f"{gateway.url}/functions/v1/nope", headers={"Authorization": f"Bearer {stack.anon_key}"}
            )
            assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


ECHO_CONNECTION = """
Deno.serve((request, info) =>
  Response.json({ peer: info.remoteAddr, forwarded: request.headers.get("x-forwarded-for") })
);
"""


def test_functions_get_the_connection_info_supabase_edge_runtime_gives(stack, tmp_path):
    """supabase/edge-runtime hands every handler the peer 0.0.0.0:9999 (ext/runtime/js/http.js):
    the local stack's functions get the same, so the caller's address reaches them only in the
    gateway's X-Forwarded-For, as on hosted."""
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "index.ts").write_text(ECHO_CONNECTION)
    with FunctionsRuntime({}, directory=tmp_path) as upstreams:
        app = create_app(stack.ctx, function_upstreams=upstreams, function_jwt={"echo": False})
        with ServerThread(app) as gateway:
            answer = web.get(f"{gateway.url}/functions/v1/echo", headers={"X-Forwarded-For": "192.0.2.1"})
    assert answer.json() == {
        "peer": {"hostname": "0.0.0.0", "port": 9999, "transport": "tcp"},
        "forwarded": "192.0.2.1, 127.0.0.1",
    }
