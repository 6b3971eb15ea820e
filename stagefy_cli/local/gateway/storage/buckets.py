"""Bucket routes: create, list, get, update, empty, delete, all under the caller's RLS on
`storage.buckets` (only service_role may create or change buckets unless policies say otherwise)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.storage import queries
from stagefy_cli.local.gateway.storage.blobs import BlobStore, check_bucket_id
from stagefy_cli.local.gateway.storage.errors import StorageError, bucket_not_found, invalid_request
from stagefy_cli.local.gateway.storage.http import Caller, endpoint, jsonable, superuser

_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


def bucket_json(row: dict) -> dict:
    """Every key storage3's BaseBucket requires; `owner` is a string, "" when unset."""
    out = jsonable(row)
    out["owner"] = out["owner"] or ""
    out["type"] = "STANDARD"
    return out


def _size_limit(value: object) -> int | None:
    """`file_size_limit` as a byte count: an integer, or Storage's string form such as "5MB"."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is None:
        raise invalid_request("file_size_limit must be a byte count or a size such as '5MB'")
    return int(match.group(1)) * _UNITS[match.group(2) and match.group(2).lower()]


def _mime_types(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid_request("allowed_mime_types must be an array of strings")
    return value


def _options(body: dict) -> dict:
    """The bucket columns present in the body, validated."""
    options = {}
    if "public" in body:
        options["public"] = bool(body["public"])
    if "file_size_limit" in body:
        options["file_size_limit"] = _size_limit(body["file_size_limit"])
    if "allowed_mime_types" in body:
        options["allowed_mime_types"] = _mime_types(body["allowed_mime_types"])
    return options


def bucket_routes(ctx: GatewayContext, blobs: BlobStore) -> list[Route]:
    def create(request: Request, body: dict) -> Response:
        bucket_id = body.get("id") or body.get("name")
        if not isinstance(bucket_id, str):
            raise invalid_request("body must have required property 'name'")
        check_bucket_id(bucket_id)
        caller = Caller.of(ctx, request)
        columns = {"id": bucket_id, "name": body.get("name") or bucket_id, **_options(body)}
        columns["owner_id"] = caller.owner_id
        columns["owner"] = queries.owner_uuid(caller.owner_id)
        names = ", ".join(columns)
        placeholders = ", ".join(["%s"] * len(columns))
        with caller.transaction(duplicate_code="ResourceAlreadyExists") as conn:
            conn.execute(
                f"insert into storage.buckets ({names}) values ({placeholders})", list(columns.values())
            )
        return JSONResponse({"name": bucket_id})

    def list_buckets(request: Request, body: dict) -> Response:
        with Caller.of(ctx, request).transaction(read_only=True) as conn:
            rows = conn.execute(
                f"select {queries.BUCKET_COLUMNS} from storage.buckets order by name"
            ).fetchall()
        return JSONResponse([bucket_json(row) for row in rows])

    def get(request: Request, body: dict) -> Response:
        with Caller.of(ctx, request).transaction(read_only=True) as conn:
            row = queries.find_bucket(conn, request.path_params["bucket"])
        return JSONResponse(bucket_json(row))

    def update(request: Request, body: dict) -> Response:
        options = _options(body)
        if not options:
            return JSONResponse({"message": "Successfully updated"})
        assignments = ", ".join(f"{column} = %s" for column in options)
        with Caller.of(ctx, request).transaction() as conn:
            updated = conn.execute(
                f"update storage.buckets set {assignments}, updated_at = now() where id = %s returning id",
                [*options.values(), request.path_params["bucket"]],
            ).fetchone()
        if updated is None:
            raise bucket_not_found()
        return JSONResponse({"message": "Successfully updated"})

    def empty(request: Request, body: dict) -> Response:
        bucket_id = request.path_params["bucket"]
        with superuser(ctx) as conn:
            queries.find_bucket(conn, bucket_id)
        with Caller.of(ctx, request).transaction() as conn:
            deleted = queries.delete_objects(conn, bucket_id, None)
        for row in deleted:
            blobs.delete(bucket_id, row["name"])
        return JSONResponse({"message": "Successfully emptied"})

    def delete(request: Request, body: dict) -> Response:
        bucket_id = request.path_params["bucket"]
        with superuser(ctx) as conn:  # objects the caller cannot see still keep the bucket
            if conn.execute(
                "select 1 from storage.objects where bucket_id = %s limit 1", (bucket_id,)
            ).fetchone():
                raise StorageError(
                    409, "InvalidRequest", "InvalidRequest", "The bucket you tried to delete is not empty"
                )
        with Caller.of(ctx, request).transaction() as conn:
            deleted = conn.execute(
                "delete from storage.buckets where id = %s returning id", (bucket_id,)
            ).fetchone()
        if deleted is None:
            raise bucket_not_found()
        blobs.delete_bucket(bucket_id)
        return JSONResponse({"message": "Successfully deleted"})

    return [
        Route("/bucket", endpoint(create), methods=["POST"]),
        Route("/bucket", endpoint(list_buckets), methods=["GET"]),
        Route("/bucket/{bucket}", endpoint(get), methods=["GET"]),
        Route("/bucket/{bucket}", endpoint(update), methods=["PUT"]),
        Route("/bucket/{bucket}", endpoint(delete), methods=["DELETE"]),
        Route("/bucket/{bucket}/empty", endpoint(empty), methods=["POST"]),
    ]
