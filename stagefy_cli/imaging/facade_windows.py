"""Finding a facade's windows, so day-to-dusk can light them.

In daylight, glass is darker than the wall around it and cool or grey (it reflects the sky), and a
pane is a filled rectangle. So candidates are the pixels clearly darker than their neighbourhood,
not warm (a wooden door, a brick chimney) and not green (a tree), below the sky; the connected
regions that fill most of their bounding box, with a window's size and proportions, are windows.
"""

from __future__ import annotations

import cv2
import numpy as np

from stagefy_cli.imaging.white_balance import LUMA

WORK_SIZE = 960
DARKER_THAN_SURROUNDINGS = 0.8
MIN_AREA, MAX_AREA = 0.0004, 0.03  # share of the photo one pane may cover
MIN_FILL = 0.7  # share of its bounding box a pane fills
MAX_ASPECT = 4.0


def window_mask(pixels: np.ndarray, sky_alpha: np.ndarray) -> np.ndarray:
    """(H, W) float32 in 0..1: the window panes of the photo (`pixels` float RGB in 0..1)."""
    height, width = pixels.shape[:2]
    factor = max(1.0, max(width, height) / WORK_SIZE)
    size = (round(width / factor), round(height / factor))
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    sky = cv2.resize(sky_alpha, size, interpolation=cv2.INTER_AREA) > 0.02
    luma = small @ LUMA
    neighbourhood = cv2.blur(luma, (max(3, size[0] // 10),) * 2)
    red, green, blue = small[..., 0], small[..., 1], small[..., 2]
    candidate = (
        (luma < DARKER_THAN_SURROUNDINGS * neighbourhood)
        & (blue >= red - 0.02)
        & ~((green > red + 0.04) & (green > blue + 0.02))
        & ~sky
    )
    candidate = cv2.morphologyEx(candidate.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=4)
    area_total = size[0] * size[1]
    panes = np.zeros(count, bool)
    for label in range(1, count):
        left, top, w, h, area = stats[label]
        panes[label] = (
            MIN_AREA * area_total <= area <= MAX_AREA * area_total
            and area >= MIN_FILL * w * h
            and max(w / h, h / w) <= MAX_ASPECT
            and left > 0
            and top > 0
            and left + w < size[0]
            and top + h < size[1]
        )
    return cv2.resize(_filled(panes[labels]), (width, height), interpolation=cv2.INTER_LINEAR)


def _filled(mask: np.ndarray) -> np.ndarray:
    """The mask with its holes filled (a reflection in the middle of a pane is glass too)."""
    count, labels = cv2.connectedComponents((~mask).astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return (mask | ~np.isin(labels, border)).astype(np.float32)
