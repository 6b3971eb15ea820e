"""Who is calling `/user`, `/logout` and `/admin/*`: GoTrue's bearer checks, in its order and words.

Public endpoints (`/signup`, `/token`) never come here: they must accept any bearer, even an
expired user JWT, which supabase-py sends while it refreshes.
"""

from __future__ import annotations

import psycopg
from starlette.requests import Request

from stagefy_cli.local.gateway.auth import sessions, users
from stagefy_cli.local.gateway.auth.errors import AuthError
from stagefy_cli.local.gateway.context import GatewayContext, InvalidToken

ADMIN_ROLES = frozenset({"service_role", "supabase_admin"})  # GOTRUE_JWT_ADMIN_ROLES


def bearer_claims(ctx: GatewayContext, request: Request) -> dict:
    """Verify `Authorization: Bearer <jwt>` (GoTrue ignores `apiKey`)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token:
        raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    try:
        return ctx.decode_jwt(token)
    except InvalidToken as exc:
        raise AuthError(403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {exc}") from exc


def require_user(ctx: GatewayContext, request: Request, conn: psycopg.Connection) -> tuple[dict, dict]:
    """The caller's claims and `auth.users` row; the JWT's session must still be active."""
    claims = bearer_claims(ctx, request)
    if not claims.get("sub"):
        raise AuthError(403, "bad_jwt", "invalid claim: missing sub claim")
    user_id = users.parse_uuid(claims["sub"])
    if user_id is None:
        raise AuthError(403, "bad_jwt", "invalid claim: sub claim must be a UUID")
    user = users.find_by_id(conn, user_id)
    if user is None:
        raise AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
    if "session_id" in claims:
        session_id = users.parse_uuid(claims["session_id"])
        if session_id is None or not sessions.is_active(conn, session_id, user_id):
            raise AuthError(403, "session_not_found", "Session from session_id claim in JWT does not exist")
    return claims, user


def require_admin(ctx: GatewayContext, request: Request) -> dict:
    claims = bearer_claims(ctx, request)
    if claims.get("role") not in ADMIN_ROLES:
        raise AuthError(403, "not_admin", "User not allowed")
    return claims
