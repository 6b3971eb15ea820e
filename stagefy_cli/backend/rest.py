"""The thin client: PostgREST reads and RPCs, and Storage (`backend/storage.py`), over `wire.Wire`;
as the signed-in user in the CLI, as the service role in the worker.

It speaks the same wire protocol as supabase-py (the query string PostgREST documents, the
`Prefer: count=exact` header and `Content-Range` for counts, the object media type for `.single()`,
a POST to `/rpc/NAME` with the parameters as a JSON object) and offers the same call shape for the
part the CLI's hot paths and the worker use, so a service reads
`ctx.rest.table("crm_contacts").select("*", count="exact").eq(...).execute()` or
`ctx.rest.rpc("quote_edit", params).execute()` whichever client it is given. The CLI's client sends
only the anon key and the user's access token, so row level security decides. Failures raise
`api_errors.ApiError`, mapped to exit codes by `api_errors` like supabase-py's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.wire import Reply, Wire

_RESERVED = ',:()"\\'


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(value: Any) -> str:
    """A filter value as PostgREST reads it (what postgrest-py sends for the same value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    text = str(value)
    special = text == "" or text.lower() == "null" or any(c in text for c in '{},"\\')
    return _quoted(text) if special or any(c.isspace() for c in text) else text


class Response(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    data: Any
    # postgrest-py's name for the total, which shadows tuple.count on purpose (callers read .count)
    count: int | None = None  # type: ignore[assignment]


class Query:
    """One PostgREST request being built: `.select(...)`, filters, `.order`, `.limit`, `.execute()`."""

    def __init__(self, client: RestClient, table: str):
        self._client = client
        self._path = f"/rest/v1/{table}"
        self._method = "GET"
        self._params: list[tuple[str, str]] = []
        self._headers: dict[str, str] = {}
        self._single = False

    def select(self, *columns: str, count: str | None = None, head: bool = False) -> Query:
        self._params.append(("select", ",".join("".join(c.split()) for c in columns) or "*"))
        if count:
            self._headers["Prefer"] = f"count={count}"
        if head:
            self._method = "HEAD"
        return self

    def _filter(self, column: str, operator: str, criteria: str) -> Query:
        self._params.append((column, f"{operator}.{criteria}"))
        return self

    def eq(self, column: str, value: Any) -> Query:
        return self._filter(column, "eq", _value(value))

    def neq(self, column: str, value: Any) -> Query:
        return self._filter(column, "neq", _value(value))

    def gt(self, column: str, value: Any) -> Query:
        return self._filter(column, "gt", _value(value))

    def gte(self, column: str, value: Any) -> Query:
        return self._filter(column, "gte", _value(value))

    def lt(self, column: str, value: Any) -> Query:
        return self._filter(column, "lt", _value(value))

    def lte(self, column: str, value: Any) -> Query:
        return self._filter(column, "lte", _value(value))

    def ilike(self, column: str, pattern: str) -> Query:
        return self._filter(column, "ilike", pattern)

    def is_(self, column: str, value: bool | None) -> Query:
        return self._filter(column, "is", _value(value))

    def in_(self, column: str, values: Iterable[Any]) -> Query:
        items = (_value(v) for v in values)
        listed = ",".join(_quoted(v) if any(c in v for c in _RESERVED) else v for v in items)
        return self._filter(column, "in", f"({listed})")

    def cs(self, column: str, values: Iterable[Any]) -> Query:
        return self._filter(column, "cs", "{" + ",".join(_array_element(v) for v in values) + "}")

    def or_(self, filters: str) -> Query:
        self._params.append(("or", f"({filters})"))
        return self

    def order(self, column: str, *, desc: bool = False) -> Query:
        term = f"{column}.{'desc' if desc else 'asc'}"
        for index, (key, existing) in enumerate(self._params):
            if key == "order":
                self._params[index] = ("order", f"{existing},{term}")
                return self
        self._params.append(("order", term))
        return self

    def limit(self, size: int) -> Query:
        self._params.append(("limit", str(size)))
        return self

    def single(self) -> Query:
        """Exactly one row, as an object (PostgREST answers 406 `PGRST116` otherwise)."""
        self._single = True
        self._headers["Accept"] = "application/vnd.pgrst.object+json"
        return self

    def execute(self) -> Response:
        reply = self._client.request(self._method, self._path, params=self._params, headers=self._headers)
        if not reply.ok:
            raise _postgrest_error(reply)
        count = None
        total = reply.headers.get("content-range", "").rpartition("/")[2]
        if total.isdigit():
            count = int(total)
        data = None if self._method == "HEAD" else reply.json()
        return Response(data if data is not None or self._single else [], count)


class Call:
    """One RPC: `POST /rest/v1/rpc/NAME` with the parameters as a JSON object; `.execute()`."""

    def __init__(self, client: RestClient, function: str, params: dict):
        self._client = client
        self._path = f"/rest/v1/rpc/{function}"
        self._params = params

    def execute(self) -> Response:
        reply = self._client.request("POST", self._path, json_body=self._params)
        if not reply.ok:
            raise _postgrest_error(reply)
        return Response(reply.json())


def _postgrest_error(reply: Reply) -> ApiError:
    try:
        body = reply.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("message") or body.get("code")):
        return ApiError(
            "postgrest", str(body.get("message") or ""), code=body.get("code"), status=reply.status
        )
    text = reply.body.decode("utf-8", "replace").strip() or f"HTTP {reply.status}"
    return ApiError("postgrest", text, code=str(reply.status), status=reply.status)


class RestClient:
    """PostgREST and Storage as one user or role: `api_key` (the anon key, or the service role key)
    and the access token `token()` returns (called per request, so a session refreshed during a
    long wait is used at once; the service role's token is its key)."""

    def __init__(self, wire: Wire, api_key: str, token: Callable[[], str]):
        from stagefy_cli.backend.storage import Storage

        self.wire = wire
        self._api_key = api_key
        self._token = token
        self.storage = Storage(self)

    @property
    def api_key(self) -> str:
        return self._api_key

    def access_token(self) -> str:
        return self._token()

    def table(self, name: str) -> Query:
        return Query(self, name)

    def rpc(self, function: str, params: dict | None = None) -> Call:
        return Call(self, function, params or {})

    def headers(self, extra: dict | None = None) -> dict[str, str]:
        return {
            "apikey": self._api_key,
            "Authorization": f"Bearer {self._token()}",
            "Accept": "application/json",
            **(extra or {}),
        }

    def request(self, method: str, path: str, *, params=None, headers=None, **body) -> Reply:
        """One request as the client's user or role; `body` is `json_body=` or `body=` as `Wire.request` takes them."""
        return self.wire.request(method, path, params=params, headers=self.headers(headers), **body)

    def stream(self, method: str, path: str, *, params=None, headers=None):
        """`Wire.stream` as the client's user or role: a context manager giving the answer to read in chunks."""
        return self.wire.stream(method, path, params=params, headers=self.headers(headers))
