"""Decoding one photo at a time at just the resolution the video needs.

JPEG draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale, so a 24-megapixel photo never
exists at full size in memory; EXIF orientation is applied so phone photos stand the right way, and
colours are converted from the photo's embedded profile to sRGB (`colour`).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from stagefy_cli.imaging.colour import upright_srgb
from stagefy_cli.imaging.errors import PhotoError

PhotoSource = Path | str | bytes

# Pillow's own failures for unreadable or hostile files (DecompressionBombError is an Exception).
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}
FIT_STYLES = ("blur", "letterbox")
FIT_BELOW = 0.6  # a photo that filling would crop by more than 40% is shown whole instead
BLUR_BRIGHTNESS = 0.6  # the blurred fill behind a fitted photo, darker so the photo stands out


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


def _decode(source: PhotoSource, index: int, total: int, decode_at_least: tuple[int, int]) -> Image.Image:
    """The photo in sRGB, upright; JPEGs decoded at the smallest draft scale that still covers
    `decode_at_least`, so a 12-megapixel photo is decoded at half size instead of full size."""
    try:
        with _open(source) as image:
            rotated = image.getexif().get(0x0112) in _ROTATED_ORIENTATIONS
            width, height = (image.height, image.width) if rotated else image.size
            draft_scale = max(decode_at_least[0] / width, decode_at_least[1] / height)
            image.draft("RGB", (math.ceil(image.width * draft_scale), math.ceil(image.height * draft_scale)))
            image.load()
            return upright_srgb(image)
    except _DECODE_ERRORS as exc:
        raise PhotoError(f"{describe(source, index, total)} cannot be read: {exc}", index) from None


def _scaled_to_cover(photo: Image.Image, cover: tuple[int, int]) -> Image.Image:
    """Scaled so that it just covers `cover` (one side equal, the other larger)."""
    scale = max(cover[0] / photo.width, cover[1] / photo.height)
    target = (max(cover[0], round(photo.width * scale)), max(cover[1], round(photo.height * scale)))
    return photo.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)


def load_cover(
    source: PhotoSource, index: int, total: int, cover: tuple[int, int], decode_at_least: tuple[int, int]
) -> Image.Image:
    """The photo in sRGB, upright, scaled so that it just covers `cover` (one side equal, the other
    larger), decoded at about the resolution `decode_at_least` needs."""
    return _scaled_to_cover(_decode(source, index, total, decode_at_least), cover)


def _centre_crop(covered: Image.Image, size: tuple[int, int]) -> Image.Image:
    left, top = (covered.width - size[0]) // 2, (covered.height - size[1]) // 2
    return covered.crop((left, top, left + size[0], top + size[1]))


def load_fill(
    source: PhotoSource,
    index: int,
    total: int,
    size: tuple[int, int],
    decode_at_least: tuple[int, int] | None = None,
    *,
    toward_content: bool = False,
) -> Image.Image:
    """The photo cropped to exactly `size`, as a frame or a layout cell shows it: around its centre,
    or (`toward_content`) where its detail is (`content_crop`). `decode_at_least` lets a JPEG be
    decoded at a smaller draft scale when `size` may be a little soft (a photo the video zooms into)."""
    covered = load_cover(source, index, total, size, decode_at_least or size)
    if not toward_content:
        return _centre_crop(covered, size)
    from stagefy_cli.imaging.content_crop import content_window

    left, top = content_window(covered, size)
    return covered.crop((left, top, left + size[0], top + size[1]))


def kept_share(photo: tuple[int, int], frame: tuple[int, int]) -> float:
    """The share of a photo that filling the frame would keep (1: same shape)."""
    ratio = (photo[0] / photo[1]) / (frame[0] / frame[1])
    return min(ratio, 1 / ratio)


def is_fitted(photo: tuple[int, int], frame: tuple[int, int]) -> bool:
    """Whether a video shows the photo whole (fitted) rather than filling the frame with it: when
    filling would crop away more than FIT_BELOW of it (a portrait photo in a landscape video)."""
    return kept_share(photo, frame) < FIT_BELOW


def enlargement(photo: tuple[int, int], frame: tuple[int, int]) -> float:
    """How many times a video blows the photo's own pixels up to show it in `frame`."""
    scales = (frame[0] / photo[0], frame[1] / photo[1])
    return min(scales) if is_fitted(photo, frame) else max(scales)


def load_framed(
    source: PhotoSource,
    index: int,
    total: int,
    size: tuple[int, int],
    decode_at_least: tuple[int, int],
    fit: str = "blur",
) -> Image.Image:
    """The photo as a video frame of `size` shows it: filling the frame when it has about the frame's
    shape, else whole (`is_fitted`) over a blurred, darker copy of itself (`fit="blur"`, as phones
    and TV news show a portrait photo) or on black bars (`fit="letterbox"`)."""
    photo = _decode(source, index, total, decode_at_least)
    if not is_fitted(photo.size, size):
        return _centre_crop(_scaled_to_cover(photo, size), size)
    if fit == "letterbox":
        frame = Image.new("RGB", size, (0, 0, 0))
    else:
        # blurred at a sixteenth of the size, then scaled up: smooth, and cheap on a 4K frame
        small = ImageOps.fit(photo, (max(1, size[0] // 16), max(1, size[1] // 16)), Image.Resampling.BOX)
        small = ImageEnhance.Brightness(small.filter(ImageFilter.GaussianBlur(2))).enhance(BLUR_BRIGHTNESS)
        frame = small.resize(size, Image.Resampling.BICUBIC)
    fitted = ImageOps.contain(photo, size, Image.Resampling.BICUBIC)
    frame.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return frame
