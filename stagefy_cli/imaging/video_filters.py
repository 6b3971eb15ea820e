"""yuv420p frames for the encoder, and the cross-fade as a libavfilter graph (`xfade`) through PyAV.

Frames stay libav frames (yuv420p) from here to the encoder: Python only hands references along,
so the per-pixel blending runs in FFmpeg's C code, as it does for the `ffmpeg` command line. Each
cross-fade graph is small and short-lived, so only the two sources on screen are in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import av
import av.filter
from PIL import Image

PIXEL_FORMAT = "yuv420p"


def _buffer_args(size: tuple[int, int], fps: int) -> str:
    return f"video_size={size[0]}x{size[1]}:pix_fmt={PIXEL_FORMAT}:time_base=1/{fps}:pixel_aspect=1/1:frame_rate={fps}/1"


def _drain(sink: av.filter.context.FilterContext) -> Iterator[av.VideoFrame]:
    """Every frame the sink has now; stops when it needs more input or has ended."""
    while True:
        try:
            yield sink.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return


def still_frame(image: Image.Image, fps: int) -> av.VideoFrame:
    """`image` as a frame in the pixel format and time base the graphs and the encoder use."""
    frame = av.VideoFrame.from_image(image).reformat(format=PIXEL_FORMAT)
    frame.pts, frame.time_base = 0, Fraction(1, fps)
    return frame


class Still:
    """A picture shown for many frames: each frame is its own copy (a cheap memcpy), since frames
    get their own timestamps on the way to the encoder."""

    def __init__(self, image: Image.Image, fps: int):
        self.planes = still_frame(image, fps).to_ndarray()
        self.fps = fps

    def frame(self) -> av.VideoFrame:
        frame = av.VideoFrame.from_ndarray(self.planes, format=PIXEL_FORMAT)
        frame.time_base = Fraction(1, self.fps)
        return frame


def crossfade(
    outgoing: Iterator[av.VideoFrame],
    incoming: Iterator[av.VideoFrame],
    count: int,
    size: tuple[int, int],
    fps: int,
) -> Iterator[av.VideoFrame]:
    """`count` frames blending the next `count` frames of `outgoing` into those of `incoming`."""
    graph = av.filter.Graph()
    first = graph.add("buffer", _buffer_args(size, fps))
    second = graph.add("buffer", _buffer_args(size, fps))
    fade = graph.add("xfade", f"transition=fade:duration={count / fps}:offset=0")
    sink = graph.add("buffersink")
    first.link_to(fade, 0, 0)
    second.link_to(fade, 0, 1)
    fade.link_to(sink)
    graph.configure()
    for number in range(count):
        for source, frames in ((first, outgoing), (second, incoming)):
            frame = next(frames)
            frame.pts, frame.time_base = number, Fraction(1, fps)
            source.push(frame)
        yield from _drain(sink)
    first.push(None)
    second.push(None)
    yield from _drain(sink)
