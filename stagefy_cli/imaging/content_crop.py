"""Where to crop a photo that is too long for its cell: toward its detail, not its centre.

A portrait interior in a square post keeps the room (furniture, windows, the floor's edge) rather
than the middle of a blank wall or ceiling. Detail is edge energy (the gradient's magnitude, OpenCV's
Sobel) on a small grey copy; the crop is the window of the cell's length holding the most of it,
with a mild pull to the centre so evenly detailed photos are still cropped in the middle. (OpenCV's
saliency detectors ship only in the contrib build, which would replace the headless wheel.)
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

ANALYSIS_SIDE = 256  # pixels of the longer side the detail is measured at
CENTRE_PULL = 0.15  # a window at the very edge needs this much more detail than the centred one


def content_window(image: Image.Image, size: tuple[int, int]) -> tuple[int, int]:
    """(left, top) of the `size` crop of `image` (at least `size` each way) that keeps its detail."""
    free_x, free_y = image.width - size[0], image.height - size[1]
    if free_x <= 0 and free_y <= 0:
        return 0, 0
    scale = min(1.0, ANALYSIS_SIDE / max(image.size))
    small = image.convert("L").resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.BOX
    )
    grey = np.asarray(small, np.float32)
    energy = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    if free_x >= free_y:
        start = _best_start(energy.sum(axis=0), size[0] * scale)
        return min(free_x, max(0, round(start / scale))), free_y // 2
    start = _best_start(energy.sum(axis=1), size[1] * scale)
    return free_x // 2, min(free_y, max(0, round(start / scale)))


def _best_start(profile: np.ndarray, window: float) -> int:
    """The start of the `window`-long run of `profile` with the most energy, pulled to the centre."""
    length = max(1, min(len(profile), round(window)))
    sums = np.convolve(profile, np.ones(length), mode="valid")
    if len(sums) == 1 or not sums.max() > 0:
        return (len(profile) - length) // 2
    starts = np.arange(len(sums))
    centre = (len(sums) - 1) / 2
    pull = 1 - CENTRE_PULL * np.abs(starts - centre) / max(centre, 1)
    return int(np.argmax(sums * pull))
