"""Plumbing shared by the storage routes: who is calling, their transactions, JSON in and out.

Every row access runs under the JWT's role and claims (`Caller.transaction()`, or
`Caller.in_bucket()` after the bucket lookup Storage makes itself), so the RLS policies on
`storage.objects` / `storage.buckets` decide. Only what Storage itself does as superuser (bucket
lookups, public and signed downloads) runs as the owner.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from starlette.requests import Request
from starlette.responses import Response

from stagefy_cli.local.gateway.body_limit import STORAGE_JSON_LIMIT, BodyTooLarge, read_body
from stagefy_cli.local.gateway.context import GatewayContext, InvalidToken
from stagefy_cli.local.gateway.db import SETTINGS_SQL, request_settings
from stagefy_cli.local.gateway.storage import queries
from stagefy_cli.local.gateway.storage.errors import (
    StorageError,
    access_denied,
    bucket_not_found,
    from_database,
    internal,
    invalid_request,
)
from stagefy_cli.local.gateway.threads import run_blocking

log = logging.getLogger(__name__)


@dataclass
class Caller:
    ctx: GatewayContext
    claims: dict
    method: str
    path: str
    headers: dict

    @classmethod
    def of(cls, ctx: GatewayContext, request: Request) -> Caller:
        try:
            claims = ctx.bearer_claims(request.headers)
        except InvalidToken as exc:
            raise access_denied(str(exc)) from exc
        headers = {k.lower(): v for k, v in request.headers.items()}
        return cls(ctx, claims, request.method, request.url.path, headers)

    @property
    def owner_id(self) -> str | None:
        return self.claims.get("sub") or None

    @contextmanager
    def transaction(self, *, read_only: bool = False, duplicate_code: str = "KeyAlreadyExists") -> Iterator:
        try:
            with self.ctx.db.transaction(self.claims, **self._request(read_only)) as conn:
                yield conn
        except psycopg.Error as exc:
            raise from_database(exc, duplicate_code) from exc

    @contextmanager
    def in_bucket(self, bucket_id: str, *more: str, read_only: bool = False) -> Iterator[tuple]:
        """One transaction that resolves the bucket(s) as the owner, as Storage does (callers rarely
        may read `storage.buckets`), then acts as the caller; yields (connection, first bucket).

        One statement does both: its scan was planned and permitted for the owner, and the
        `set_config` calls in its select list take effect for the statements after it."""
        wanted = [bucket_id, *more]
        try:
            with self.ctx.db.superuser() as conn:
                rows = conn.execute(
                    f"select {queries.BUCKET_COLUMNS}, {SETTINGS_SQL} from storage.buckets where id = any(%s)",
                    (*request_settings(self.claims, **self._request(read_only)), wanted),
                ).fetchall()
                found = {row["id"]: row for row in rows}
                if any(name not in found for name in wanted):
                    raise bucket_not_found()
                yield conn, found[bucket_id]
        except psycopg.Error as exc:
            raise from_database(exc) from exc

    def _request(self, read_only: bool) -> dict:
        return {
            "read_only": read_only,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "storage_api": True,
        }


@contextmanager
def superuser(ctx: GatewayContext) -> Iterator[psycopg.Connection]:
    try:
        with ctx.db.superuser() as conn:
            yield conn
    except psycopg.Error as exc:
        raise from_database(exc) from exc


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def jsonable(row: dict) -> dict[str, Any]:
    """A database row as Storage prints it: uuids as strings, timestamps as ISO 8601."""
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = iso(value)
        elif value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)
        out[key] = value
    return out


async def read_json(request: Request) -> dict:
    try:
        raw = await read_body(request, STORAGE_JSON_LIMIT)
    except BodyTooLarge as exc:
        raise StorageError(413, "Payload too large", "EntityTooLarge", exc.message) from None
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise invalid_request(f"Body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise invalid_request("Body must be a JSON object")
    return body


def endpoint(handler: Callable[[Request, dict], Response]):
    """Wrap a blocking `handler(request, body)` (psycopg, file I/O) as a Starlette endpoint."""

    async def run(request: Request) -> Response:
        try:
            body = await read_json(request)
            return await run_blocking(handler, request, body)
        except StorageError as exc:
            return exc.response()
        except Exception:
            log.exception("storage request failed: %s %s", request.method, request.url.path)
            return internal().response()

    return run


def async_endpoint(handler: Callable[[Request], Awaitable[Response]]):
    """Wrap a handler that reads the request body itself (uploads stream it)."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except StorageError as exc:
            return exc.response()
        except Exception:
            log.exception("storage request failed: %s %s", request.method, request.url.path)
            return internal().response()

    return run
