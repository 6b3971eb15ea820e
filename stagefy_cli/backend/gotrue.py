"""The stored session, read and refreshed without supabase-py (GoTrue's refresh-token grant).

The session is the document supabase-py keeps under `supabase.auth.token` in the profile's
`SessionStore`: both client paths read and write the same entry, so a token refreshed here is the
one supabase-py uses next, and the refresh token GoTrue rotates on every refresh is always saved
(an old one is refused: `refresh_token_already_used`).
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple

from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.wire import Wire

STORAGE_KEY = "supabase.auth.token"  # supabase-py's default storage key
EXPIRY_MARGIN_S = 10  # refresh this close to expiry, as supabase-py does
API_VERSION = {"X-Supabase-Api-Version": "2024-01-01"}


class Session(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    access_token: str
    refresh_token: str
    expires_at: int
    user_id: str
    email: str

    @classmethod
    def from_document(cls, document: dict) -> Session:
        user = document.get("user") or {}
        return cls(
            access_token=document["access_token"],
            refresh_token=document.get("refresh_token") or "",
            expires_at=int(document.get("expires_at") or 0),
            user_id=user.get("id", ""),
            email=user.get("email") or "",
        )

    def expires_soon(self, now: float | None = None) -> bool:
        return self.expires_at <= (now or time.time()) + EXPIRY_MARGIN_S


def stored(store) -> Session | None:
    """The session in `store`, or None when there is none (or it is unreadable)."""
    raw = store.get_item(STORAGE_KEY)
    if not raw:
        return None
    try:
        document = json.loads(raw)
        return Session.from_document(document) if document.get("expires_at") else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def refresh(store, wire: Wire, anon_key: str, session: Session) -> Session:
    """Trade the refresh token for a new session and save it (with the rotated refresh token).

    A refusal (used, revoked or unknown token) forgets the session, as supabase-py does, and
    raises ApiError("auth"); an unreachable server raises ApiError("transport") and keeps it.
    """
    reply = wire.request(
        "POST",
        "/auth/v1/token",
        params=[("grant_type", "refresh_token")],
        headers={"apikey": anon_key, "Authorization": f"Bearer {anon_key}", **API_VERSION},
        json_body={"refresh_token": session.refresh_token},
    )
    try:
        document = reply.json()
    except ValueError:
        document = None
    if not reply.ok or not isinstance(document, dict) or "access_token" not in document:
        body = document if isinstance(document, dict) else {}
        message = body.get("msg") or body.get("message") or body.get("error_description") or "refused"
        code = body.get("code") if isinstance(body.get("code"), str) else body.get("error_code")
        if 400 <= reply.status < 500:
            store.remove_item(STORAGE_KEY)
        raise ApiError("auth", str(message), code=code, status=reply.status)
    if not document.get("expires_at"):
        document["expires_at"] = round(time.time()) + int(document.get("expires_in") or 0)
    saved = {"provider_token": None, "provider_refresh_token": None, **document}
    store.set_item(STORAGE_KEY, json.dumps(saved))
    return Session.from_document(saved)
