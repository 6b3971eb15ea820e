"""Finding a facade's windows, so day-to-dusk can light them.

In daylight, glass is darker than the wall around it and cool or grey (it reflects the sky), and a
pane is a filled rectangle. So candidates are the pixels clearly darker than their neighbourhood,
not warm (a wooden door, a brick chimney) and not green (a tree), below the sky; the connected
regions that are rectangles (they fill their bounding box, and at least three of its sides are straight edges),
with a window's size and proportions, are panes; and a facade has its windows in rows or columns,
so a pane counts only beside another of about its size on the same row or column. A shadow on a
rock, a dark gutter or a hole in a hedge is seldom a rectangle, and almost never two alike.
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
MIN_SIDE = 0.75  # share of each side of its bounding box a pane's edge fills (straight sides)
SIMILAR = 1.6  # most two panes of one facade differ in width or height


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
            and _straight_sides(labels[top : top + h, left : left + w] == label)
        )
    panes &= _in_rows_or_columns(stats, panes)
    return cv2.resize(_filled(panes[labels]), (width, height), interpolation=cv2.INTER_LINEAR)


def _straight_sides(box: np.ndarray) -> bool:
    """Whether a region (cropped to its bounding box) has straight sides: its outermost row or
    column is mostly filled on at least three sides (a shrub or a pipe may hide part of the fourth)."""
    sides = (box[0], box[-1], box[:, 0], box[:, -1])
    return sum(side.mean() >= MIN_SIDE for side in sides) >= 3


def _in_rows_or_columns(stats: np.ndarray, panes: np.ndarray) -> np.ndarray:
    """The panes that have another pane of about their size on the same row or the same column."""
    labels = np.nonzero(panes)[0]
    left, top, width, height = (stats[labels, i].astype(np.float32) for i in range(4))
    centre_x, centre_y = left + width / 2, top + height / 2
    alike = (np.maximum(width[:, None] / width, width / width[:, None]) <= SIMILAR) & (
        np.maximum(height[:, None] / height, height / height[:, None]) <= SIMILAR
    )
    same_row = np.abs(centre_y[:, None] - centre_y) < height[:, None] / 2
    same_column = np.abs(centre_x[:, None] - centre_x) < width[:, None] / 2
    paired = alike & (same_row | same_column)
    np.fill_diagonal(paired, False)
    kept = np.zeros_like(panes)
    kept[labels] = paired.any(axis=1)
    return kept


def _filled(mask: np.ndarray) -> np.ndarray:
    """The mask with its holes filled (a reflection in the middle of a pane is glass too)."""
    count, labels = cv2.connectedComponents((~mask).astype(np.uint8), connectivity=4)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return (mask | ~np.isin(labels, border)).astype(np.float32)
