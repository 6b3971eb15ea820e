"""GoTrue's admin API subset (`/admin/users`), for a service_role JWT only."""

from __future__ import annotations

import psycopg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.local.gateway.auth import users
from stagefy_cli.local.gateway.auth.errors import AuthError, email_exists, user_not_found, validation_failed
from stagefy_cli.local.gateway.auth.guard import require_admin
from stagefy_cli.local.gateway.auth.http import endpoint
from stagefy_cli.local.gateway.auth.passwords import check_strength, hash_password
from stagefy_cli.local.gateway.context import GatewayContext

DEFAULT_PER_PAGE = 50


def _page_param(request: Request, name: str, default: int) -> int:
    """GoTrue's pagination: absent or empty means the default (supabase-py sends `page=&per_page=`)."""
    raw = request.query_params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise validation_failed("Bad Pagination Parameters")
    return value


def _metadata_param(body: dict, key: str) -> object:
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise validation_failed(f"{key} must be a JSON object")
    return value


def _optional_phone(body: dict) -> str | None:
    phone = body.get("phone")
    if phone in (None, ""):
        return None
    if not isinstance(phone, str):
        raise validation_failed("Invalid phone number format (E.164 required)")
    return phone.lstrip("+")


def _user_path_id(request: Request):
    user_id = users.parse_uuid(request.path_params["user_id"])
    if user_id is None:
        raise user_not_found()
    return user_id


def _unique_violation(exc: psycopg.errors.UniqueViolation) -> AuthError:
    constraint = exc.diag.constraint_name or ""
    if "phone" in constraint:
        return AuthError(422, "phone_exists", "A user with this phone number has already been registered")
    if "pkey" in constraint:
        return AuthError(422, "user_already_exists", "User already registered")
    return email_exists()


def routes(ctx: GatewayContext) -> list[Route]:
    """The admin routes, relative to `/auth/v1`."""

    def create_user(request: Request, body: dict) -> Response:
        require_admin(ctx, request)
        phone = _optional_phone(body)
        if not body.get("email") and phone is None:
            raise validation_failed("Cannot create a user without either an email or phone")
        email = users.normalize_email(body["email"]) if body.get("email") else None
        user_id = None
        if body.get("id"):
            user_id = users.parse_uuid(body["id"])
            if user_id is None:
                raise validation_failed("id must be a valid UUID")
        encrypted = None
        if body.get("password") is not None:
            encrypted = hash_password(check_strength(body["password"]))
        provider = "email" if email else "phone"
        app_metadata = users.merge_metadata(
            {"provider": provider, "providers": [provider]}, _metadata_param(body, "app_metadata")
        )
        try:
            with ctx.db.superuser() as conn:
                if email and users.find_by_email(conn, email) is not None:
                    raise email_exists()
                user = users.insert_user(
                    conn,
                    email=email,
                    encrypted_password=encrypted,
                    user_metadata=_metadata_param(body, "user_metadata") or {},
                    app_metadata=app_metadata,
                    confirmed=bool(body.get("email_confirm")),
                    phone=phone,
                    phone_confirmed=bool(body.get("phone_confirm")),
                    role=body.get("role") or users.DEFAULT_ROLE,
                    user_id=user_id,
                )
        except psycopg.Error as exc:
            if users.is_auth_unique_violation(exc):
                raise _unique_violation(exc) from exc
            raise AuthError(500, "unexpected_failure", "Database error creating new user") from exc
        return JSONResponse(users.user_json(user))

    def list_users(request: Request, body: dict) -> Response:
        require_admin(ctx, request)
        page = _page_param(request, "page", 1)
        per_page = _page_param(request, "per_page", DEFAULT_PER_PAGE)
        with ctx.db.superuser() as conn:
            rows, total = users.list_users(conn, per_page, (page - 1) * per_page)
        return JSONResponse(
            {"users": [users.user_json(row) for row in rows], "aud": users.AUDIENCE},
            headers={"X-Total-Count": str(total)},
        )

    def get_user(request: Request, body: dict) -> Response:
        require_admin(ctx, request)
        with ctx.db.superuser() as conn:
            user = users.find_by_id(conn, _user_path_id(request))
        if user is None:
            raise user_not_found()
        return JSONResponse(users.user_json(user))

    def update_user(request: Request, body: dict) -> Response:
        require_admin(ctx, request)
        user_id = _user_path_id(request)
        changes = {}
        if body.get("password") is not None:
            changes["encrypted_password"] = hash_password(check_strength(body["password"]))
        if body.get("role"):
            changes["role"] = body["role"]
        if body.get("email_confirm"):
            changes["email_confirmed_at"] = True
        if body.get("phone_confirm"):
            changes["phone_confirmed_at"] = True
        if "phone" in body:
            changes["phone"] = _optional_phone(body)
        with ctx.db.superuser() as conn:
            user = users.find_by_id(conn, user_id, lock=True)
            if user is None:
                raise user_not_found()
            if body.get("email"):
                email = users.normalize_email(body["email"])
                existing = users.find_by_email(conn, email)
                if existing is not None and existing["id"] != user_id:
                    raise email_exists()
                changes["email"] = email
            for key, column in (
                ("user_metadata", "raw_user_meta_data"),
                ("app_metadata", "raw_app_meta_data"),
            ):
                patch = _metadata_param(body, key)
                if patch is not None:
                    changes[column] = users.merge_metadata(user[column], patch)
            user = users.update_user(conn, user_id, **changes)
        return JSONResponse(users.user_json(user))

    def delete_user(request: Request, body: dict) -> Response:
        require_admin(ctx, request)
        if body.get("should_soft_delete"):
            raise validation_failed("Soft deletion is not supported by the local stack")
        with ctx.db.superuser() as conn:
            deleted = conn.execute(
                "delete from auth.users where id = %s returning id", (_user_path_id(request),)
            ).fetchone()
        if deleted is None:
            raise user_not_found()
        return JSONResponse({})

    return [
        Route("/admin/users", endpoint(create_user), methods=["POST"]),
        Route("/admin/users", endpoint(list_users), methods=["GET"]),
        Route("/admin/users/{user_id}", endpoint(get_user), methods=["GET"]),
        Route("/admin/users/{user_id}", endpoint(update_user), methods=["PUT"]),
        Route("/admin/users/{user_id}", endpoint(delete_user), methods=["DELETE"]),
    ]
