"""Decoding one photo at a time at just the resolution the video needs.

JPEG draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale, so a 24-megapixel photo never
exists at full size in memory; EXIF orientation is applied so phone photos stand the right way, and
colours are converted from the photo's embedded profile to sRGB (`colour`).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageOps

from stagefy_cli.imaging.colour import to_srgb
from stagefy_cli.imaging.errors import PhotoError

PhotoSource = Path | str | bytes

# Pillow's own failures for unreadable or hostile files (DecompressionBombError is an Exception).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}


def describe(source: PhotoSource, index: int, total: int, noun: str = "Photo") -> str:
    """ "Photo 3 of 12 (kitchen.jpg)": 1-based for people, with the file name when there is one."""
    name = f" ({Path(source).name})" if isinstance(source, Path | str) else ""
    return f"{noun} {index + 1} of {total}{name}"


def _open(source: PhotoSource) -> Image.Image:
    return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)


def check_photo(source: PhotoSource, index: int, total: int) -> None:
    """Fail fast, before any encoding, on a file that is not an image at all."""
    try:
        with _open(source) as image:
            image.size  # noqa: B018 - reading the header is the check
    except _DECODE_ERRORS as exc:
        raise PhotoError(f"{describe(source, index, total)} cannot be read: {exc}", index) from None


def load_cover(
    source: PhotoSource, index: int, total: int, cover: tuple[int, int], decode_at_least: tuple[int, int]
) -> Image.Image:
    """The photo in sRGB, upright, scaled so that it just covers `cover` (one side equal, the other
    larger). JPEGs are decoded at the smallest draft scale that still covers `decode_at_least`, a
    little below `cover`, so a 12-megapixel photo is decoded at half size instead of full size."""
    try:
        with _open(source) as image:
            rotated = image.getexif().get(0x0112) in _ROTATED_ORIENTATIONS
            width, height = (image.height, image.width) if rotated else image.size
            draft_scale = max(decode_at_least[0] / width, decode_at_least[1] / height)
            image.draft("RGB", (math.ceil(image.width * draft_scale), math.ceil(image.height * draft_scale)))
            image.load()
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "CMYK", "L"):
                upright = upright.convert("RGB")
            upright = to_srgb(upright, image.info.get("icc_profile"))
    except _DECODE_ERRORS as exc:
        raise PhotoError(f"{describe(source, index, total)} cannot be read: {exc}", index) from None
    scale = max(cover[0] / width, cover[1] / height)
    target = (max(cover[0], round(width * scale)), max(cover[1], round(height * scale)))
    return upright.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)


def load_fill(
    source: PhotoSource,
    index: int,
    total: int,
    size: tuple[int, int],
    decode_at_least: tuple[int, int] | None = None,
) -> Image.Image:
    """The photo cropped around its centre to exactly `size`, as a frame or a layout cell shows it.
    `decode_at_least` lets a JPEG be decoded at a smaller draft scale when `size` may be a little
    soft (a photo the video zooms into)."""
    covered = load_cover(source, index, total, size, decode_at_least or size)
    left, top = (covered.width - size[0]) // 2, (covered.height - size[1]) // 2
    return covered.crop((left, top, left + size[0], top + size[1]))
