"""Gentle Ken Burns motion: each photo slowly zooms and pans across its own frame.

The photo is prepared at OVERSCAN times the frame size (covering it), so every crop window is at
least as large as the output and frames are only ever scaled down, never blurred up. Windows are
float rectangles, which Pillow's resize(box=...) samples sub-pixel, so slow pans do not jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

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
    return (round(frame[0] * OVERSCAN), round(frame[1] * OVERSCAN))


def crop_window(
    image_size: tuple[int, int], frame: tuple[int, int], motion: Motion, t: float
) -> tuple[float, float, float, float]:
    """The source rectangle shown at progress `t` (0..1) of the photo's time on screen."""
    zoom = motion.zoom_from + (motion.zoom_to - motion.zoom_from) * t
    pan_x = motion.pan_from[0] + (motion.pan_to[0] - motion.pan_from[0]) * t
    pan_y = motion.pan_from[1] + (motion.pan_to[1] - motion.pan_from[1]) * t
    window_w = min(image_size[0], frame[0] * OVERSCAN / zoom)
    window_h = min(image_size[1], frame[1] * OVERSCAN / zoom)
    left = (image_size[0] - window_w) * pan_x
    top = (image_size[1] - window_h) * pan_y
    return (left, top, left + window_w, top + window_h)


def motion_frame(image: Image.Image, frame: tuple[int, int], motion: Motion, t: float) -> Image.Image:
    return image.resize(frame, Image.Resampling.BILINEAR, box=crop_window(image.size, frame, motion, t))
