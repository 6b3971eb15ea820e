"""Segments of a video (a still card, a photo in motion, a video clip) and the cross-fade timeline.

A segment knows its length in frames up front and yields exactly that many yuv420p frames at the
output size, loading its source only when its first frame is asked for and dropping it after its
last. The timeline therefore holds at most two sources at once: the current one and, during the
cross-fade, the next. Motion is OpenCV's (`video_motion`), cross-fades libavfilter's (`video_filters`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av
from PIL import Image, ImageOps

from stagefy_cli.imaging.errors import PhotoError
from stagefy_cli.imaging.video.filters import PIXEL_FORMAT, Still, crossfade, rgb_image, still_frame
from stagefy_cli.imaging.video.motion import Motion, cover_size, motion_frames
from stagefy_cli.imaging.video.photos import PhotoSource, describe, load_framed


class Segment(Protocol):
    frame_count: int

    def frames(self) -> Iterator[av.VideoFrame]: ...


@dataclass
class StillSegment:
    image: Image.Image
    frame_count: int
    fps: int

    def frames(self) -> Iterator[av.VideoFrame]:
        still = Still(self.image, self.fps)
        for _ in range(self.frame_count):
            yield still.frame()


@dataclass
class PhotoSegment:
    source: PhotoSource
    index: int
    total: int
    size: tuple[int, int]
    motion: Motion
    frame_count: int
    fps: int
    fit: str = "blur"

    def frames(self) -> Iterator[av.VideoFrame]:
        photo = load_framed(self.source, self.index, self.total, cover_size(self.size), self.size, self.fit)
        planes = still_frame(photo, self.fps).to_ndarray()
        del photo
        for picture in motion_frames(planes, self.size, self.motion, self.frame_count):
            yield av.VideoFrame.from_ndarray(picture, format=PIXEL_FORMAT)


class ClipSegment:
    """A short video clip, re-timed to the output frame rate and cropped to fill the frame."""

    def __init__(self, path: Path, index: int, total: int, size: tuple[int, int], fps: int):
        self.path, self.index, self.total, self.size, self.fps = Path(path), index, total, size, fps
        try:
            with av.open(str(self.path)) as container:
                if not container.streams.video:
                    raise self._error("it has no video stream")
                stream = container.streams.video[0]
                if stream.duration is not None:
                    seconds = float(stream.duration * stream.time_base)
                elif container.duration is not None:
                    seconds = container.duration / av.time_base
                else:
                    raise self._error("its length is unknown")
        except av.FFmpegError as exc:
            raise self._error(exc) from None
        self.frame_count = max(1, round(seconds * fps))

    def _error(self, reason: object) -> PhotoError:
        return PhotoError(
            f"{describe(self.path, self.index, self.total, 'Clip')} cannot be read: {reason}", self.index
        )

    def frames(self) -> Iterator[av.VideoFrame]:
        try:
            with av.open(str(self.path)) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                yield from self._retimed(container.decode(stream))
        except av.FFmpegError as exc:
            raise self._error(exc) from None

    def _retimed(self, decoded: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        """Output frame k shows the last source frame that started at or before k / fps; a clip that
        ends early holds its last frame."""
        upcoming = next(decoded, None)
        if upcoming is None:
            raise self._error("it has no frames")
        start = upcoming.time or 0.0
        current: av.VideoFrame | None = None
        shown: Still | None = None
        for number in range(self.frame_count):
            moment = start + number / self.fps + 1e-6
            changed = False
            while upcoming is not None and (current is None or (upcoming.time or 0.0) <= moment):
                current, upcoming, changed = upcoming, next(decoded, None), True
            if changed:
                fitted = ImageOps.fit(rgb_image(current), self.size, Image.Resampling.BILINEAR)
                shown = Still(fitted, self.fps)
            yield shown.frame()


def crossfade_frames(segments: Sequence[Segment], fps: int, crossfade_s: float) -> int:
    """Frames each cross-fade lasts: the requested time, but at most half the shortest segment so a
    segment's fade-in and fade-out never overlap."""
    if len(segments) < 2:
        return 0
    return max(0, min(round(crossfade_s * fps), min(segment.frame_count for segment in segments) // 2))


def lengthen_for_crossfades(segments: Sequence[Segment], overlap: int) -> None:
    """Add to each segment the frames its cross-fades share with its neighbours, so that what is
    seen of it, from the middle of its fade-in to the middle of its fade-out, is the length it was
    given: half a fade at each end of the video, a whole one in between. The video then lasts the
    sum of the lengths given."""
    if not overlap:
        return
    for number, segment in enumerate(segments):
        first, last = number == 0, number == len(segments) - 1
        segment.frame_count += (0 if first else overlap - overlap // 2) + (0 if last else overlap // 2)


def total_frames(segments: Sequence[Segment], overlap: int) -> int:
    return sum(segment.frame_count for segment in segments) - overlap * (len(segments) - 1)


def timeline(
    segments: Sequence[Segment], overlap: int, size: tuple[int, int], fps: int
) -> Iterator[av.VideoFrame]:
    """All frames of the video: each segment in turn, cross-faded into the next over `overlap` frames."""
    incoming: Iterator[av.VideoFrame] | None = None
    for number, segment in enumerate(segments):
        frames = incoming if incoming is not None else segment.frames()
        is_last = number == len(segments) - 1
        solo = segment.frame_count - (overlap if number else 0) - (0 if is_last else overlap)
        for _ in range(solo):
            yield next(frames)
        if is_last:
            frames.close()
            break
        incoming = segments[number + 1].frames()
        if overlap:
            yield from crossfade(frames, incoming, overlap, size, fps)
        frames.close()
