"""Small image helpers the remote providers share: sizes, limits, data URIs, output sniffing."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageOps

from .base import ProviderError

_MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


def data_uri(image: bytes, mime_type: str) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(image).decode('ascii')}"


def image_size(image: bytes) -> tuple[int, int]:
    """(width, height) as displayed, EXIF orientation applied; reads the header only."""
    with Image.open(io.BytesIO(image)) as im:
        width, height = im.size
        if im.getexif().get(0x0112) in (5, 6, 7, 8):  # rotated a quarter turn
            return height, width
        return width, height


def output_size_for(width: int, height: int) -> str:
    """The "1K" / "2K" / "4K" output size (Gemini 3 image models, Nano Banana 2 on Replicate) for a
    photo: the smallest that holds its long edge, 4K at most -- the largest the photo can use,
    without paying for pixels it does not have."""
    long_edge = max(width, height)
    return "1K" if long_edge <= 1024 else "2K" if long_edge <= 2048 else "4K"


def sniff_mime(image: bytes) -> str:
    """The MIME type of image bytes a provider returned; ProviderError when they are not an image."""
    try:
        with Image.open(io.BytesIO(image)) as im:
            fmt = im.format
    except Exception as exc:  # Pillow raises several types for garbage
        raise ProviderError("the provider returned something that is not an image", retryable=True) from exc
    return _MIME_BY_FORMAT.get(fmt or "", "application/octet-stream")


def fit_for_upload(
    image: bytes, mime_type: str, *, max_side: int, max_bytes: int, min_side: int = 0
) -> tuple[bytes, str, bool]:
    """Return (bytes, mime, changed): the photo unchanged when it is within the provider's limits,
    else re-encoded as a JPEG with its long side at most `max_side` (orientation applied).

    A side shorter than `min_side` is a bad input the provider would reject: ProviderError.
    """
    width, height = image_size(image)
    if min(width, height) < min_side:
        raise ProviderError(
            f"the photo is {width}x{height}; this provider needs at least {min_side} px a side"
        )
    if max(width, height) <= max_side and len(image) <= max_bytes:
        return image, mime_type, False
    with Image.open(io.BytesIO(image)) as opened:
        im = ImageOps.exif_transpose(opened).convert("RGB")
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        im.save(out, "JPEG", quality=92)
    return out.getvalue(), "image/jpeg", True
