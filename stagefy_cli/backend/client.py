"""supabase-py clients for the active profile, with the session kept in the SessionStore.

The CLI only ever holds the anon key and the user's own session, so row level security decides
what each user may see and do. The same code runs against a hosted project and the local stack.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from stagefy_cli.backend.config import Profile, current_profile
from stagefy_cli.backend.session_store import SessionStore
from stagefy_cli.errors import AuthRequired

_SIGN_IN = "Run: stagefy auth login"


@dataclass(frozen=True)
class Endpoint:
    url: str
    anon_key: str


def resolve_endpoint(profile: Profile) -> Endpoint:
    """The profile's API URL and anon key; for `local`, the embedded stack (started if needed)."""
    if not profile.is_local:
        return Endpoint(profile.url, profile.anon_key)  # type: ignore[arg-type]
    from stagefy_cli.local.stack import LocalStack

    stack = LocalStack()
    if not stack.is_running():
        print("Starting the local Stagefy stack (first use)...", file=sys.stderr)
        state = stack.start()
        print(f"Local stack running at {state.api_url}. Stop it with: stagefy local stop", file=sys.stderr)
    state = stack.state()
    return Endpoint(state.api_url, stack.keys().anon_key)  # type: ignore[union-attr]


def create(profile: Profile | None = None, key: str | None = None):
    """A client for the profile whose auth state persists in the profile's session store."""
    from supabase import ClientOptions, create_client

    profile = profile or current_profile()
    endpoint = resolve_endpoint(profile)
    options = ClientOptions(storage=SessionStore(profile.name), auto_refresh_token=True, persist_session=True)
    return create_client(endpoint.url, key or endpoint.anon_key, options=options)


@dataclass
class UserContext:
    """A signed-in user's client and identity, handed to the services."""

    client: object
    user_id: str
    email: str


def signed_in() -> UserContext:
    """A client with a valid session (refreshed transparently), or AuthRequired."""
    from supabase_auth.errors import AuthError

    client = create()
    try:
        session = client.auth.get_session()
    except AuthError as exc:
        raise AuthRequired(f"your session has expired. {_SIGN_IN}") from exc
    if session is None:
        raise AuthRequired(f"not signed in. {_SIGN_IN}")
    if session.expires_at and session.expires_at <= time.time():
        raise AuthRequired(f"your session has expired. {_SIGN_IN}")
    return UserContext(client=client, user_id=session.user.id, email=session.user.email or "")


def service_client(url: str | None = None, service_key: str | None = None):
    """A service-role client for operators (worker, first admin): the key comes from the environment."""
    import os

    from stagefy_cli.errors import UsageError
    from supabase import create_client

    key = service_key or os.environ.get("SUPABASE_SERVICE_ROLE_KEY")
    profile = current_profile()
    if not key and profile.is_local:
        from stagefy_cli.local.stack import LocalStack

        endpoint = resolve_endpoint(profile)
        return create_client(endpoint.url, LocalStack().keys().service_role_key)
    if not key:
        raise UsageError("SUPABASE_SERVICE_ROLE_KEY is not set. Export it from your project's API settings.")
    client = create_client(url or resolve_endpoint(profile).url, key)
    _check_service_key(client)
    return client


def _check_service_key(client) -> None:
    """One small read, so a wrong key is reported as that key (the server's answer would otherwise
    read like an expired sign-in)."""
    from postgrest.exceptions import APIError

    try:
        client.table("prices").select("code").limit(1).execute()
    except APIError as exc:
        if str(exc.code) in ("PGRST301", "PGRST302", "PGRST303", "401", "403", "42501"):
            raise AuthRequired(
                "the server refused SUPABASE_SERVICE_ROLE_KEY (not this project's service role key). "
                "Copy the service_role key from the project's API settings."
            ) from None
        raise
