"""Sign-up, sign-in and the agent's own profile and balance, over supabase-py as the user."""

from __future__ import annotations

import time

from stagefy_cli.backend import client as clients
from stagefy_cli.backend.config import current_profile
from stagefy_cli.errors import FieldError, UsageError
from stagefy_cli.models import USE_CASES
from stagefy_cli.services.fields import check_choice, email_problem, phone_problem, url_problem

PROFILE_FIELDS = ("full_name", "brokerage", "market", "use_case", "phone", "avatar_url")


def _check_email(email: str) -> str:
    email = email.strip()
    problem = email_problem(email)
    if problem:
        raise UsageError(f"{problem}.")
    return email


def sign_up(email: str, password: str, full_name: str, **metadata) -> dict:
    if not full_name.strip():
        raise FieldError("{name} must not be empty.", "name")
    check_choice(metadata.get("use_case") or None, USE_CASES, "use_case")
    client = clients.create()
    data = {"full_name": full_name.strip(), **{k: v for k, v in metadata.items() if v}}
    response = client.auth.sign_up(
        {"email": _check_email(email), "password": password, "options": {"data": data}}
    )
    if response.session is None:
        return {"email": email, "confirmation_required": True}
    return get_profile(clients.UserContext(client, response.user.id, response.user.email or email))


def sign_in(email: str, password: str) -> dict:
    client = clients.create()
    response = client.auth.sign_in_with_password({"email": _check_email(email), "password": password})
    return get_profile(clients.UserContext(client, response.user.id, response.user.email or email))


def sign_out() -> bool:
    """Revoke the session on the server (best effort) and forget it locally. True if one existed."""
    from stagefy_cli.backend.session_store import SessionStore

    profile = current_profile()
    store = SessionStore(profile.name)
    if not store.get_item("supabase.auth.token"):
        return False
    try:
        client = clients.create(profile)
        client.auth.sign_out()
    except Exception:  # noqa: BLE001 - the local copy is removed whatever the server says
        pass
    store.clear()
    return True


def status() -> dict:
    """Who is signed in on the active profile (refreshing the session if needed)."""
    profile = current_profile()
    ctx = clients.signed_in()
    return {
        "profile": profile.name,
        "url": clients.resolve_endpoint(profile).url,
        "user_id": ctx.user_id,
        "email": ctx.email,
        "expires_in": max(int(ctx.tokens.session.expires_at - time.time()), 0),
    }


def get_profile(ctx: clients.UserContext) -> dict:
    return ctx.rest.table("users").select("*").eq("id", ctx.user_id).single().execute().data


def update_profile(ctx: clients.UserContext, changes: dict) -> dict:
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise UsageError("nothing to update; pass at least one option (see --help).")
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise UsageError(f"cannot update: {', '.join(sorted(unknown))}.")
    check_choice(changes.get("use_case"), USE_CASES, "use_case")
    if "full_name" in changes:
        changes["full_name"] = changes["full_name"].strip()
        if not changes["full_name"]:
            raise FieldError("{name} must not be empty: it is printed on your marketing.", "name")
    for field, check in (("phone", phone_problem), ("avatar_url", url_problem)):
        problem = changes.get(field) and check(changes[field])
        if problem:
            raise UsageError(f"{problem}.")
    rows = ctx.client.table("users").update(changes).eq("id", ctx.user_id).execute().data
    return rows[0]


def balance(ctx: clients.UserContext) -> dict:
    row = (
        ctx.rest.table("users")
        .select("credits,subscription_tier")
        .eq("id", ctx.user_id)
        .single()
        .execute()
        .data
    )
    return {"user_id": ctx.user_id, "email": ctx.email, **row}
