"""Plumbing shared by the auth routes: JSON bodies, GoTrue errors, and database work off the event loop."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from stagefy_cli.local.gateway.auth.errors import AuthError
from stagefy_cli.local.gateway.body_limit import AUTH_JSON_LIMIT, BodyTooLarge, read_body
from stagefy_cli.local.gateway.threads import run_blocking

log = logging.getLogger(__name__)

Handler = Callable[[Request, dict], Response]


async def read_json(request: Request) -> dict:
    """The request's JSON object; no body is `{}` (supabase-py posts some calls without one)."""
    try:
        raw = await read_body(request, AUTH_JSON_LIMIT)
    except BodyTooLarge as exc:
        raise AuthError(413, "request_too_large", exc.message) from None
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise AuthError(400, "bad_json", f"Could not parse request body as JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise AuthError(400, "bad_json", "Could not parse request body as JSON: expected an object")
    return body


def endpoint(handler: Handler):
    """Wrap a blocking `handler(request, body)` (bcrypt, psycopg) as a Starlette endpoint."""

    async def run(request: Request) -> Response:
        try:
            body = await read_json(request)
            return await run_blocking(handler, request, body)
        except AuthError as exc:
            return exc.response()
        except Exception:
            log.exception("auth request failed: %s %s", request.method, request.url.path)
            return AuthError(
                500, "unexpected_failure", "Unexpected failure, please check server logs"
            ).response()

    return run
