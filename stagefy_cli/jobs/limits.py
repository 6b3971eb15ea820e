"""Limits the worker checks on stored inputs before decoding them.

The CLI checks photos before uploading, but anyone with a session can upload through the API, so
the worker reads only an image's header first: a small PNG can declare 88 megapixels and take
gigabytes to decode.
"""

from __future__ import annotations

import io
import warnings

from stagefy_cli.errors import StagefyError
from stagefy_cli.imaging.limits import MAX_PIXELS


class InputTooLarge(StagefyError):
    """An input is beyond what the worker processes; the job fails (and is refunded) at once."""


def check_photo(data: bytes, name: str) -> None:
    """Refuse a photo whose header declares more than MAX_PIXELS; formats Pillow cannot identify
    are left to the handler, which reports them in its own words."""
    from PIL import Image, UnidentifiedImageError

    from stagefy_cli.imaging.photo_io import register_heif

    register_heif()  # the CLI accepts HEIC: its header is read like any other
    limit = f"at most {MAX_PIXELS // 1_000_000} megapixels"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # parses the header, decodes nothing
                width, height = image.size
    except Image.DecompressionBombError as exc:
        raise InputTooLarge(f"{name} has too many pixels ({limit}).") from exc
    except (UnidentifiedImageError, OSError, ValueError):
        return
    if width * height > MAX_PIXELS:
        raise InputTooLarge(
            f"{name} is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); {limit}."
        )
