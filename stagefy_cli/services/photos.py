"""Checking a photo before anything is uploaded or spent.

A photo must be a real JPEG, PNG, WebP (or HEIC where pillow-heif is installed) whose extension
matches its content, not empty, at most MAX_BYTES and MAX_PIXELS. Each problem is one clear line.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from stagefy_cli.errors import FieldError, UsageError
from stagefy_cli.imaging.limits import MAX_PIXELS

MAX_BYTES = 30 * 1024 * 1024
MIN_SIDE = 256

FORMATS = {  # Pillow format -> (mime type, accepted extensions)
    "JPEG": ("image/jpeg", {".jpg", ".jpeg"}),
    "PNG": ("image/png", {".png"}),
    "WEBP": ("image/webp", {".webp"}),
    "HEIF": ("image/heic", {".heic", ".heif"}),
}


@dataclass(frozen=True)
class Photo:
    path: Path
    mime_type: str
    size: int
    width: int
    height: int

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic"}[
            self.mime_type
        ]


def _register_heif() -> bool:
    from stagefy_cli.imaging.photo_io import register_heif

    return register_heif()


def check_photo(path: Path) -> Photo:
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file.")
    if path.is_dir():
        raise UsageError(f"{path} is a folder. Give the photos in it, e.g. {path / '*.jpg'}")
    if not path.is_file():
        raise UsageError(f"{path}: not a file.")
    size = path.stat().st_size
    if size == 0:
        raise UsageError(f"{path}: the file is empty.")
    if size > MAX_BYTES:
        raise UsageError(
            f"{path}: {size / 1e6:.0f} MB is too large (at most {MAX_BYTES // 1024 // 1024} MB)."
        )
    suffix = path.suffix.lower()
    if suffix in (".heic", ".heif") and not _register_heif():
        raise UsageError(f"{path}: HEIC photos need the pillow-heif package (pip install pillow-heif).")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():  # raised and reported below, not printed by PIL
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()  # only straight after opening (for PNG, reading the EXIF is too late)
            with Image.open(path) as image:
                image_format = image.format
                width, height = image.size
                if image.getexif().get(0x0112) in (5, 6, 7, 8):  # shown a quarter turn round
                    width, height = height, width
                if suffix in (".jpg", ".jpeg"):
                    # `verify` reads only a JPEG's headers: a file cut short would pass, be charged
                    # and fail in the worker. Decoded at an eighth of its size (the decoder skips
                    # most of the work, about 10 ms for 12 MP), it raises "image file is truncated".
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise UsageError(f"{path}: not an image Stagefy can read (JPEG, PNG, WebP or HEIC).") from exc
        raise UsageError(f"{path}: too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels).") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UsageError(f"{path}: the image is damaged ({exc}).") from exc
    if image_format not in FORMATS:
        raise UsageError(f"{path}: {image_format} images are not supported; use JPEG, PNG, WebP or HEIC.")
    mime_type, extensions = FORMATS[image_format]
    if suffix not in extensions:
        raise UsageError(
            f"{path}: the file is a {image_format} image but is named {suffix or 'without an extension'}."
        )
    if width * height > MAX_PIXELS:
        raise UsageError(f"{path}: too many pixels (at most {MAX_PIXELS // 1_000_000} megapixels).")
    if min(width, height) < MIN_SIDE:
        raise UsageError(f"{path}: {width}x{height} is too small (at least {MIN_SIDE} pixels a side).")
    return Photo(path=path, mime_type=mime_type, size=size, width=width, height=height)


def check_photos(paths: list[Path]) -> list[Photo]:
    """`check_photo` for each path, refusing a photo given twice (each is charged): more results of
    one photo are what --variations is for."""
    seen: dict[Path, Path] = {}
    for path in map(Path, paths):
        first = seen.setdefault(path.resolve(), path)
        if first is not path:
            same = "" if str(first) == str(path) else f" (as {first})"
            raise FieldError(
                f"{path} is given twice{same}: each photo is charged once per result. For several "
                "results of one photo, use {variations}.",
                "variations",
            )
    return [check_photo(path) for path in seen.values()]
