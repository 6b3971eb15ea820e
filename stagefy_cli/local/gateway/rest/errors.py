"""PostgREST's error responses: the `{code, details, hint, message}` body and the SQLSTATE -> HTTP map.

Mirrors PostgREST v14 (`src/library/PostgREST/Error.hs`: `mapSQLtoHTTP` and the connection errors;
docs `references/errors.rst`). Our SQL functions' own `P0xxx` SQLSTATEs are answered 500 with that
code, as PostgREST answers them: clients read the `code`, never the status.
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


# PostgREST's exact codes, then its classes (the first two characters), each with its status.
_EXACT_STATUS = {
    "23503": 409,  # foreign_key_violation
    "23505": 409,  # unique_violation
    "25006": 405,  # read_only_sql_transaction
    "21000": 500,  # cardinality_violation (400 only for pg-safeupdate's "requires a WHERE clause")
    "53400": 500,  # configuration_limit_exceeded
    "57P01": 503,  # admin_shutdown: terminating connection due to administrator command
    "P0001": 400,  # a plain RAISE
    "42883": 404,  # undefined_function
    "42P01": 404,  # undefined_table
    "42P17": 500,  # infinite recursion (of a policy)
}
_CLASS_STATUS = {
    "08": 503,  # connection exception
    "09": 500,  # triggered action exception
    "0L": 403,  # invalid grantor
    "0P": 403,  # invalid role specification
    "25": 500,  # invalid transaction state
    "28": 403,  # invalid authorization specification
    "2D": 500,  # invalid transaction termination
    "38": 500,  # external routine exception
    "39": 500,  # external routine invocation exception
    "3B": 500,  # savepoint exception
    "40": 500,  # transaction rollback
    "53": 503,  # insufficient resources
    "54": 500,  # program limit exceeded
    "55": 500,  # object not in prerequisite state
    "57": 500,  # operator intervention
    "58": 500,  # system error
    "F0": 500,  # configuration file error
    "HV": 500,  # foreign data wrapper error
    "P0": 500,  # PL/pgSQL errors, our own P0xxx codes among them
    "XX": 500,  # internal error
}


def http_status_for_sqlstate(sqlstate: str, role: str, message: str = "") -> int:
    """The HTTP status PostgREST gives a PostgreSQL error (`role` decides 401 vs 403 for 42501)."""
    if sqlstate == "42501":
        return 401 if role == "anon" else 403
    if sqlstate == "21000" and message.endswith("requires a WHERE clause"):
        return 400
    if sqlstate == "22023" and message.startswith("role") and message.endswith("does not exist"):
        return 401
    if sqlstate.startswith("PT"):  # RAISE ... USING ERRCODE = 'PT402': the status chosen by the SQL
        chosen = sqlstate[2:]
        return int(chosen) if chosen.isdigit() and 100 <= int(chosen) <= 599 else 500
    if sqlstate == "42883" and message.startswith("function xmlagg("):
        return 406
    if sqlstate in _EXACT_STATUS:
        return _EXACT_STATUS[sqlstate]
    return _CLASS_STATUS.get(sqlstate[:2], 400)


def from_connection(exc: psycopg.OperationalError, role: str = "anon") -> ApiError:
    """A request the database could not take, as PostgREST answers it: no connection to be had
    (503 PGRST000), none free in time (504 PGRST003), or one lost while in use (503 PGRST001). An
    error PostgreSQL sent (it has a SQLSTATE: a cancelled statement, a shutdown) is its own answer."""
    from psycopg_pool import PoolTimeout

    from stagefy_cli.local.gateway.db import Unreachable

    if exc.sqlstate is not None:
        return from_database(exc, role)
    if isinstance(exc, PoolTimeout):
        return ApiError(504, "PGRST003", "Timed out acquiring connection from connection pool.")
    text = str(exc).strip()
    details = text.splitlines()[0] if text else None  # libpq's first line, as PostgREST's details
    if isinstance(exc, Unreachable):
        return ApiError(503, "PGRST000", "Database connection error.", details)
    return ApiError(503, "PGRST001", "Database client error. Retrying the connection.", details)


def from_database(exc: psycopg.Error, role: str) -> ApiError:
    """Turn a PostgreSQL error into PostgREST's response for it."""
    sqlstate = exc.sqlstate or "XX000"
    diag = exc.diag
    message = diag.message_primary or str(exc).strip()
    status = http_status_for_sqlstate(sqlstate, role, message)
    return ApiError(
        status,
        sqlstate,
        message,
        details=diag.message_detail,
        hint=diag.message_hint,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )
