"""Access tokens (HS256 JWTs with GoTrue's claims) and the Session JSON that carries them."""

from __future__ import annotations

import time
from typing import Any

import jwt

from stagefy_cli.local.gateway.auth.sessions import SessionGrant
from stagefy_cli.local.gateway.auth.users import AUDIENCE, DEFAULT_ROLE, user_json
from stagefy_cli.local.gateway.context import GatewayContext


def issuer(ctx: GatewayContext) -> str:
    return ctx.api_url.rstrip("/") + "/auth/v1"


def access_token(ctx: GatewayContext, user: dict, grant: SessionGrant) -> tuple[str, int]:
    """Mint the access token for `user` in `grant`'s session. Returns the token and its `exp`."""
    issued_at = int(time.time())
    expires_at = issued_at + ctx.access_token_ttl
    claims = {
        "iss": issuer(ctx),
        "sub": str(user["id"]),
        "aud": AUDIENCE,
        "exp": expires_at,
        "iat": issued_at,
        "email": user["email"] or "",
        "phone": user["phone"] or "",
        "app_metadata": user["raw_app_meta_data"] or {},
        "user_metadata": user["raw_user_meta_data"] or {},
        "role": user["role"] or DEFAULT_ROLE,
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": int(grant.signed_in_at.timestamp())}],
        "session_id": str(grant.session_id),
        "is_anonymous": bool(user["is_anonymous"]),
    }
    return jwt.encode(claims, ctx.keys.jwt_secret, algorithm="HS256"), expires_at


def session_json(ctx: GatewayContext, user: dict, grant: SessionGrant) -> dict[str, Any]:
    token, expires_at = access_token(ctx, user, grant)
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": ctx.access_token_ttl,
        "expires_at": expires_at,
        "refresh_token": grant.refresh_token,
        "user": user_json(user),
    }
