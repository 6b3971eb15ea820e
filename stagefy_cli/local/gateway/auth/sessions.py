"""Sessions and opaque rotating refresh tokens in `auth.sessions` / `auth.refresh_tokens`.

Rotation follows GoTrue: every refresh revokes the presented token and issues a child (`parent` =
the old token). Replaying a revoked token within the reuse interval returns the session's current
child instead of failing (a client that lost the response can retry); replaying it later is treated
as theft: every token of the session is revoked and the session ends.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg

from stagefy_cli.local.gateway.auth.errors import AuthError

_VALID_SESSION = "(s.not_after is null or s.not_after > now())"


class TokenReplayed(AuthError):
    """A rotated refresh token came back too late. The caller revokes `session_id` in a transaction
    of its own (the one that raised is rolled back) and answers with this error."""

    def __init__(self, session_id: uuid.UUID):
        super().__init__(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used")
        self.session_id = session_id


@dataclass(frozen=True)
class SessionGrant:
    """What a new or refreshed session hands to the client, besides the access token."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    refresh_token: str
    signed_in_at: datetime


def _new_refresh_token(conn: psycopg.Connection, user_id, session_id, parent: str | None) -> str:
    token = secrets.token_urlsafe(24)
    conn.execute(
        "insert into auth.refresh_tokens (token, user_id, session_id, parent) values (%s, %s, %s, %s)",
        (token, str(user_id), session_id, parent),
    )
    return token


def start_session(conn: psycopg.Connection, user_id: uuid.UUID) -> SessionGrant:
    row = conn.execute(
        "insert into auth.sessions (id, user_id) values (%s, %s) returning id, created_at",
        (uuid.uuid4(), user_id),
    ).fetchone()
    token = _new_refresh_token(conn, user_id, row["id"], parent=None)
    return SessionGrant(user_id, row["id"], token, row["created_at"])


def refresh(conn: psycopg.Connection, token: str, reuse_interval_s: int) -> SessionGrant:
    """Exchange a refresh token for the next one of its session (see the module docstring)."""
    row = conn.execute(
        "select t.token, t.revoked, t.session_id, s.user_id, s.created_at as signed_in_at,"
        f" {_VALID_SESSION} as session_valid,"
        " now() - t.updated_at < make_interval(secs => %s) as within_reuse_interval"
        " from auth.refresh_tokens t join auth.sessions s on s.id = t.session_id"
        " where t.token = %s for update of t",
        (reuse_interval_s, token),
    ).fetchone()
    if row is None:
        raise AuthError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found")
    if row["revoked"]:
        child = conn.execute(
            "select token from auth.refresh_tokens where session_id = %s and not revoked and parent = %s",
            (row["session_id"], token),
        ).fetchone()
        if row["within_reuse_interval"] and row["session_valid"] and child is not None:
            return SessionGrant(row["user_id"], row["session_id"], child["token"], row["signed_in_at"])
        raise TokenReplayed(row["session_id"])
    if not row["session_valid"]:
        raise AuthError(400, "session_expired", "Invalid Refresh Token: Session Expired")
    conn.execute(
        "update auth.refresh_tokens set revoked = true, updated_at = now() where token = %s", (token,)
    )
    conn.execute("update auth.sessions set updated_at = now() where id = %s", (row["session_id"],))
    child = _new_refresh_token(conn, row["user_id"], row["session_id"], parent=token)
    return SessionGrant(row["user_id"], row["session_id"], child, row["signed_in_at"])


def revoke_session(conn: psycopg.Connection, session_id: uuid.UUID) -> None:
    """End a session whose token family was replayed: it stays on record, but nothing it holds works."""
    conn.execute(
        "update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = %s and not revoked",
        (session_id,),
    )
    conn.execute("update auth.sessions set not_after = now() where id = %s", (session_id,))


def is_active(conn: psycopg.Connection, session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    row = conn.execute(
        f"select 1 from auth.sessions s where s.id = %s and s.user_id = %s and {_VALID_SESSION}",
        (session_id, user_id),
    ).fetchone()
    return row is not None


def log_out(conn: psycopg.Connection, user_id: uuid.UUID, session_id: uuid.UUID | None, scope: str) -> None:
    """GoTrue's logout scopes: `global` every session, `local` this one, `others` all but this one."""
    if scope == "global":
        conn.execute("delete from auth.sessions where user_id = %s", (user_id,))
    elif scope == "local":
        conn.execute("delete from auth.sessions where id = %s", (session_id,))
    else:
        conn.execute(
            "delete from auth.sessions where user_id = %s and id is distinct from %s", (user_id, session_id)
        )
