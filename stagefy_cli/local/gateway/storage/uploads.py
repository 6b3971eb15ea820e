"""Uploads: POST (new key, or upsert with `x-upsert: true`) and PUT (overwrite) of `/object/{bucket}/{key}`.

Storage's order of work: resolve the bucket, test the caller's permission by running the row write
in a transaction that is rolled back, receive the bytes into a temp file (multipart, or a raw body
streamed with `request.stream()`), then write the row and move the bytes into place in one
transaction, so a refused or failed upload leaves neither a row nor a file. A raw body of up to
IN_MEMORY_BYTES skips the probe: it is read first, and the one transaction's row write is the test.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stagefy_cli.local.gateway.body_limit import BodyTooLarge, read_body
from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.storage import queries
from stagefy_cli.local.gateway.storage.blobs import (
    IN_MEMORY_BYTES,
    BlobStore,
    PayloadTooLarge,
    PendingBlob,
    check_key,
)
from stagefy_cli.local.gateway.storage.errors import StorageError, invalid_request
from stagefy_cli.local.gateway.storage.http import Caller, iso
from stagefy_cli.local.gateway.storage.sniffing import SNIFF_BYTES, check_content
from stagefy_cli.local.gateway.threads import run_blocking

DEFAULT_MIMETYPE = "application/octet-stream"
DEFAULT_CACHE_SECONDS = "3600"
COPY_CHUNK = 1024 * 1024


class _PermissionProbe(Exception):
    """Raised inside the permission test to roll its transaction back."""

    def __init__(self, bucket: dict):
        super().__init__()
        self.bucket = bucket


@dataclass
class Received:
    """An upload's body and what the request said about it: streamed into a temp file (`blob`), or
    a small one held in memory (`data`) until its row is written."""

    etag: str
    mimetype: str
    cache_control: str
    user_metadata: dict | None
    blob: PendingBlob | None = None
    data: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.blob.size

    @property
    def head(self) -> bytes:
        """The first bytes, which say what the file is."""
        return self.data[:SNIFF_BYTES] if self.data is not None else self.blob.head

    def check(self, bucket: dict) -> None:
        """The bucket's size limit and allowed types, as the bucket is now, and that an image or a
        video is what its type says."""
        limit = bucket["file_size_limit"]
        if limit is not None and self.size > limit:
            raise PayloadTooLarge()
        _check_mimetype(bucket, self.mimetype)
        check_content(self.mimetype, self.head)

    def file(self, blobs: BlobStore) -> Path:
        """The body in a finished temp file (a small body is written and synced only now)."""
        if self.blob is None:
            self.blob = blobs.receive()
            self.blob.write(self.data)
            self.blob.finish()
        return self.blob.path

    def discard(self) -> None:
        if self.blob is not None:
            self.blob.discard()


def _cache_control(value: str | None) -> str:
    value = (value or DEFAULT_CACHE_SECONDS).strip()
    return f"max-age={value}" if value.isdigit() else value


def _check_mimetype(bucket: dict, mimetype: str) -> None:
    allowed = bucket["allowed_mime_types"]
    base = mimetype.split(";")[0].strip().lower()
    if allowed and not any(fnmatch.fnmatchcase(base, pattern.lower()) for pattern in allowed):
        raise StorageError(
            415, "invalid_mime_type", "InvalidMimeType", f"mime type {mimetype} is not supported"
        )


def _held_in_memory(request: Request) -> bool:
    """A raw body of a declared size up to IN_MEMORY_BYTES (a photo, a job's result)."""
    declared = request.headers.get("content-length", "")
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    return not multipart and declared.isdigit() and int(declared) <= IN_MEMORY_BYTES


def _raw_body(request: Request, **body) -> Received:
    return Received(
        "",
        request.headers.get("content-type") or DEFAULT_MIMETYPE,
        _cache_control(request.headers.get("cache-control")),
        _metadata_header(request),
        **body,
    )


async def receive_in_memory(request: Request) -> Received:
    try:
        data = await read_body(request, IN_MEMORY_BYTES)
    except BodyTooLarge:
        raise PayloadTooLarge() from None
    received = _raw_body(request, data=data)
    received.etag = hashlib.md5(data).hexdigest()
    return received


async def receive_body(request: Request, blobs: BlobStore, bucket: dict) -> Received:
    """Stream the upload into a temp file; the caller installs or discards it."""
    blob = blobs.receive(bucket["file_size_limit"])
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            received = await _receive_multipart(request, blob)
        else:
            async for chunk in request.stream():
                await run_blocking(blob.write, chunk)
            received = _raw_body(request, blob=blob)
        received.check(bucket)
        received.etag = await run_blocking(blob.finish)
        return received
    except BaseException:
        blob.discard()
        raise


async def _receive_multipart(request: Request, blob: PendingBlob) -> Received:
    # Starlette spools file parts to disk past 1 MB, so a large upload is never held in memory.
    async with request.form(max_files=1, max_fields=10) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise invalid_request("The multipart body has no file part")

        def copy() -> None:
            while chunk := file.file.read(COPY_CHUNK):
                blob.write(chunk)

        await run_blocking(copy)
        mimetype = form.get("contentType") or file.content_type or DEFAULT_MIMETYPE
        metadata = form.get("metadata")
        return Received(
            "", str(mimetype), _cache_control(form.get("cacheControl")), _parse_metadata(metadata), blob=blob
        )


def _metadata_header(request: Request) -> dict | None:
    raw = request.headers.get("x-metadata")
    if raw is None:
        return None
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
    except ValueError as exc:
        raise invalid_request("x-metadata must be base64-encoded JSON") from exc
    return _parse_metadata(decoded)


def _parse_metadata(raw: object) -> dict | None:
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(str(raw))
    except ValueError as exc:
        raise invalid_request("metadata is not valid JSON") from exc
    if not isinstance(value, dict):
        raise invalid_request("metadata must be a JSON object")
    return value


def object_metadata(received: Received) -> dict:
    return {
        "eTag": f'"{received.etag}"',
        "size": received.size,
        "mimetype": received.mimetype,
        "cacheControl": received.cache_control,
        "lastModified": iso(datetime.now(UTC)),
        "contentLength": received.size,
        "httpStatusCode": 200,
    }


def test_permission(caller: Caller, bucket_id: str, name: str, upsert: bool) -> dict:
    """Resolve the bucket and run the row write as the caller, then roll both back: RLS refuses
    before any byte is received. Returns the bucket."""
    try:
        with caller.in_bucket(bucket_id) as (conn, bucket):
            queries.write_object(
                conn,
                bucket_id=bucket_id,
                name=name,
                owner_id=caller.owner_id,
                metadata={},
                user_metadata=None,
                upsert=upsert,
            )
            raise _PermissionProbe(bucket)
    except _PermissionProbe as probe:
        return probe.bucket


def commit_upload(
    caller: Caller, blobs: BlobStore, bucket_id: str, name: str, received: Received, upsert: bool
) -> str:
    """Check the body against the bucket, write the row as the caller and move the bytes into place,
    in one transaction. Returns the object id."""
    with caller.in_bucket(bucket_id) as (conn, bucket):
        received.check(bucket)
        object_id = queries.write_object(
            conn,
            bucket_id=bucket_id,
            name=name,
            owner_id=caller.owner_id,
            metadata=object_metadata(received),
            user_metadata=received.user_metadata,
            upsert=upsert,
        )
        blobs.install(received.file(blobs), bucket_id, name)
    return str(object_id)


async def store_upload(
    caller: Caller, blobs: BlobStore, request: Request, bucket_id: str, name: str, upsert: bool
) -> Response:
    """The whole upload as one route does it; `caller` may be a superuser stand-in (signed uploads)."""
    check_key(name)
    if _held_in_memory(request):
        # A small body is simply read: the permission is tested by the write itself, and the upload
        # is one transaction on one worker thread.
        received = await receive_in_memory(request)
    else:
        bucket = await run_blocking(test_permission, caller, bucket_id, name, upsert)
        received = await receive_body(request, blobs, bucket)
    try:
        object_id = await run_blocking(commit_upload, caller, blobs, bucket_id, name, received, upsert)
    finally:
        received.discard()
    return JSONResponse({"Id": object_id, "Key": f"{bucket_id}/{name}"})


def upload_handler(ctx: GatewayContext, blobs: BlobStore):
    """The endpoint of POST and PUT `/object/{bucket}/{key}`."""

    async def upload(request: Request) -> Response:
        caller = Caller.of(ctx, request)
        upsert = request.method == "PUT" or request.headers.get("x-upsert", "").lower() == "true"
        return await store_upload(
            caller, blobs, request, request.path_params["bucket"], request.path_params["key"], upsert
        )

    return upload
