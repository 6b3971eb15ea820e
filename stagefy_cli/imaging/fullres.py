"""Results at the photo's resolution: the model's edit carried onto the full-size original.

Generative editors answer with 1 to 16 megapixels, whatever the listing photo. For an edit that
keeps the geometry (enhance, sky, dusk, declutter), the change the model made is smooth at its own
resolution (light, colour, a sky, a removed object), while the photo's fine detail is what it
cannot give back. So the result is the model's image, upscaled, plus the original's own detail
(the original minus its blurred self) wherever the model kept the picture's structure; where it
drew something new (a new sky, the floor behind a removed box) its structure differs from the
original's, and the upscaled result stands alone, so no ghost of the old content comes back.
Edits that redraw the room (staging, custom) are upscaled with Lanczos and a light unsharp mask.

The arithmetic runs in strips of rows: a 12 MP photo costs about 290 MB at peak (mostly the decoded
photo and result), not the gigabyte whole-image float arrays would take.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageOps

#: Results never exceed this long edge (portals want 2048 px or more; 4K is what the best models give).
MAX_LONG_EDGE = 4096
#: A result whose aspect ratio is within this of the photo's is stretched onto it; beyond, the model
#: reframed the photo and its result keeps its own framing.
ASPECT_TOLERANCE = 0.03
STRIP_ROWS = 512
JPEG_QUALITY = 92


def target_size(width: int, height: int) -> tuple[int, int]:
    """The photo's size, scaled down to MAX_LONG_EDGE when larger."""
    scale = min(1.0, MAX_LONG_EDGE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def restore_resolution(original: bytes, result: bytes, *, keeps_geometry: bool) -> bytes | None:
    """The result at the original's size (at most MAX_LONG_EDGE on the long edge) as a JPEG, or
    None when it already has that size."""
    photo = _decode(original)
    edited = _decode(result)
    size = target_size(photo.shape[1], photo.shape[0])
    if edited.shape[1::-1] == size:
        return None
    edited_aspect = edited.shape[1] / edited.shape[0]
    if abs(edited_aspect / (photo.shape[1] / photo.shape[0]) - 1) > ASPECT_TOLERANCE:
        long_edge = max(size)  # the model reframed the photo: its own framing, at the photo's size
        wide = edited_aspect >= 1
        size = (
            (long_edge, round(long_edge / edited_aspect))
            if wide
            else (round(long_edge * edited_aspect), long_edge)
        )
        out = edited if edited.shape[1::-1] == size else _scale(edited, size)
    elif edited.shape[1] >= size[0]:  # larger than the photo: reduced to its size
        out = _resize(edited, size)
    elif keeps_geometry:
        out = detail_transfer(photo if photo.shape[1::-1] == size else _resize(photo, size), edited)
    else:
        out = sharpened_upscale(edited, size)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV encodes any 8-bit BGR image
        raise ValueError("could not encode the result")
    return encoded.tobytes()


def _scale(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return sharpened_upscale(image, size) if size[0] > image.shape[1] else _resize(image, size)


def detail_transfer(photo: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """`edited` (small) at `photo`'s size: its upscale, plus the photo's own fine detail (the photo
    less its reduced self) scaled by the local gain of the edit, wherever the structures agree.

    The gain is measured at half the model's size (where the model's own softness does not bias
    it), as the ratio of the edit's local contrast to the photo's: a darker dusk keeps the contrast
    of a dusk; where the model flattened something the gain is near 0, and where it drew something
    new the structure check says so: the upscaled result stands alone, with no ghost of what was
    there."""
    height, width = photo.shape[:2]
    small = cv2.resize(photo, edited.shape[1::-1], interpolation=cv2.INTER_AREA)
    gain = cv2.resize(_guided_gain(cv2.pyrDown(small), cv2.pyrDown(edited)), edited.shape[1::-1])
    weight = gain * structure_agreement(small, edited)[:, :, None]
    scale_x, scale_y = edited.shape[1] / width, edited.shape[0] / height
    map_x = np.tile((np.arange(width, dtype=np.float32) + 0.5) * scale_x - 0.5, (STRIP_ROWS, 1))
    out = np.empty_like(photo)
    for top in range(0, height, STRIP_ROWS):
        rows = min(STRIP_ROWS, height - top)
        ys = (np.arange(top, top + rows, dtype=np.float32) + 0.5) * scale_y - 0.5
        grid = (map_x[:rows], np.repeat(ys[:, None], width, axis=1))

        def up(low: np.ndarray, how: int, grid=grid) -> np.ndarray:
            return cv2.remap(low, *grid, how, borderMode=cv2.BORDER_REPLICATE)

        detail = photo[top : top + rows].astype(np.float32) - up(small, cv2.INTER_LANCZOS4)
        strip = up(edited, cv2.INTER_LANCZOS4) + up(weight, cv2.INTER_LINEAR) * detail
        out[top : top + rows] = np.clip(strip, 0, 255).astype(np.uint8)
    return out


def _guided_gain(guide: np.ndarray, target: np.ndarray, radius: int = 3) -> np.ndarray:
    """Per channel, the local gain of the edit: the ratio of the target's local spread to the
    guide's (how much the edit scaled the detail there), 0 to 2. Where the model flattened
    something (a removed object) it is near 0."""
    window = (2 * radius + 1, 2 * radius + 1)
    i = guide.astype(np.float32)
    p = target.astype(np.float32)
    spread_i = cv2.blur(i * i, window) - cv2.blur(i, window) ** 2
    spread_p = cv2.blur(p * p, window) - cv2.blur(p, window) ** 2
    return np.clip(np.sqrt(np.maximum(spread_p, 0) / (np.maximum(spread_i, 0) + 4.0)), 0, 2)


def structure_agreement(photo_small: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """Per pixel, 0..1: how well the edited image's local structure (its luminance's high-pass)
    correlates with the photo's, over a small window. A changed tone keeps it near 1; new content
    brings it near 0 (content taken away also has a gain near 0: `_guided_gain`)."""
    window = (7, 7)
    a = _high_pass(cv2.cvtColor(photo_small, cv2.COLOR_BGR2GRAY))
    b = _high_pass(cv2.cvtColor(edited, cv2.COLOR_BGR2GRAY))
    covariance = cv2.blur(a * b, window)
    spread = np.sqrt(cv2.blur(a * a, window) * cv2.blur(b * b, window))
    flat = spread < 1.0  # both smooth: nothing to disagree about, and little detail to carry
    agreement = np.where(flat, 1.0, covariance / np.maximum(spread, 1e-6))
    weight = np.clip((agreement - 0.3) / 0.5, 0, 1).astype(np.float32)
    return cv2.GaussianBlur(weight, (0, 0), 1.5)


def sharpened_upscale(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Lanczos to `size`, then an unsharp mask scaled to the enlargement (restores edge contrast
    the interpolation spread out, without inventing texture)."""
    up = _resize(image, size)
    factor = size[0] / image.shape[1]
    blurred = cv2.GaussianBlur(up, (0, 0), max(0.8, 0.6 * factor))
    return cv2.addWeighted(up, 1.6, blurred, -0.6, 0)


def _high_pass(gray: np.ndarray) -> np.ndarray:
    gray = gray.astype(np.float32)
    return gray - cv2.GaussianBlur(gray, (0, 0), 2.0)


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    shrinking = size[0] < image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4)


def _decode(data: bytes) -> np.ndarray:
    """BGR uint8, EXIF orientation applied (as people see the photo)."""
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
