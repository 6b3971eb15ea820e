"""Decoding a photo for local processing and encoding the result as the worker stores it."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from stagefy_cli.imaging.colour import SRGB_ICC, is_other_colour_space, to_srgb
from stagefy_cli.imaging.photo_metadata import delivered_exif

JPEG_QUALITY = 90


class UnreadablePhoto(ValueError):
    """The bytes are not an image Pillow can decode."""


def decode_photo(data: bytes, *, keep_metadata: bool = False) -> tuple[Image.Image, dict]:
    """The photo as an upright sRGB image (EXIF orientation applied, colours converted from its
    embedded profile, transparency over white) and what to save with the result: the sRGB profile
    and the EXIF without orientation, and without GPS, serial numbers and owner unless
    `keep_metadata` (`photo_metadata`)."""
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
    """Transparency composited over white; other modes are left for the colour conversion."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image


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
