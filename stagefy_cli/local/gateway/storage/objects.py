"""Object routes other than uploads and signing: download, info, list, remove, move, copy."""

from __future__ import annotations

from stat import S_ISREG

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.storage import queries
from stagefy_cli.local.gateway.storage.blobs import IN_MEMORY_BYTES, BlobStore, check_key
from stagefy_cli.local.gateway.storage.errors import bucket_not_found, invalid_request, object_not_found
from stagefy_cli.local.gateway.storage.http import Caller, endpoint, iso, jsonable, superuser

MAX_REMOVE = 1000
MAX_LIST = 1000


def file_response(blobs: BlobStore, row: dict, request: Request) -> Response:
    """An object's bytes with Storage's headers; `?download[=name]` makes it an attachment.

    Called on a worker thread. An object of up to IN_MEMORY_BYTES (a photo, a job's result) is read
    here and sent from memory; a larger one, or a range, is streamed from disk by FileResponse,
    which hands every read to a thread of its own (four thread hand-offs for a small file)."""
    path = blobs.path(row["bucket_id"], row["name"])
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise object_not_found() from None
    if not S_ISREG(stat.st_mode):
        raise object_not_found()
    metadata = row["metadata"] or {}
    # nosniff: a browser renders the bytes as the stored type says, never as what they look like
    headers = {
        "Cache-Control": metadata.get("cacheControl") or "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    if metadata.get("eTag"):
        headers["ETag"] = metadata["eTag"]
    download = request.query_params.get("download")
    streamed = FileResponse(  # also what writes Content-Disposition and Last-Modified for both
        path,
        media_type=metadata.get("mimetype") or "application/octet-stream",
        headers=headers,
        filename=(download or row["name"].rsplit("/", 1)[-1]) if download is not None else None,
        stat_result=stat,
    )
    if stat.st_size > IN_MEMORY_BYTES or "range" in request.headers:
        return streamed
    try:
        body = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise object_not_found() from None
    return Response(body, headers={k: v for k, v in streamed.headers.items() if k != "content-length"})


def object_info(row: dict) -> dict:
    metadata = row["metadata"] or {}
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "version": row["version"],
        "bucket_id": row["bucket_id"],
        "size": metadata.get("size"),
        "content_type": metadata.get("mimetype"),
        "cache_control": metadata.get("cacheControl"),
        "etag": metadata.get("eTag"),
        "metadata": row["user_metadata"] or {},
        "last_modified": iso(row["updated_at"]),
        "created_at": iso(row["created_at"]),
    }


def _int_option(body: dict, key: str, default: int, maximum: int | None = None) -> int:
    value = body.get(key, default)
    try:
        value = int(value)
    except (TypeError, ValueError) as exc:
        raise invalid_request(f"body/{key} must be an integer") from exc
    if value < 0:
        raise invalid_request(f"body/{key} must be >= 0")
    return min(value, maximum) if maximum else value


def _key_param(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise invalid_request(f"body must have required property '{key}'")
    return check_key(value)


def object_routes(ctx: GatewayContext, blobs: BlobStore) -> list[Route]:
    def download(request: Request, body: dict) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        with Caller.of(ctx, request).in_bucket(bucket_id, read_only=True) as (conn, _):
            row = queries.find_object(conn, bucket_id, name)
        return file_response(blobs, row, request)

    def public_download(request: Request, body: dict) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        with superuser(ctx) as conn:
            if not queries.find_bucket(conn, bucket_id)["public"]:
                raise bucket_not_found()
            row = queries.find_object(conn, bucket_id, name)
        return file_response(blobs, row, request)

    def info(request: Request, body: dict) -> Response:
        bucket_id, name = request.path_params["bucket"], check_key(request.path_params["key"])
        with Caller.of(ctx, request).in_bucket(bucket_id, read_only=True) as (conn, _):
            row = queries.find_object(conn, bucket_id, name)
        return JSONResponse(object_info(row))

    def list_objects(request: Request, body: dict) -> Response:
        bucket_id = request.path_params["bucket"]
        prefix, search = body.get("prefix") or "", body.get("search") or ""
        if not isinstance(prefix, str) or not isinstance(search, str):
            raise invalid_request("body/prefix and body/search must be strings")
        sort_by = body.get("sortBy") if isinstance(body.get("sortBy"), dict) else {}
        with Caller.of(ctx, request).in_bucket(bucket_id, read_only=True) as (conn, _):
            rows = queries.list_folder(
                conn,
                bucket_id,
                prefix,
                search,
                limit=_int_option(body, "limit", 100, MAX_LIST),
                offset=_int_option(body, "offset", 0),
                sort_column=str(sort_by.get("column") or "name"),
                descending=str(sort_by.get("order") or "asc").lower() == "desc",
            )
        return JSONResponse([jsonable(row) for row in rows])

    def remove(request: Request, body: dict) -> Response:
        bucket_id, names = request.path_params["bucket"], body.get("prefixes")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise invalid_request("body/prefixes must be a non-empty array of strings")
        if len(names) > MAX_REMOVE:
            raise invalid_request(f"body/prefixes must NOT have more than {MAX_REMOVE} items")
        with Caller.of(ctx, request).in_bucket(bucket_id) as (conn, _):
            deleted = queries.delete_objects(conn, bucket_id, names)
        # Bytes go only after the rows are gone for good; a failed commit leaves both in place.
        for row in deleted:
            blobs.delete(bucket_id, row["name"])
        return JSONResponse([jsonable(row) for row in deleted])

    def transfer_params(body: dict) -> tuple[str, str, str, str]:
        bucket_id = body.get("bucketId")
        if not isinstance(bucket_id, str) or not bucket_id:
            raise invalid_request("body must have required property 'bucketId'")
        to_bucket = body.get("destinationBucket") or bucket_id
        source, destination = _key_param(body, "sourceKey"), _key_param(body, "destinationKey")
        return bucket_id, source, to_bucket, destination

    def move(request: Request, body: dict) -> Response:
        bucket_id, source, to_bucket, destination = transfer_params(body)
        with Caller.of(ctx, request).in_bucket(bucket_id, to_bucket) as (conn, _):
            queries.rename_object(conn, bucket_id, source, to_bucket, destination)
            blobs.move(bucket_id, source, to_bucket, destination)
        return JSONResponse({"message": "Successfully moved"})

    def copy(request: Request, body: dict) -> Response:
        bucket_id, source, to_bucket, destination = transfer_params(body)
        caller = Caller.of(ctx, request)
        with caller.in_bucket(bucket_id, to_bucket) as (conn, _):
            row = queries.find_object(conn, bucket_id, source)
            object_id = queries.write_object(
                conn,
                bucket_id=to_bucket,
                name=destination,
                owner_id=caller.owner_id,
                metadata=row["metadata"] or {},
                user_metadata=row["user_metadata"],
                upsert=False,
            )
            blobs.copy(bucket_id, source, to_bucket, destination)
        return JSONResponse({"Id": str(object_id), "Key": f"{to_bucket}/{destination}"})

    return [
        Route("/object/public/{bucket}/{key:path}", endpoint(public_download), methods=["GET"]),
        Route("/object/authenticated/{bucket}/{key:path}", endpoint(download), methods=["GET"]),
        Route("/object/info/authenticated/{bucket}/{key:path}", endpoint(info), methods=["GET"]),
        Route("/object/info/{bucket}/{key:path}", endpoint(info), methods=["GET"]),
        Route("/object/list/{bucket}", endpoint(list_objects), methods=["POST"]),
        Route("/object/move", endpoint(move), methods=["POST"]),
        Route("/object/copy", endpoint(copy), methods=["POST"]),
        Route("/object/{bucket}", endpoint(remove), methods=["DELETE"]),
        Route("/object/{bucket}/{key:path}", endpoint(download), methods=["GET"]),
    ]
