"""The media library (photos, videos and templates made for the agent), as the signed-in agent.

Rows live in `media_items`; the files in the private `media` bucket under the agent's own folder
(`<uid>/...`, the row's `url` is the object path). Downloads follow the one download policy
(`services/downloads.py`): streamed, never overwriting unless asked.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from stagefy_cli.backend.client import UserContext
from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.errors import NotFound, UsageError
from stagefy_cli.models import MEDIA_TYPES
from stagefy_cli.services import ids
from stagefy_cli.services.fields import check_choice

if TYPE_CHECKING:  # downloads and uploads are imported when used: `media list` needs neither
    from stagefy_cli.services.downloads import Download

SIGNED_URL_SECONDS = 300
CHUNK = 1 << 16


def _own(ctx: UserContext, ref: str) -> dict:
    media_id = ids.resolve(ctx.rest, "media_items", ref, "media item")
    rows = ctx.rest.table("media_items").select("*").eq("id", media_id).eq("user_id", ctx.user_id).execute()
    if not rows.data:
        raise NotFound(f"no media item with ID {ref}.")
    return rows.data[0]


def _update(ctx: UserContext, media: dict, changes: dict) -> dict:
    rows = (
        ctx.client.table("media_items")
        .update(changes)
        .eq("id", media["id"])
        .eq("user_id", ctx.user_id)
        .execute()
        .data
    )
    if not rows:
        raise NotFound(f"no media item with ID {media['id'][:8]}.")
    return rows[0]


def list_media(
    ctx: UserContext,
    *,
    listing_ref: str | None = None,
    contact_ref: str | None = None,
    media_type: str | None = None,
    favorites: bool = False,
    tag: str | None = None,
    limit: int = 30,
) -> tuple[list[dict], int | None]:
    check_choice(media_type, MEDIA_TYPES, "media_type")
    query = ctx.rest.table("media_items").select("*", count="exact").eq("user_id", ctx.user_id)
    if listing_ref:
        query = query.eq("listing_id", ids.resolve(ctx.rest, "crm_listings", listing_ref, "listing"))
    if contact_ref:
        query = query.eq("contact_id", ids.resolve(ctx.rest, "crm_contacts", contact_ref, "contact"))
    if media_type:
        query = query.eq("type", media_type)
    if favorites:
        query = query.is_("is_favorite", True)
    if tag:
        query = query.cs("tags", [tag])
    response = query.order("created_at", desc=True).order("id").limit(limit).execute()
    return response.data, response.count


def get_media(ctx: UserContext, ref: str) -> dict:
    return _own(ctx, ref)


def set_favorite(ctx: UserContext, ref: str, favorite: bool) -> dict:
    return _update(ctx, _own(ctx, ref), {"is_favorite": favorite})


def tag(ctx: UserContext, ref: str, tags: list[str], *, remove: bool = False) -> dict:
    """Add the tags (or remove them), keeping the others and their order."""
    wanted = [t.strip() for t in tags if t.strip()]
    if not wanted:
        raise UsageError("give at least one non-empty tag.")
    media = _own(ctx, ref)
    current = list(media.get("tags") or [])
    if remove:
        updated = [t for t in current if t not in wanted]
    else:
        updated = current + [t for t in dict.fromkeys(wanted) if t not in current]
    return _update(ctx, media, {"tags": updated})


def link(ctx: UserContext, ref: str, listing_ref: str) -> dict:
    """Attach the media item to one of the agent's listings. Row level security refuses another
    agent's listing even if its ID were known (the policy checks the listing's owner)."""
    media = _own(ctx, ref)
    listing_id = ids.resolve(ctx.client, "crm_listings", listing_ref, "listing")
    return _update(ctx, media, {"listing_id": listing_id})


def delete(ctx: UserContext, ref: str) -> dict:
    """Delete the row, then its files from the agent's folder of the bucket."""
    media = _own(ctx, ref)
    rows = ctx.client.table("media_items").delete().eq("id", media["id"]).eq("user_id", ctx.user_id).execute()
    if not rows.data:
        raise NotFound(f"no media item with ID {ref}.")
    paths = [p for p in (media.get("url"), media.get("thumbnail_url")) if p and _in_own_folder(ctx, p)]
    if paths:
        ctx.client.storage.from_(MEDIA_BUCKET).remove(paths)
    return media


def _in_own_folder(ctx: UserContext, path: str) -> bool:
    return PurePosixPath(path).parts[:1] == (ctx.user_id,)


# -- downloads --------------------------------------------------------------------------------


def plan_downloads(
    ctx: UserContext, refs: list[str], out_dir: Path, force: bool
) -> tuple[list[dict], list[Download]]:
    """The media items and their downloads: every ID resolved and every file named (by the item's
    title, the storage name when it has none) before anything downloads, to be saved by the
    download policy (`services/downloads.py`)."""
    from stagefy_cli.services.downloads import Download, choose_targets

    media_items = [_own(ctx, ref) for ref in dict.fromkeys(refs)]
    targets = choose_targets([out_dir / file_name(media) for media in media_items], force)
    downloads = [
        Download(media["url"], target, f"the file of media item {media['id'][:8]}", media.get("file_size"))
        for media, target in zip(media_items, targets, strict=True)
    ]
    return media_items, downloads


# Characters this platform's file names cannot hold (Windows forbids the most; macOS shows `:` as
# `/`; Linux only `/`), plus control characters, which no name needs and a terminal may obey.
_FORBIDDEN = {"nt": '<>:"/\\|?*', "darwin": ":/"}.get("nt" if os.name == "nt" else sys.platform, "/")
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f{re.escape(_FORBIDDEN)}]+")
_MAX_STEM = 120


def file_name(media: dict) -> str:
    """A safe file name from the media title, with the stored file's extension:
    `Kitchen, staged` stored as `.../9f2c.jpg` -> `Kitchen, staged.jpg`."""
    stored = PurePosixPath(media["url"])
    suffix = stored.suffix.lower()
    title = (media.get("title") or "").strip()
    if suffix and title.lower().endswith(suffix):
        title = title[: -len(suffix)]
    stem = _UNSAFE.sub("_", title).strip(" ._")[:_MAX_STEM].rstrip(" .")
    return f"{stem or stored.stem or media['id']}{suffix}"
