"""Colour management: every photo is brought into sRGB as it is read, and results are tagged sRGB.

A camera or phone may embed another colour space (Adobe RGB from many cameras, Display P3 from
iPhones); the numbers in such a file mean other colours than the same numbers in sRGB. Processing
them as sRGB and delivering them with their old profile shifts every colour once they are viewed,
so photos are converted with LittleCMS (Pillow's ImageCms) on the way in: the edits, the videos and
the templates then all work on sRGB, the colour space browsers, portals and video assume.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageCms, ImageOps

from stagefy_cli.imaging.errors import RenderError

_SRGB = ImageCms.createProfile("sRGB")
#: The profile delivered photos carry (LittleCMS's built-in sRGB, under 1 kB).
SRGB_ICC = ImageCms.ImageCmsProfile(_SRGB).tobytes()
# The ICC colour space signature of a profile, and the Pillow mode whose pixels it describes.
_MODES = {"RGB ": "RGB", "CMYK": "CMYK", "GRAY": "L"}


def to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """`image` (RGB, CMYK or L) converted from its embedded profile `icc` to sRGB, as RGB.

    No profile means sRGB already (what viewers assume too). A profile that cannot be read, or
    that does not describe the image's pixels, is ignored as a viewer would ignore it.
    """
    transform = _transform(icc, image.mode) if icc else None
    if transform is None:
        return image if image.mode == "RGB" else image.convert("RGB")
    return ImageCms.applyTransform(image, transform)


def upright_srgb(image: Image.Image) -> Image.Image:
    """A decoded photo as it is meant to be seen: EXIF orientation applied, in sRGB (RGB)."""
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "CMYK", "L"):
        upright = upright.convert("RGB")
    return to_srgb(upright, icc)


def is_other_colour_space(icc: bytes | None, mode: str) -> bool:
    """Whether pixels of Pillow `mode` with the embedded profile `icc` need converting to be sRGB."""
    return bool(icc) and _transform(icc, mode if mode in ("CMYK", "L") else "RGB") is not None


@lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space
    except (OSError, ValueError, ImageCms.PyCMSError):
        return None
    if _MODES.get(space) != mode or _is_srgb(profile):
        return None
    try:
        # Relative colorimetric, as browsers and photo viewers render: in-gamut colours stay exact.
        return ImageCms.buildTransform(
            profile, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC
        )
    except ImageCms.PyCMSError:
        return None


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """An sRGB profile (the IEC 61966-2.1 ones cameras embed, or one like ours): nothing to convert."""
    description = (profile.profile.profile_description or "").strip().lower()
    return description.startswith("srgb")


RGB = tuple[int, int, int]


def parse_hex_colour(value: str, key: str = "colour") -> RGB:
    """ "#1F2A44", "1f2a44" or "#fa0" to an RGB triple."""
    digits = str(value).strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    try:
        if len(digits) != 6:
            raise ValueError
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    except ValueError:
        raise RenderError(f"Setting {key!r} must be a hex colour like #1F2A44, not {value!r}.") from None
