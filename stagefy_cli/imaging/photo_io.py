"""Decoding a photo for local processing and encoding the result as the worker stores it.

Every mode Pillow opens becomes an 8-bit RGB picture of what the photo shows: 16-bit and 32-bit
greyscale are scaled to 8 bits (a plain `convert` would clip them to white), CMYK goes through its
ICC profile when it has one, and transparency lies over white. The ICC profile is kept only when it
describes RGB (a CMYK or greyscale profile would mislabel the RGB result).
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

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


def decode_photo(data: bytes) -> tuple[Image.Image, dict]:
    """The photo as an upright RGB image (EXIF orientation applied, transparency over white) and the
    metadata worth keeping when it is saved again (EXIF without the orientation, an RGB ICC profile)."""
    register_heif()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadablePhoto(f"the photo cannot be read as an image: {exc}") from exc
    icc = upright.info.get("icc_profile")
    keep = {}
    if icc and _profile_space(icc) == "RGB":
        keep["icc_profile"] = icc
    exif = upright.getexif()
    if exif:
        keep["exif"] = exif.tobytes()
    return _to_rgb(upright, icc), keep


def _profile_space(icc: bytes) -> str | None:
    """The colour space an ICC profile describes ('RGB', 'CMYK', 'GRAY'), None when unreadable."""
    from PIL import ImageCms

    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space.strip()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


def _to_rgb(image: Image.Image, icc: bytes | None = None) -> Image.Image:
    if image.mode in WIDE_GREY:
        image = _grey_to_8_bits(image)
    if image.mode == "CMYK" and icc and _profile_space(icc) == "CMYK":
        from PIL import ImageCms

        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except ImageCms.PyCMSError:
            pass  # a damaged profile: Pillow's own conversion below
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        image = image.convert("RGBA") if image.mode != "RGBA" else image
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


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


def encode_jpeg(image: Image.Image, metadata: dict) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, **metadata)
    return out.getvalue()
