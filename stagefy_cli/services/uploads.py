"""Uploading the user's files to their own folder of the private `media` bucket.

Every submission (edits, videos, templates) uploads the same way; the entries returned are what the
SQL submit functions take: `{"path", "filename", "size", "mime_type"}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from stagefy_cli.backend.client import UserContext
from stagefy_cli.services.photos import Photo

BUCKET = "media"


def upload_file(ctx: UserContext, path: Path, mime_type: str) -> dict:
    target = f"{ctx.user_id}/uploads/{uuid.uuid4().hex}{path.suffix.lower()}"
    data = path.read_bytes()
    ctx.client.storage.from_(BUCKET).upload(
        target, data, {"content-type": mime_type, "cache-control": "3600"}
    )
    return {"path": target, "filename": path.name, "size": len(data), "mime_type": mime_type}


def upload_sources(
    ctx: UserContext, sources: Sequence[Photo | dict], on_uploaded: Callable[[int], None] | None = None
) -> list[dict]:
    """Entries for `sources`: local photos are uploaded (`on_uploaded(bytes)` after each); entries
    already in the library (dicts) are passed through."""
    entries = []
    for source in sources:
        if isinstance(source, Photo):
            entries.append(upload_file(ctx, source.path, source.mime_type))
            if on_uploaded:
                on_uploaded(source.size)
        else:
            entries.append(source)
    return entries
