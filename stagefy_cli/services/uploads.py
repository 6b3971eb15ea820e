"""Uploading the user's files to their own folder of the private `media` bucket.

Every submission (edits, videos, templates) uploads the same way; the entries returned are what the
SQL submit functions take: `{"path", "filename", "size", "mime_type"}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from stagefy_cli.backend.client import UserContext
from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.services.photos import Photo

UPLOAD_THREADS = 4


def upload_file(ctx: UserContext, path: Path, mime_type: str) -> dict:
    """Upload `path` to a new name in the user's folder (sent as it is read from disk)."""
    target = f"{ctx.user_id}/uploads/{uuid.uuid4().hex}{path.suffix.lower()}"
    size = path.stat().st_size
    with path.open("rb") as data:
        ctx.rest.storage.from_(MEDIA_BUCKET).upload(
            target, data, {"content-type": mime_type, "cache-control": "3600"}
        )
    return {"path": target, "filename": path.name, "size": size, "mime_type": mime_type}


def upload_sources(
    ctx: UserContext, sources: Sequence[Photo | dict], on_uploaded: Callable[[int], None] | None = None
) -> list[dict]:
    """Entries for `sources`, in their order: local photos are uploaded, several at once
    (`on_uploaded(bytes)` after each); entries already in the library (dicts) are passed through."""

    def entry(source: Photo | dict) -> dict:
        if not isinstance(source, Photo):
            return source
        uploaded = upload_file(ctx, source.path, source.mime_type)
        if on_uploaded:
            on_uploaded(source.size)
        return uploaded

    if sum(isinstance(source, Photo) for source in sources) <= 1:
        return [entry(source) for source in sources]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        return list(pool.map(entry, sources))
