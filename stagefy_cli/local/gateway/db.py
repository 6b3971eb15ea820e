"""Database access for the gateway, one transaction per request, exactly as PostgREST sets it up.

Each request runs `BEGIN`, then one `set_config(..., true)` statement that sets the role, the JWT
claims and (for reads) read-only mode transaction-locally, then its SQL, then COMMIT. Row level security is
therefore PostgreSQL's own, evaluated for the JWT's role (`anon`, `authenticated`, `service_role`).
"""

from __future__ import annotations

import json
import select
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

SEARCH_PATH = '"public", "extensions"'

# Supabase sets these as role settings (`alter role anon set statement_timeout = '3s'`); a role's
# settings do not apply after SET ROLE, so -- like PostgREST -- apply them per transaction.
STATEMENT_TIMEOUTS = {"anon": "3s", "authenticated": "8s"}

# PostgREST's `db-pool-acquisition-timeout` (10 s by default): a request waits that long for a
# pooled connection, then is answered 504. A wait past the first second first asks whether the
# database takes connections at all: PostgREST connects as it acquires, so a database that is down
# is an immediate 503 there, not a wait.
ACQUISITION_TIMEOUT_S = 10.0
FIRST_WAIT_S = 1.0
PROBE_CONNECT_TIMEOUT_S = 2
PROBE_REUSE_S = 1.0


class Unreachable(psycopg.OperationalError):
    """The database takes no connection: it is down, or not where the gateway looks for it."""


def check_idle_connection(conn: psycopg.Connection) -> None:
    """Refuse a pooled connection the server has closed (a restart, a terminated backend) before a
    request gets it, without the round trip of psycopg_pool's `check_connection`: an idle
    connection has nothing to read, and a server that closed it left its goodbye (or EOF) readable.
    `poll` rather than `select`, which refuses descriptors past 1024 (a busy process has them)."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    if poller.poll(0):
        conn.close()  # so the pool drops it (an open connection that fails its check goes back in)
        raise psycopg.OperationalError("the server closed or wrote to this idle connection")


class Database:
    def __init__(self, dsn: str, max_size: int = 16):
        self.dsn = dsn
        # check: a connection the database dropped (a restart) is replaced before a request gets it.
        self.pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row},
            open=True,
            check=check_idle_connection,
        )
        self._probe_lock = threading.Lock()
        self._probed_at = -PROBE_REUSE_S
        self._unreachable: str | None = None

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def transaction(self, claims: Mapping[str, Any], **request) -> Iterator[psycopg.Connection]:
        """A connection inside one transaction with the request's role and JWT claims applied
        (`request`: the keywords of `request_settings`), in one statement: a round trip is about as
        costly to the gateway as the SQL it sets up."""
        with self.superuser() as conn:
            conn.execute("select " + SETTINGS_SQL, request_settings(claims, **request))
            yield conn

    @contextmanager
    def superuser(self) -> Iterator[psycopg.Connection]:
        """A plain transaction as the owner: for the gateway's own bookkeeping (auth tables, blobs)."""
        conn = self._acquire()
        try:
            with conn.transaction():
                yield conn
        finally:
            self.pool.putconn(conn)

    def _acquire(self) -> psycopg.Connection:
        """A pooled connection within ACQUISITION_TIMEOUT_S (PoolTimeout past it), or Unreachable
        after the first second when the database takes no connection."""
        start = time.monotonic()
        try:
            return self.pool.getconn(timeout=FIRST_WAIT_S)
        except PoolTimeout:
            self._check_reachable()
            return self.pool.getconn(timeout=max(ACQUISITION_TIMEOUT_S - (time.monotonic() - start), 0.1))

    def _check_reachable(self) -> None:
        """Raise Unreachable when a connection cannot be opened (down, or refusing: too many clients,
        starting up), as PostgREST answers a failed connect with 503. One probe answers every
        request waiting within PROBE_REUSE_S of it."""
        with self._probe_lock:
            if time.monotonic() - self._probed_at > PROBE_REUSE_S:
                self._probed_at, self._unreachable = time.monotonic(), None
                try:
                    psycopg.connect(self.dsn, connect_timeout=PROBE_CONNECT_TIMEOUT_S).close()
                except psycopg.OperationalError as exc:
                    self._unreachable = str(exc)
            if self._unreachable is not None:
                raise Unreachable(self._unreachable)


# What a request's transaction runs with, set transaction-locally (`set_config(name, value, true)`).
_SETTINGS = (
    "search_path",
    "role",
    "statement_timeout",
    "request.jwt.claims",
    "request.jwt.claim.role",
    "request.jwt.claim.sub",
    "request.method",
    "request.path",
    "request.headers",
    "transaction_read_only",
    "storage.allow_delete_query",
)
SETTINGS_SQL = ", ".join(f"set_config('{name}', %s, true)" for name in _SETTINGS)


def request_settings(
    claims: Mapping[str, Any],
    *,
    read_only: bool = False,
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    search_path: str = SEARCH_PATH,
    storage_api: bool = False,
) -> tuple:
    """The values of SETTINGS_SQL for a request: its role and JWT claims, as PostgREST sets them.
    Storage's API also allows DELETEs on its tables (`storage.allow_delete_query`, which its
    delete-protection triggers check); nothing else does."""
    role = str(claims.get("role") or "anon")
    return (
        search_path,
        role,
        STATEMENT_TIMEOUTS.get(role, "0"),
        json.dumps(dict(claims)),
        role,
        str(claims.get("sub") or ""),
        method,
        path,
        json.dumps({k.lower(): v for k, v in (headers or {}).items()}),
        "on" if read_only else "off",
        "true" if storage_api else "false",
    )
