"""Decoding a photo for local processing and encoding the result as the worker stores it.

Every mode Pillow opens becomes an 8-bit sRGB picture of what the photo shows: 16-bit and 32-bit
greyscale are scaled to 8 bits (a plain `convert` would clip them to white), colours are converted
from the embedded profile (CMYK, Adobe RGB, Display P3, grey; see `colour.py`), transparency lies
over white, and HEIC opens when pillow-heif is installed (the CLI accepts it then).
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from stagefy_cli.imaging.colour import SRGB_ICC, is_other_colour_space, to_srgb
from stagefy_cli.imaging.photo_metadata import delivered_exif

JPEG_QUALITY = 90
#: Greyscale modes with more than 8 bits a pixel (16-bit PNGs open as I;16).
WIDE_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


class UnreadablePhoto(ValueError):
    """The bytes are not an image Pillow can decode."""


def register_heif() -> bool:
    """Let Pillow open HEIC/HEIF (pillow-heif), as the CLI does when it accepts one; False without it."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def decode_photo(data: bytes, *, keep_metadata: bool = False) -> tuple[Image.Image, dict]:
    """The photo as an upright sRGB image (EXIF orientation applied, colours converted from its
    embedded profile, transparency over white) and what to save with the result: the sRGB profile
    and the EXIF without orientation, and without GPS, serial numbers and owner unless
    `keep_metadata` (`photo_metadata`)."""
    register_heif()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            icc = opened.info.get("icc_profile")
            upright = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadablePhoto(f"the photo cannot be read as an image: {exc}") from exc
    keep = {"icc_profile": SRGB_ICC}
    if exif := delivered_exif(upright.getexif(), keep_private=keep_metadata):
        keep["exif"] = exif
    return to_srgb(_flatten(upright), icc), keep


def _flatten(image: Image.Image) -> Image.Image:
    """Wide greyscale as 8 bits and transparency composited over white; other modes are left for
    the colour conversion."""
    if image.mode in WIDE_GREY:
        image = _grey_to_8_bits(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("La", "RGBa"):  # premultiplied alpha
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image


def _grey_to_8_bits(image: Image.Image) -> Image.Image:
    """16-bit, 32-bit and float greyscale as 8-bit 'L': 16-bit values / 257; 32-bit and float by
    the range their values use (0-1, 0-255 or 0-65535, else stretched from their minimum to maximum)."""
    import numpy as np

    values = np.asarray(image).astype(np.float64)
    if image.mode.startswith("I;16"):
        scaled = values / 257.0
    else:
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        if low >= 0 and high <= 1.0 and image.mode == "F":
            scaled = values * 255.0
        elif low >= 0 and high <= 255:
            scaled = values
        elif low >= 0 and high <= 65535:
            scaled = values / 257.0
        else:
            scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), "L")


def encode_jpeg(image: Image.Image, metadata: dict, quality: int = JPEG_QUALITY) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False, **metadata)
    return out.getvalue()


def srgb_copy(data: bytes) -> bytes | None:
    """The photo as an sRGB JPEG (upright, without private metadata) when its embedded profile is
    another colour space, for a remote model that reads the numbers as sRGB; None when it is sRGB
    already (or not readable: the provider will say so)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if not is_other_colour_space(opened.info.get("icc_profile"), opened.mode):
                return None
        image, metadata = decode_photo(data)
    except (UnidentifiedImageError, OSError, UnreadablePhoto):
        return None
    return encode_jpeg(image, metadata, quality=95)
