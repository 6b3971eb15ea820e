"""Calls that charge credits (submissions, retries), safe to repeat.

Each call carries an idempotency key: the server answers a repeated key with the first call's
project and charges nothing. One key is made per CLI invocation and sent again on our own retries
after a network failure, when the first request may or may not have reached the server.
"""

from __future__ import annotations

import time

NETWORK_TRIES = 3


def new_key() -> str:
    import uuid  # here: it imports platform, and `projects list` imports this module too

    return uuid.uuid4().hex


def _network_failure(exc: Exception) -> bool:
    """The request may or may not have reached the server: the thin client's transport error, or
    httpx's (supabase-py), told apart by name so that neither client is imported for it."""
    from stagefy_cli.backend.api_errors import ApiError

    if isinstance(exc, ApiError):
        return exc.service == "transport"
    return any(
        cls.__module__.startswith("httpx") and cls.__name__ == "TransportError" for cls in type(exc).__mro__
    )


def charge(ctx, rpc: str, params: dict, idempotency_key: str | None = None) -> dict:
    """`rpc(params)` with an idempotency key, retried with that same key on network failures."""
    key = idempotency_key or new_key()
    for attempt in range(NETWORK_TRIES):
        try:
            return ctx.rest.rpc(rpc, {**params, "p_idempotency_key": key}).execute().data
        except Exception as exc:
            if not _network_failure(exc) or attempt == NETWORK_TRIES - 1:
                raise
            time.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")
