"""PostgREST's error responses: the `{code, details, hint, message}` body and the SQLSTATE -> HTTP map.

Mirrors PostgREST v14 (`src/PostgREST/Error.hs`, docs `references/errors.rst`), with one local rule:
any custom `P0xxx` SQLSTATE raised by our SQL functions is a 400 carrying that SQLSTATE as `code`,
so the CLI can tell e.g. `P0402` (insufficient credits) from other failures.
"""

from __future__ import annotations

import json

import psycopg
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    """An error the gateway answers with PostgREST's JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str | None = None,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.headers = headers or {}

    def response(self, head: bool = False) -> Response:
        body = {"code": self.code, "details": self.details, "hint": self.hint, "message": self.message}
        headers = {"Proxy-Status": f"PostgREST; error={self.code}", **self.headers}
        content = b"" if head else json.dumps(body).encode()
        return Response(content, status_code=self.status, headers=headers, media_type=JSON_MEDIA_TYPE)


def query_error(message: str, details: str | None = None) -> ApiError:
    """PGRST100: the query string could not be parsed."""
    return ApiError(400, "PGRST100", message, details)


def http_status_for_sqlstate(sqlstate: str, role: str) -> int:
    """The HTTP status PostgREST gives a PostgreSQL error (`role` decides 401 vs 403 for 42501)."""
    if sqlstate == "42501":
        return 401 if role == "anon" else 403
    if sqlstate in ("23505", "23503"):
        return 409
    if sqlstate in ("42883", "42P01"):
        return 404
    if sqlstate == "25006":
        return 405
    if sqlstate.startswith("P0"):
        return 400  # P0001 (plain RAISE) and our own P0xxx codes
    if sqlstate == "53400":
        return 500
    if sqlstate.startswith(("08", "53")):
        return 503
    if sqlstate.startswith(("40", "57", "XX")) or sqlstate == "42P17":
        return 500
    if sqlstate.startswith(("0P", "28")):
        return 403
    return 400


def from_database(exc: psycopg.Error, role: str) -> ApiError:
    """Turn a PostgreSQL error into PostgREST's response for it."""
    sqlstate = exc.sqlstate or "XX000"
    diag = exc.diag
    message = diag.message_primary or str(exc).strip()
    return ApiError(
        http_status_for_sqlstate(sqlstate, role),
        sqlstate,
        message,
        details=diag.message_detail,
        hint=diag.message_hint,
    )
