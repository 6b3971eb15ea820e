"""Listing videos as the signed-in agent: photos from disk or the library, music, quote, submit.

The price, the debit and the queueing happen in SQL (`submit_video`); the worker renders. Photos given
as media ids are not uploaded again: their stored path goes into the job as it is. Templates take
their photos the same way (`resolve_photos`; uploads in services/uploads.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import FieldError, NotFound, UsageError, has_extra
from stagefy_cli.imaging.video.photos import FIT_STYLES
from stagefy_cli.services import ids
from stagefy_cli.services.charging import charge
from stagefy_cli.services.fields import check_choice
from stagefy_cli.services.photos import Photo, check_photo

FORMATS = ("landscape", "reel", "square")
MOTIONS = ("ai",)
SHARP_ENLARGEMENT = 2.0  # a photo blown up more than this looks soft
MAX_MUSIC_BYTES = 50 * 1024 * 1024
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
}
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@dataclass(frozen=True)
class VideoOptions:
    format: str = "landscape"
    seconds_per_photo: float = 3.0
    title: str | None = None
    motion: str | None = None
    listing_id: str | None = None
    fit: str | None = None

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def validate_options(options: VideoOptions) -> None:
    check_choice(options.format, FORMATS, "video_format")
    check_choice(options.fit, FIT_STYLES, "fit")
    check_choice(options.motion, MOTIONS, "motion")
    if not 1 <= options.seconds_per_photo <= 10:
        raise FieldError("{seconds_per_photo} must be between 1 and 10.", "seconds_per_photo")


def library_photo(ctx: UserContext, ref: str) -> dict:
    """A photo already in the media library, as a job input entry (its stored path, not re-uploaded)."""
    media_id = ids.resolve(ctx.client, "media_items", ref, "media item")
    rows = (
        ctx.client.table("media_items")
        .select("id,type,url,title,listing_id")
        .eq("id", media_id)
        .eq("user_id", ctx.user_id)
        .execute()
        .data
    )
    if not rows:
        raise NotFound(f"no media item with ID {ref}.")
    suffix = PurePosixPath(rows[0]["url"]).suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise UsageError(
            f"media item {ref} is a {rows[0]['type']} ({suffix or 'no extension'}), not a photo."
        )
    return {
        "path": rows[0]["url"],
        "filename": f"{_library_name(ctx, rows[0]) or f'media-{media_id[:8]}'}{suffix}",
        "mime_type": IMAGE_TYPES[suffix],
    }


def _library_name(ctx: UserContext, item: dict) -> str | None:
    """What a library photo is called where a file name is made from it (a video with neither
    --listing nor --title is named after its first photo): its listing's address, else its title."""
    if item.get("listing_id"):
        listing = (
            ctx.client.table("crm_listings").select("address").eq("id", item["listing_id"]).execute().data
        )
        if listing and (listing[0].get("address") or "").strip():
            return listing[0]["address"].strip()
    title = (item.get("title") or "").strip()
    stem, dot, extension = title.rpartition(".")
    return (stem if dot and f".{extension.lower()}" in (*IMAGE_TYPES, ".heic") else title) or None


def resolve_photos(ctx: UserContext, refs: Sequence[str]) -> list[Photo | dict]:
    """Each argument is a photo file (checked, to upload) or else the ID of a photo in the library."""
    resolved: list[Photo | dict] = []
    for ref in refs:
        path = Path(ref)
        if path.exists() or path.suffix.lower() in (*IMAGE_TYPES, ".heic", ".heif"):
            resolved.append(check_photo(path))
        else:
            try:
                resolved.append(library_photo(ctx, ref))
            except UsageError as exc:  # not hex at all: it was meant as a file
                raise UsageError(f"{ref}: no such file, and not a media ID either.") from exc
    return resolved


def soft_photos(sources: Sequence[Photo | dict], video_format: str) -> list[str]:
    """A line for each photo file the video would blow up more than SHARP_ENLARGEMENT times (it
    would look soft), naming its size and how much larger a sharp one is."""
    from stagefy_cli.imaging.video.photos import enlargement
    from stagefy_cli.imaging.video.types import frame_size

    frame = frame_size(video_format)
    lines = []
    for source in sources:
        if not isinstance(source, Photo):
            continue  # a library photo: its size is not known here
        factor = enlargement((source.width, source.height), frame)
        if factor > SHARP_ENLARGEMENT:
            lines.append(
                f"{source.path.name} ({source.width}x{source.height}) is enlarged {factor:.1f}x in a "
                f"{video_format} video and will look soft; a photo at least "
                f"{factor / SHARP_ENLARGEMENT:.1f}x as large in each direction stays sharp."
            )
    return lines


def check_music(path: Path) -> Path:
    """A real audio file PyAV can decode, of a reasonable size. Without PyAV (the worker extras)
    only its name and size are checked here: the worker decodes it, and a failed video is refunded."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file.")
    if path.suffix.lower() not in AUDIO_TYPES:
        raise UsageError(f"{path}: music must be one of {', '.join(AUDIO_TYPES)}.")
    size = path.stat().st_size
    if size == 0 or size > MAX_MUSIC_BYTES:
        raise UsageError(f"{path}: music files must be between 1 byte and {MAX_MUSIC_BYTES // 2**20} MB.")
    if not has_extra("worker"):
        return path
    from stagefy_cli.imaging.errors import RenderError
    from stagefy_cli.imaging.video.audio import MusicTrack

    try:
        MusicTrack(path, 1.0)
    except RenderError as exc:
        raise UsageError(f"{path}: not audio Stagefy can use ({exc.message}).") from None
    return path


def quote(ctx: UserContext, photos: int, motion: str | None) -> dict:
    return ctx.client.rpc("quote_video", {"p_photos": photos, "p_motion": motion}).execute().data


def submit(
    ctx: UserContext,
    photos: Sequence[dict],
    options: VideoOptions,
    music: dict | None,
    idempotency_key: str | None = None,
) -> dict:
    payload = options.as_json() | ({"music": music} if music else {})
    return charge(ctx, "submit_video", {"p_photos": list(photos), "p_options": payload}, idempotency_key)
