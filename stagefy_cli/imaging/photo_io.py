"""Decoding a photo for local processing and encoding the result as the worker stores it."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

JPEG_QUALITY = 90


class UnreadablePhoto(ValueError):
    """The bytes are not an image Pillow can decode."""


def decode_photo(data: bytes) -> tuple[Image.Image, dict]:
    """The photo as an upright RGB image (EXIF orientation applied, transparency over white) and the
    metadata worth keeping when it is saved again (EXIF without the orientation, ICC profile)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadablePhoto(f"the photo cannot be read as an image: {exc}") from exc
    keep = {}
    if icc := upright.info.get("icc_profile"):
        keep["icc_profile"] = icc
    exif = upright.getexif()
    if exif:
        keep["exif"] = exif.tobytes()
    return _to_rgb(upright), keep


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def encode_jpeg(image: Image.Image, metadata: dict) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, **metadata)
    return out.getvalue()
