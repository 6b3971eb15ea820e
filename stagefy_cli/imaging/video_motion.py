"""Gentle Ken Burns motion: each photo slowly zooms and pans across its own frame.

The photo is prepared at OVERSCAN times the frame size, cropped to the frame's proportions, so every
crop window is at least as large as the output and frames are only ever scaled down, never blurred
up. The motion is expressed for libavfilter's `zoompan`, which crops and scales each frame in C.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def zoompan_options(motion: Motion, frame: tuple[int, int], frame_count: int, fps: int) -> str:
    """`zoompan` options that show `motion` over `frame_count` output frames of size `frame`.

    Progress is on/(d-1) (`on` counts output frames from 0); the window is iw/zoom wide and its
    left edge moves across the free room, iw - iw/zoom, like the pan position says.
    """
    last = max(1, frame_count - 1)
    progress = f"(on/{last})"

    def between(start: float, end: float) -> str:
        return f"({start}+{end - start}*{progress})"

    return (
        f"z='{between(motion.zoom_from, motion.zoom_to)}'"
        f":x='(iw-iw/zoom)*{between(motion.pan_from[0], motion.pan_to[0])}'"
        f":y='(ih-ih/zoom)*{between(motion.pan_from[1], motion.pan_to[1])}'"
        f":d={frame_count}:s={frame[0]}x{frame[1]}:fps={fps}"
    )
