"""Gentle Ken Burns motion: each photo slowly zooms and pans across its own frame.

The photo is prepared at OVERSCAN times the frame size, cropped to the frame's proportions and
converted to yuv420p once, so every crop window is at least as large as the output and frames are
only ever scaled down, never blurred up. Each frame is one affine warp per plane in OpenCV (C, SIMD):
windows are float rectangles sampled sub-pixel, so slow pans glide instead of stepping a whole
pixel at a time as ffmpeg's `zoompan` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

OVERSCAN = 1.1


@dataclass(frozen=True)
class Motion:
    """Zoom (1 = the widest view, OVERSCAN = 1:1 pixels) and pan position (0..1 of the free room)."""

    zoom_from: float
    zoom_to: float
    pan_from: tuple[float, float]
    pan_to: tuple[float, float]


# Alternating in and out, left and right, so consecutive photos do not all drift the same way.
MOTIONS = (
    Motion(1.0, 1.08, (0.5, 0.5), (0.5, 0.5)),
    Motion(1.08, 1.0, (0.3, 0.5), (0.7, 0.5)),
    Motion(1.02, 1.09, (0.7, 0.4), (0.3, 0.6)),
    Motion(1.09, 1.02, (0.5, 0.3), (0.5, 0.7)),
)


def motion_for(index: int) -> Motion:
    return MOTIONS[index % len(MOTIONS)]


def cover_size(frame: tuple[int, int]) -> tuple[int, int]:
    """The prepared photo's size: OVERSCAN times the frame, rounded to even sizes (for yuv420p)."""
    return (2 * round(frame[0] * OVERSCAN / 2), 2 * round(frame[1] * OVERSCAN / 2))


def crop_window(frame: tuple[int, int], motion: Motion, t: float) -> tuple[float, float, float, float]:
    """The (left, top, width, height) of the prepared photo shown at progress `t` (0..1)."""
    cover = cover_size(frame)
    zoom = motion.zoom_from + (motion.zoom_to - motion.zoom_from) * t
    pan_x = motion.pan_from[0] + (motion.pan_to[0] - motion.pan_from[0]) * t
    pan_y = motion.pan_from[1] + (motion.pan_to[1] - motion.pan_from[1]) * t
    width, height = cover[0] / zoom, cover[1] / zoom
    return ((cover[0] - width) * pan_x, (cover[1] - height) * pan_y, width, height)


def motion_frames(
    planes: np.ndarray, frame: tuple[int, int], motion: Motion, count: int
) -> Iterator[np.ndarray]:
    """`count` yuv420p frames (PyAV's (H*3/2, W) layout) of the prepared photo `planes` in motion."""
    source_y, source_u, source_v = _split(planes, cover_size(frame))
    last = max(1, count - 1)
    for number in range(count):
        left, top, width, height = crop_window(frame, motion, number / last)
        out = np.empty((frame[1] * 3 // 2, frame[0]), np.uint8)
        out_y, out_u, out_v = _split(out, frame)
        scale_x, scale_y = width / frame[0], height / frame[1]
        for source, target, factor in ((source_y, out_y, 1), (source_u, out_u, 2), (source_v, out_v, 2)):
            # Output pixel centre (x + 0.5) maps to source left + (x + 0.5) * scale, in this plane's units.
            matrix = np.array(
                [
                    [scale_x, 0, left / factor + 0.5 * scale_x - 0.5],
                    [0, scale_y, top / factor + 0.5 * scale_y - 0.5],
                ],
                np.float64,
            )
            cv2.warpAffine(
                source,
                matrix,
                (target.shape[1], target.shape[0]),
                dst=target,
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REPLICATE,
            )
        yield out


def _split(planes: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a yuv420p array in PyAV's layout (U and V follow Y, each
    a quarter of its size, stored row after row)."""
    width, height = size
    quarter = height // 4
    luma = planes[:height]
    u = planes[height : height + quarter].reshape(height // 2, width // 2)
    v = planes[height + quarter : height + 2 * quarter].reshape(height // 2, width // 2)
    return luma, u, v
