"""GoTrue subset of the local gateway, mounted at `/auth/v1`.

The gateway is GoTrue here: it owns the `auth.*` tables and works on them as the database owner.
Public endpoints (`/signup`, `/token`) ignore the bearer; `/user` and `/logout` need a user JWT whose
session is still active; `/admin/*` (admin.py) needs a service_role JWT.
"""

from __future__ import annotations

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.local.gateway.auth import admin, mail_links, sessions, users
from stagefy_cli.local.gateway.auth.errors import (
    AuthError,
    email_exists,
    invalid_credentials,
    validation_failed,
)
from stagefy_cli.local.gateway.auth.guard import require_user
from stagefy_cli.local.gateway.auth.http import endpoint
from stagefy_cli.local.gateway.auth.limits import AuthLimiter, caller_address
from stagefy_cli.local.gateway.auth.passwords import check_strength, hash_password, verify_password
from stagefy_cli.local.gateway.auth.tokens import session_json
from stagefy_cli.local.gateway.context import GatewayContext

LOGOUT_SCOPES = ("global", "local", "others")
HEALTH_DESCRIPTION = "GoTrue is a user registration and authentication API"


def _user_already_exists() -> AuthError:
    return AuthError(422, "user_already_exists", "User already registered")


def _ensure_may_sign_in(user: dict) -> None:
    if user["email_confirmed_at"] is None:
        raise AuthError(400, "email_not_confirmed", "Email not confirmed")
    if users.is_banned(user):
        raise AuthError(400, "user_banned", "User is banned")


def create_app(ctx: GatewayContext) -> Starlette:
    """The `/auth/v1` ASGI app."""
    limiter = AuthLimiter(ctx.auth_limits)

    def limit(group: str, request: Request) -> None:
        limiter.check(group, caller_address(request))

    def signup(request: Request, body: dict) -> Response:
        limit("signup", request)
        email = users.normalize_email(body.get("email"))
        if not body.get("password"):
            raise AuthError(422, "validation_failed", "Signup requires a valid password")
        encrypted = hash_password(check_strength(body["password"]), ctx.password_cost)
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise validation_failed("data must be a JSON object")
        try:
            # One transaction: the INSERT fires public.handle_new_user; if it fails, nothing remains.
            with ctx.db.superuser() as conn:
                if users.find_by_email(conn, email) is not None:
                    raise _user_already_exists()
                user = users.insert_user(
                    conn,
                    email=email,
                    encrypted_password=encrypted,
                    user_metadata=data,
                    app_metadata=users.EMAIL_APP_METADATA,
                    confirmed=not ctx.auth_settings.confirm_email,  # MAILER_AUTOCONFIRM
                )
                if ctx.auth_settings.confirm_email:  # GoTrue answers the user, without a session
                    mail_links.send(
                        ctx, limiter, conn, user, "signup", request.query_params.get("redirect_to")
                    )
                    return JSONResponse(users.user_json(user))
                grant = sessions.start_session(conn, user["id"])
                user = users.update_user(conn, user["id"], last_sign_in_at=True)
                return JSONResponse(session_json(ctx, user, grant))
        except psycopg.Error as exc:
            if users.is_auth_unique_violation(exc):  # lost a race with the same e-mail
                raise _user_already_exists() from exc
            raise AuthError(500, "unexpected_failure", "Database error saving new user") from exc

    def password_grant(body: dict) -> Response:
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not email.strip():
            raise invalid_credentials()
        with ctx.db.superuser() as conn:
            user = users.find_by_email(conn, email.strip().lower())
        # bcrypt outside the transaction: no pooled connection waits on it.
        if user is None or not verify_password(password, user["encrypted_password"]):
            raise invalid_credentials()
        _ensure_may_sign_in(user)
        with ctx.db.superuser() as conn:
            grant = sessions.start_session(conn, user["id"])
            user = users.update_user(conn, user["id"], last_sign_in_at=True)
            return JSONResponse(session_json(ctx, user, grant))

    def refresh_grant(body: dict) -> Response:
        token = body.get("refresh_token")
        if not isinstance(token, str) or not token:
            raise validation_failed("refresh_token required")
        try:
            with ctx.db.superuser() as conn:
                grant = sessions.refresh(conn, token, ctx.refresh_reuse_interval)
                user = users.find_by_id(conn, grant.user_id)
                if users.is_banned(user):
                    raise AuthError(400, "user_banned", "User is banned")
                return JSONResponse(session_json(ctx, user, grant))
        except sessions.TokenReplayed as exc:
            with ctx.db.superuser() as conn:
                sessions.revoke_session(conn, exc.session_id)
            raise

    def token(request: Request, body: dict) -> Response:
        limit("token", request)
        grant_type = request.query_params.get("grant_type")
        if grant_type == "password":
            return password_grant(body)
        if grant_type == "refresh_token":
            return refresh_grant(body)
        raise AuthError(400, "invalid_credentials", "unsupported_grant_type")

    def get_user(request: Request, body: dict) -> Response:
        with ctx.db.superuser() as conn:
            _, user = require_user(ctx, request, conn)
        return JSONResponse(users.user_json(user))

    def update_user(request: Request, body: dict) -> Response:
        limit("user", request)
        with ctx.db.superuser() as conn:
            _, user = require_user(ctx, request, conn)
            changes = {}
            if body.get("data") is not None:
                changes["raw_user_meta_data"] = users.merge_metadata(user["raw_user_meta_data"], body["data"])
            if body.get("password") is not None:
                password = check_strength(body["password"])
                if verify_password(password, user["encrypted_password"]):
                    raise AuthError(
                        422, "same_password", "New password should be different from the old password."
                    )
                changes["encrypted_password"] = hash_password(password, ctx.password_cost)
            if body.get("email"):
                email = users.normalize_email(body["email"])
                if email != user["email"]:
                    if users.find_by_email(conn, email) is not None:
                        raise email_exists()
                    # With auto-confirm on, GoTrue applies an e-mail change at once.
                    changes["email"] = email
                    changes["email_confirmed_at"] = True
            if changes:
                user = users.update_user(conn, user["id"], **changes)
        return JSONResponse(users.user_json(user))

    def logout(request: Request, body: dict) -> Response:
        scope = request.query_params.get("scope") or "global"
        if scope not in LOGOUT_SCOPES:
            raise validation_failed(f"Unsupported logout scope {scope!r}")
        with ctx.db.superuser() as conn:
            claims, user = require_user(ctx, request, conn)
            session_id = users.parse_uuid(claims.get("session_id"))
            sessions.log_out(conn, user["id"], session_id, scope)
        return Response(status_code=204)

    def not_found(request: Request, body: dict) -> Response:
        raise AuthError(404, "not_found", "Not found")

    def health(request: Request, body: dict) -> Response:
        """GoTrue's liveness answer (what `stagefy doctor` asks first)."""
        return JSONResponse({"version": "local", "name": "GoTrue", "description": HEALTH_DESCRIPTION})

    return Starlette(
        routes=[
            Route("/health", endpoint(health), methods=["GET"]),
            Route("/signup", endpoint(signup), methods=["POST"]),
            Route("/token", endpoint(token), methods=["POST"]),
            Route("/user", endpoint(get_user), methods=["GET"]),
            Route("/user", endpoint(update_user), methods=["PUT"]),
            Route("/logout", endpoint(logout), methods=["POST"]),
            *mail_links.routes(ctx, limiter),
            *admin.routes(ctx),
            Route("/{path:path}", endpoint(not_found), methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]
    )
