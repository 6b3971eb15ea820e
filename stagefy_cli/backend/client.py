"""Clients for the active profile: the thin client and supabase-py, sharing one SessionStore.

The CLI only ever holds the anon key and the user's own session, so row level security decides
what each user may see and do. The same code runs against a hosted project and the local stack.
Why two clients: docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from stagefy_cli.backend import notices, tls
from stagefy_cli.backend.config import Profile, config_path, current_profile
from stagefy_cli.backend.session_store import SessionStore
from stagefy_cli.errors import AuthRequired, UsageError

_SIGN_IN = "Run: stagefy auth login"


class Endpoint(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    url: str
    anon_key: str


def resolve_endpoint(profile: Profile) -> Endpoint:
    """The profile's API URL and public key; for `local`, the embedded stack (started if needed) and its
    publishable key."""
    if not profile.is_local:
        if not (profile.url and profile.anon_key):  # a config file edited by hand
            raise UsageError(
                f"profile '{profile.name}' has no URL or no key in {config_path()}. "
                f"Set both with: stagefy profiles add {profile.name} --url URL --publishable-key KEY"
            )
        return Endpoint(profile.url, profile.anon_key)
    from stagefy_cli.local.stack import LocalStack

    stack = LocalStack()
    state = stack.state() if stack.is_running() else None
    if state is None:
        notices.announce("Starting the local Stagefy stack (first use)...")
        state = stack.start()
        notices.announce(f"Local stack running at {state.api_url}. Stop it with: stagefy local stop")
    return Endpoint(state.api_url, stack.keys().publishable_key)


def supabase_py(url: str, key: str, **options):
    """supabase-py for `url` with `key`, on one HTTP client for all its services with the process's
    TLS context (`tls.supabase_http()`); `options` are the other `ClientOptions`."""
    from supabase import ClientOptions, create_client

    return create_client(url, key, options=ClientOptions(httpx_client=tls.supabase_http(), **options))


def create(profile: Profile | None = None, key: str | None = None, store: SessionStore | None = None):
    """A supabase-py client for the profile whose auth state persists in the profile's session store."""
    profile = profile or current_profile()
    endpoint = resolve_endpoint(profile)
    # SessionStore has the three methods of supabase-py's SyncSupportedStorage without subclassing it:
    # subclassing would import supabase-py into every command's start-up, most of which never need it.
    store = store or SessionStore(profile.name)
    return supabase_py(
        endpoint.url, key or endpoint.anon_key, storage=store, auto_refresh_token=True, persist_session=True
    )


class Tokens:
    """The signed-in session of the thin client: hands out an access token, refreshing it first
    when it is about to expire, and saving the rotated refresh token in the shared store. Upload
    and download threads share it: one of them refreshes, the others wait and use the new token."""

    def __init__(self, store: SessionStore, wire, anon_key: str, session):
        import threading

        self._store = store
        self._wire = wire
        self._anon_key = anon_key
        self._refreshing = threading.Lock()
        self.session = session

    def access_token(self) -> str:
        if not self.session.expires_soon():
            return self.session.access_token
        with self._refreshing:
            return self._fresh_token()

    def _fresh_token(self) -> str:
        from stagefy_cli.backend import gotrue

        if self.session.expires_soon():
            # supabase-py may have refreshed already (same store): its rotated token is the live one
            latest = gotrue.stored(self._store)
            if latest is None:
                raise AuthRequired(f"your session has ended. {_SIGN_IN}")
            self.session = latest
        if self.session.expires_soon():
            self.session = gotrue.refresh(self._store, self._wire, self._anon_key, self.session)
        return self.session.access_token


class UserContext:
    """A signed-in user's identity and clients, handed to the services.

    `rest` is the thin client (PostgREST reads and RPCs, Storage uploads and downloads: cheap to
    import, used by the everyday commands and every submission); `client` is supabase-py, created
    on first use, for the rest (table writes, Edge Functions). Both send only the anon key and this
    user's session, kept in one session store.
    """

    def __init__(
        self, client=None, user_id: str = "", email: str = "", *, rest=None, tokens=None, connect=None
    ):
        self._client = client
        self._connect = connect
        self.rest = rest if rest is not None else client
        self.tokens = tokens
        self.user_id = user_id
        self.email = email

    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client


last_context: UserContext | None = None  # the last signed_in() of this process (for the unread notice)


def signed_in() -> UserContext:
    """The signed-in user (the session refreshed first when it is about to expire), or AuthRequired."""
    global last_context
    from stagefy_cli.backend import gotrue
    from stagefy_cli.backend.api_errors import ApiError
    from stagefy_cli.backend.rest import RestClient
    from stagefy_cli.backend.wire import Wire

    profile = current_profile()
    endpoint = resolve_endpoint(profile)
    store = SessionStore(profile.name)
    session = gotrue.stored(store)
    if session is None:
        raise AuthRequired(f"not signed in. {_SIGN_IN}")
    wire = Wire(endpoint.url)
    tokens = Tokens(store, wire, endpoint.anon_key, session)
    try:
        tokens.access_token()
    except ApiError as exc:
        if exc.service == "auth":
            raise AuthRequired(f"your session has expired. {_SIGN_IN}") from exc
        raise
    last_context = UserContext(
        user_id=tokens.session.user_id,
        email=tokens.session.email,
        rest=RestClient(wire, endpoint.anon_key, tokens.access_token),
        tokens=tokens,
        connect=lambda: create(profile, store=store),
    )
    return last_context


def service_client(url: str | None = None, service_key: str | None = None):
    """supabase-py as the service role, for operators' commands (first admin, local PayFast): the
    key comes from the environment."""
    return _as_service_role(supabase_py, url, service_key)


def worker_client(url: str | None = None, service_key: str | None = None):
    """The thin client as the service role, for the worker: the key comes from the environment."""
    return _as_service_role(service_rest, url, service_key)


def service_rest(url: str, service_key: str):
    """The thin client (`backend/rest.py`) as the service role: `apikey` and bearer token are both
    the service key, as supabase-py sends them for a client made with that key (the gateway maps
    a secret key sent so to the service role)."""
    from stagefy_cli.backend.rest import RestClient
    from stagefy_cli.backend.wire import Wire

    return RestClient(Wire(url), service_key, lambda: service_key)


def service_key_from_env() -> str | None:
    """The operator's key for the service role: a secret key (`SUPABASE_SECRET_KEY`, preferred) or
    the legacy service_role key (`SUPABASE_SERVICE_ROLE_KEY`)."""
    import os

    return os.environ.get("SUPABASE_SECRET_KEY") or os.environ.get("SUPABASE_SERVICE_ROLE_KEY") or None


def _as_service_role(build: Callable, url: str | None, service_key: str | None):
    """`build(url, key)` with the service key from the argument or the environment (checked against
    the server), or, for the local profile without one, the local stack's secret key."""
    from stagefy_cli.errors import UsageError

    key = service_key or service_key_from_env()
    profile = current_profile()
    if not key and profile.is_local:
        from stagefy_cli.local.stack import LocalStack

        endpoint = resolve_endpoint(profile)
        return build(endpoint.url, LocalStack().keys().secret_key)
    if not key:
        raise UsageError(
            "neither SUPABASE_SECRET_KEY nor SUPABASE_SERVICE_ROLE_KEY is set. Export a secret key "
            "(sb_secret_...) from the project's API Keys settings."
        )
    client = build(url or resolve_endpoint(profile).url, key)
    _check_service_key(client)
    return client


def _check_service_key(client) -> None:
    """One small read, so a wrong key is reported as that key (the server's answer would otherwise
    read like an expired sign-in). Either client's error carries PostgREST's code."""
    try:
        client.table("prices").select("code").limit(1).execute()
    except Exception as exc:
        if str(getattr(exc, "code", "")) in ("PGRST301", "PGRST302", "PGRST303", "401", "403", "42501"):
            raise AuthRequired(
                "the server refused the service key (SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY: "
                "not a key of this project). Copy a secret key from the project's API Keys settings."
            ) from None
        raise
