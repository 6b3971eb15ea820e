"""The PostgREST subset of the local gateway, mounted at `/rest/v1` (docs/local-stack.md).

`GET|HEAD|POST|PATCH|DELETE /<table>` and `GET|HEAD|POST /rpc/<fn>`. Each request verifies the JWT,
then runs one statement inside `ctx.db.transaction(claims, ...)` -- role and claims set the way
PostgREST sets them, so row level security is PostgreSQL's own. Parsing lives in query.py,
SQL generation in sql.py, the schema cache in schema.py and error bodies in errors.py.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from urllib.parse import parse_qsl

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stagefy_cli.local.gateway.body_limit import REST_JSON_LIMIT, BodyTooLarge, read_body
from stagefy_cli.local.gateway.context import GatewayContext, InvalidToken
from stagefy_cli.local.gateway.rest.errors import JSON_MEDIA_TYPE, ApiError, from_connection, from_database
from stagefy_cli.local.gateway.rest.query import ApiQuery, parse_query
from stagefy_cli.local.gateway.rest.schema import EXPOSED_SCHEMA, Function, SchemaCache, Table
from stagefy_cli.local.gateway.rest.sql import (
    JSON_ARGS,
    Output,
    Statement,
    delete_statement,
    insert_statement,
    read_statement,
    rpc_statement,
    update_statement,
)
from stagefy_cli.local.gateway.threads import run_blocking

log = logging.getLogger(__name__)

OBJECT_MEDIA_TYPE = "application/vnd.pgrst.object+json; charset=utf-8"
_JSON_ACCEPTS = {"*/*", "application/*", "application/json"}
_OBJECT_ACCEPTS = {"application/vnd.pgrst.object+json", "application/vnd.pgrst.object"}
ALL_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"]


@dataclass
class RestRequest:
    """What the handlers need from an HTTP request, read on the event loop."""

    method: str
    path: str
    headers: dict[str, str]
    query_string: str
    body: bytes

    @property
    def head(self) -> bool:
        return self.method == "HEAD"

    @property
    def reads(self) -> bool:
        return self.method in ("GET", "HEAD")


@dataclass(frozen=True)
class Prefer:
    """The `Prefer` header's settings (several headers and comma-separated lists both allowed)."""

    return_: str = "minimal"
    count: bool = False
    resolution: str | None = None
    missing_default: bool = False

    @classmethod
    def parse(cls, header: str) -> Prefer:
        values = {}
        for token in header.split(","):
            key, _, value = token.strip().partition("=")
            values[key.strip()] = value.strip()
        resolution = values.get("resolution")
        return cls(
            return_=values.get("return", "minimal"),
            count=values.get("count") in ("exact", "planned", "estimated"),
            resolution=resolution if resolution in ("merge-duplicates", "ignore-duplicates") else None,
            missing_default=values.get("missing") == "default",
        )

    def applied(self) -> str:
        parts = [f"return={self.return_}"]
        if self.count:
            parts.append("count=exact")
        if self.resolution:
            parts.append(f"resolution={self.resolution}")
        if self.missing_default:
            parts.append("missing=default")
        return ", ".join(parts)


@dataclass(frozen=True)
class Result:
    total: int | None
    page_count: int
    body: str | None
    inserted: int | None


def _write_statement(
    req: RestRequest, table: Table, query: ApiQuery, out: Output, prefer: Prefer, schema: SchemaCache
) -> tuple[Table, Statement]:
    if req.method == "DELETE":  # supabase-py sends `{}` as the body: ignored
        return table, delete_statement(table, query, out, schema)
    payload, text = _json_body(req)
    if req.method == "PATCH":
        if not isinstance(payload, dict):
            raise ApiError(400, "PGRST102", "Empty or invalid json", "a PATCH body must be one object")
        table = _with_columns(schema, table, list(payload))
        return table, update_statement(table, query, out, schema, text, list(payload))
    if isinstance(payload, dict):
        rows_json = f"[{text}]"
        columns = query.columns or list(payload)
    elif isinstance(payload, list):
        rows_json = text
        columns = query.columns or _union_of_keys(payload)
    else:
        raise ApiError(400, "PGRST102", "Empty or invalid json", "expected an object or an array of objects")
    table = _with_columns(schema, table, columns)
    statement = insert_statement(
        table, query, out, schema, rows_json, columns, prefer.missing_default, prefer.resolution
    )
    return table, statement


def _with_columns(schema: SchemaCache, table: Table, columns: list[str]) -> Table:
    fresh = schema.table_with_columns(table.name, set(columns)) or table
    for column in columns:
        if column not in fresh.columns:
            raise ApiError(
                400,
                "PGRST204",
                f"Could not find the '{column}' column of '{table.name}' in the schema cache",
            )
    return fresh


def _json_rpc_statements(schema: SchemaCache):
    """`statement(function, args, query_string, out)` for an RPC called with a JSON body. Building
    an RPC's statement costs more than running a small one (a worker's completion takes 16
    arguments), so one is built once per function, argument names, query string and output shape,
    for the schema snapshot it was built from."""
    built_for = None

    @functools.lru_cache(maxsize=256)
    def shape(function: Function, names: frozenset, query_string: str, out: Output) -> Statement:
        return rpc_statement(function, dict.fromkeys(names), True, _parse(query_string), out, schema)

    def statement(function: Function, args: dict, query_string: str, out: Output) -> Statement:
        nonlocal built_for
        snapshot = schema.snapshot()
        if snapshot is not built_for:  # the schema was reloaded: build afresh
            shape.cache_clear()
            built_for = snapshot
        built = shape(function, frozenset(args), query_string, out)
        return Statement(built.query, {**built.params, JSON_ARGS: json.dumps(args)})

    return statement


def _check_profile(req: RestRequest) -> None:
    header = "accept-profile" if req.reads else "content-profile"
    profile = req.headers.get(header)
    if profile and profile != EXPOSED_SCHEMA:
        raise ApiError(
            406,
            "PGRST106",
            f"Invalid schema: {profile}",
            hint=f"Only the following schemas are exposed: {EXPOSED_SCHEMA}",
        )


def _run(
    ctx: GatewayContext, req: RestRequest, claims: dict, statement: Statement, read_only: bool, singular: bool
) -> Result:
    role = str(claims.get("role") or "anon")
    try:
        with ctx.db.transaction(
            claims, read_only=read_only, method=req.method, path=req.path, headers=req.headers
        ) as conn:
            row = conn.execute(statement.query, statement.params).fetchone()
            result = Result(row["total"], row["page_count"], row["body"], row["inserted"])
            if singular and result.page_count != 1:  # raised inside: a write is rolled back
                raise ApiError(
                    406,
                    "PGRST116",
                    "Cannot coerce the result to a single JSON object",
                    f"The result contains {result.page_count} rows",
                )
            return result
    except psycopg.OperationalError as exc:
        raise from_connection(exc, role) from None
    except psycopg.Error as exc:
        if exc.sqlstate is None:
            raise
        raise from_database(exc, role) from None


def _jwt_error(message: str) -> ApiError:
    code = "PGRST303" if message == "JWT expired" else "PGRST301"
    description = message.replace('"', "'")
    return ApiError(
        401,
        code,
        message,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'},
    )


def _function_not_found(name: str, args: list[str]) -> ApiError:
    listed = ", ".join(args)
    return ApiError(
        404,
        "PGRST202",
        f"Could not find the function {EXPOSED_SCHEMA}.{name}({listed}) in the schema cache",
        f"Searched for the function {EXPOSED_SCHEMA}.{name} with parameters {listed or '(none)'}, "
        "but no matches were found in the schema cache.",
    )


def _parse(query_string: str, arg_names: frozenset[str] = frozenset()) -> ApiQuery:
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        raise ApiError(400, "PGRST100", "invalid query string", str(exc)) from None
    return parse_query(pairs, arg_names)


def _json_body(req: RestRequest, empty=None):
    """The parsed body and its text (passed to PostgreSQL as is)."""
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "PGRST102", "Empty or invalid json", str(exc)) from None
    if not text.strip():
        if empty is not None:
            return empty, json.dumps(empty)
        raise ApiError(400, "PGRST102", "Empty or invalid json")
    try:
        return json.loads(text), text
    except ValueError as exc:
        raise ApiError(400, "PGRST102", "Empty or invalid json", str(exc)) from None


def _union_of_keys(rows: list) -> list[str]:
    keys: dict[str, None] = {}
    for row in rows:
        if not isinstance(row, dict):
            raise ApiError(400, "PGRST102", "Empty or invalid json", "expected an array of objects")
        keys.update(dict.fromkeys(row))
    return list(keys)


def _wants_object(req: RestRequest) -> bool:
    """True for `Accept: application/vnd.pgrst.object+json`; 406 for media types we cannot produce."""
    accept = req.headers.get("accept", "")
    types = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if not types:
        return False
    if any(t in _OBJECT_ACCEPTS for t in types):
        return True
    if any(t in _JSON_ACCEPTS for t in types):
        return False
    raise ApiError(406, "PGRST107", f"None of these media types are available: {accept}")


def _content_range(req: RestRequest, query: ApiQuery, result: Result) -> str:
    """`first-last/total` (total `*` when not counted); inserts and empty results give `*/total`."""
    total = "*" if result.total is None else str(result.total)
    rpc = req.path.startswith("/rpc/")
    if result.page_count == 0 or (req.method == "POST" and not rpc):
        return f"*/{total}"
    lower = (query.root.offset or 0) if req.reads or rpc else 0
    return f"{lower}-{lower + result.page_count - 1}/{total}"


def _read_status(query: ApiQuery, result: Result) -> int:
    """PostgREST's range status: 416 past the end, 206 for a partial page, else 200 (only when counted)."""
    if result.total is None:
        return 200
    lower = query.root.offset or 0
    if lower > result.total:
        raise ApiError(
            416,
            "PGRST103",
            "Requested range not satisfiable",
            f"An offset of {lower} was requested, but there are only {result.total} rows.",
        )
    if result.page_count < result.total:
        return 206
    return 200


def _table_status(req: RestRequest, query: ApiQuery, prefer: Prefer, result: Result, out: Output) -> int:
    if req.reads:
        return _read_status(query, result)
    if req.method == "POST":
        merged_all = (
            prefer.resolution == "merge-duplicates" and result.page_count > 0 and result.inserted == 0
        )
        return 200 if merged_all else 201
    return 200 if out.body else 204


def _json(body: str | None, status: int, headers: dict, singular: bool, head: bool) -> Response:
    media_type = OBJECT_MEDIA_TYPE if singular else JSON_MEDIA_TYPE
    content = b"" if head or body is None else body.encode()
    return Response(content, status_code=status, headers=headers, media_type=media_type)


def _header_dict(request: Request) -> dict[str, str]:
    """Lower-cased headers; repeated ones (e.g. two `Prefer` headers) joined with commas."""
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def create_app(ctx: GatewayContext) -> Starlette:
    """The `/rest/v1` ASGI app over `ctx`'s database, with its own schema cache. As in the gateway's
    other APIs, each route is a blocking function of the request (run on a worker thread: psycopg
    is synchronous) closing over what the app holds."""
    schema = SchemaCache(ctx.db)
    json_rpc_statement = _json_rpc_statements(schema)

    def table(req: RestRequest, name: str, claims: dict) -> Response:
        if req.method not in ("GET", "HEAD", "POST", "PATCH", "DELETE"):
            raise ApiError(405, "PGRST117", f"Unsupported HTTP method: {req.method}")
        found = schema.table(name)
        if found is None:
            raise ApiError(
                404,
                "PGRST205",
                f"Could not find the table '{EXPOSED_SCHEMA}.{name}' in the schema cache",
            )
        query = _parse(req.query_string)
        prefer = Prefer.parse(req.headers.get("prefer", ""))
        singular = _wants_object(req)
        if req.reads:
            out = Output(count=prefer.count, singular=singular, body=not req.head)
            statement = read_statement(found, query, out, schema)
        else:
            out = Output(count=prefer.count, singular=singular, body=prefer.return_ == "representation")
            found, statement = _write_statement(req, found, query, out, prefer, schema)
        result = _run(ctx, req, claims, statement, read_only=req.reads, singular=singular)

        headers = {"Content-Range": _content_range(req, query, result)}
        if not req.reads:
            headers["Preference-Applied"] = prefer.applied()
        status = _table_status(req, query, prefer, result, out)
        if req.reads or out.body:
            return _json(result.body, status, headers, singular, req.head)
        return Response(status_code=204 if req.method != "POST" else 201, headers=headers)

    def rpc(req: RestRequest, name: str, claims: dict) -> Response:
        if req.method not in ("GET", "HEAD", "POST"):
            raise ApiError(405, "PGRST101", "Only GET, HEAD and POST are allowed for functions")
        overloads = schema.overloads(name)
        if req.method == "POST":
            query = _parse(req.query_string)
            payload, _ = _json_body(req, empty={})
            if not isinstance(payload, dict):
                raise ApiError(
                    400, "PGRST102", "Empty or invalid json", "expected an object of named arguments"
                )
            args, args_are_json = payload, True
        else:
            arg_names = frozenset(a.name for f in overloads for a in f.arguments)
            query = _parse(req.query_string, arg_names)
            args, args_are_json = query.args, False
        function = schema.function(name, set(args))
        if function is None:
            raise _function_not_found(name, sorted(args))
        singular = _wants_object(req) and function.returns_set
        prefer = Prefer.parse(req.headers.get("prefer", ""))
        out = Output(count=prefer.count, singular=singular, body=not req.head)
        if args_are_json:
            statement = json_rpc_statement(function, args, req.query_string, out)
        else:
            statement = rpc_statement(function, args, False, query, out, schema)
        read_only = req.reads or function.read_only
        result = _run(ctx, req, claims, statement, read_only=read_only, singular=singular)
        if function.returns_void:
            return Response(status_code=204)
        headers = {"Content-Range": _content_range(req, query, result)} if function.returns_set else {}
        status = _read_status(query, result) if function.returns_set else 200
        return _json(result.body, status, headers, singular, req.head)

    def answer(route, req: RestRequest, name: str) -> Response:
        """`route`'s answer, after the checks every request gets; errors in PostgREST's shape."""
        try:
            _check_profile(req)
            try:
                claims = ctx.bearer_claims(req.headers)
            except InvalidToken as exc:
                raise _jwt_error(str(exc)) from None
            return route(req, name, claims)
        except ApiError as exc:
            return exc.response(head=req.head)
        except psycopg.OperationalError as exc:  # the schema cache's or a route's own database access
            return from_connection(exc).response(head=req.head)
        except Exception:  # never an HTML 500: log it and answer in PostgREST's shape
            log.exception("rest: unexpected error on %s %s", req.method, req.path)
            # PostgREST's code for its own internal errors (PGRST000 would read as the database down)
            return ApiError(500, "PGRSTX00", "internal gateway error").response(head=req.head)

    def endpoint(route, prefix: str):
        """`route` as a Starlette endpoint: the request read on the event loop, answered on a thread."""

        async def serve(request: Request) -> Response:
            name = request.path_params["name"]
            try:
                body = await read_body(request, REST_JSON_LIMIT)
            except BodyTooLarge as exc:
                return ApiError(413, "PGRST413", exc.message).response(head=request.method == "HEAD")
            req = RestRequest(
                method=request.method,
                path=prefix + name,
                headers=_header_dict(request),
                query_string=request.url.query,
                body=body,
            )
            return await run_blocking(answer, route, req, name)

        return serve

    async def unknown_path(request: Request) -> Response:
        error = ApiError(404, "PGRST125", "Invalid path specified in request URL")
        return error.response(head=request.method == "HEAD")

    return Starlette(
        routes=[
            Route("/rpc/{name}", endpoint(rpc, "/rpc/"), methods=ALL_METHODS),
            Route("/{name}", endpoint(table, "/"), methods=ALL_METHODS),
            Route("/{path:path}", unknown_path, methods=ALL_METHODS),
        ]
    )
