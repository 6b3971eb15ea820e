"""Links to send to a seller: signed Storage URLs for media in the agent's private library.

The bucket stays private. Storage signs a URL only for an object the caller may read (its row level
security on `storage.objects`), and the URL works without a session until it expires. The library
rows are read through row level security too, so another agent's media is "not found".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from stagefy_cli.backend.client import UserContext
from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.errors import FieldError, NotFound
from stagefy_cli.services import ids, media

MAX_SECONDS = 365 * 24 * 3600
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_expires(value: str) -> int:
    """`90s`, `30m`, `12h`, `7d`, `2w` as seconds (1 second to 365 days)."""
    match = _DURATION.match(value or "")
    if not match:
        raise FieldError(
            f"{{expires}} '{value}' is not a duration. Use a number and a unit: 30m, 12h, 7d or 2w.",
            "expires",
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if not 1 <= seconds <= MAX_SECONDS:
        raise FieldError("{expires} must be between 1 second and 365 days.", "expires")
    return seconds


def _link(ctx: UserContext, item: dict, seconds: int) -> dict:
    # Opened in a browser, the link saves the file under the result's name, as `media download` does.
    signed = ctx.client.storage.from_(MEDIA_BUCKET).create_signed_url(
        item["url"], seconds, {"download": media.file_name(item)}
    )
    expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
    return {
        "id": item["id"],
        "type": item["type"],
        "title": item.get("title"),
        "path": item["url"],
        "url": signed.get("signedURL") or signed.get("signedUrl"),
        "expires_in": seconds,
        "expires_at": expires_at.isoformat(timespec="seconds"),
    }


def share_media(ctx: UserContext, ref: str, expires: str) -> dict:
    """A signed link to one media item of the agent's library."""
    seconds = parse_expires(expires)
    return _link(ctx, media.get_media(ctx, ref), seconds)


def share_project(ctx: UserContext, ref: str, expires: str) -> list[dict]:
    """Signed links to every result of a project (its media items), oldest first."""
    seconds = parse_expires(expires)
    project_id = ids.resolve(ctx.client, "projects", ref, "project")
    project = ctx.client.table("projects").select("id,status").eq("id", project_id).execute().data
    if not project:
        raise NotFound(f"no project with ID {ref}.")
    results = (
        ctx.client.table("media_items")
        .select("*")
        .eq("project_id", project_id)
        .eq("user_id", ctx.user_id)
        .order("created_at")
        .order("id")
        .execute()
        .data
    )
    if not results:
        raise NotFound(f"project {project_id[:8]} has no results to share (status {project[0]['status']}).")
    return [_link(ctx, item, seconds) for item in results]
