"""Storage over the thin client: upload, download, read in chunks, remove, sign a download URL.

The calls of the Storage HTTP API that storage3 makes for the same thing (`/storage/v1/object/
BUCKET/PATH`), with the same call shape (`storage.from_(bucket).upload(path, data, options)`), so a
service or the worker works with either client. An upload is sent as a raw body (the API takes one
as well as storage3's multipart form), read from its file as it goes. Storage applies the bucket's
policies to whoever the client is (a signed-in user, or the worker's service role).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.wire import Answer, Reply

MEDIA_BUCKET = "media"  # the private bucket the migrations create: every photo, result and video


def _object_path(bucket: str, path: str, route: str = "object") -> str:
    return f"/storage/v1/{route}/{bucket}/{quote(path.strip('/'))}"


def _storage_error(status: int, body: bytes) -> ApiError:
    """Storage's answer `{"statusCode", "error", "message"}` as the error storage3 would raise: the
    status is the body's `statusCode` (Storage answers a missing object with HTTP 400 and "404")."""
    import json

    try:
        document = json.loads(body) if body else None
    except ValueError:
        document = None
    document = document if isinstance(document, dict) else {}
    code = str(document.get("statusCode") or "")
    return ApiError(
        "storage", document.get("message") or f"HTTP {status}", status=int(code) if code.isdigit() else status
    )


class Bucket:
    """Storage calls on one bucket, as the client's user or role."""

    def __init__(self, client, bucket: str):
        self._client = client  # a rest.RestClient
        self._bucket = bucket

    def _request(self, method: str, path: str, **options) -> Reply:
        """One call as the client's user or role; a refusal raises ApiError."""
        reply: Reply = self._client.request(method, path, **options)
        if not reply.ok:
            raise _storage_error(reply.status, reply.body)
        return reply

    def download(self, path: str) -> bytes:
        return self._request("GET", _object_path(self._bucket, path)).body

    @contextlib.contextmanager
    def open(self, path: str) -> Iterator[Answer]:
        """The object's answer, to read in chunks (`.chunks()`); a refusal raises ApiError first."""
        with self._client.stream("GET", _object_path(self._bucket, path)) as answer:
            if not answer.ok:
                raise _storage_error(answer.status, answer.read())
            yield answer

    def upload(self, path: str, file: bytes | Path | BinaryIO, file_options: dict | None = None) -> dict:
        """Create the object at `path`, with storage3's `file_options` names: `content-type`,
        `cache-control` (seconds) and `upsert` ("true" replaces an object already there; by default
        the upload is refused then)."""
        options = file_options or {}
        cache = str(options.get("cache-control") or "3600")
        headers = {
            "Content-Type": options.get("content-type") or "application/octet-stream",
            "Cache-Control": f"max-age={cache}" if cache.isdigit() else cache,
            "x-upsert": str(options.get("upsert") or "false").lower(),
        }
        with contextlib.ExitStack() as stack:
            if isinstance(file, Path):
                file = stack.enter_context(file.open("rb"))
            size = len(file) if isinstance(file, bytes) else os.fstat(file.fileno()).st_size
            headers["Content-Length"] = str(size)
            reply = self._request("POST", _object_path(self._bucket, path), headers=headers, body=file)
        return reply.json()

    def remove(self, paths: list[str]) -> list[dict]:
        """Delete the objects at `paths`; answers the objects removed (paths that match nothing are
        skipped, as Storage does)."""
        return self._request(
            "DELETE", f"/storage/v1/object/{self._bucket}", json_body={"prefixes": paths}
        ).json()

    def create_signed_url(self, path: str, expires_in: int) -> dict[str, str]:
        """A URL anybody can download the object from for `expires_in` seconds, under storage3's two
        keys (`signedURL`, `signedUrl`): Storage answers it relative to `/storage/v1`."""
        sign = _object_path(self._bucket, path, route="object/sign")
        signed = self._request("POST", sign, json_body={"expiresIn": expires_in}).json()["signedURL"]
        url = f"{self._client.wire.base_url}/storage/v1{signed}"
        return {"signedURL": url, "signedUrl": url}


class Storage:
    def __init__(self, client):
        self._client = client

    def from_(self, bucket: str) -> Bucket:
        return Bucket(self._client, bucket)
