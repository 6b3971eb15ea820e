"""yuv420p frames for the encoder, and the cross-fade as a libavfilter graph (`xfade`) through PyAV.

Pictures become BT.709 yuv420p (limited range) here, the colours HD video is decoded with by
browsers, players and YouTube, and the encoder tags the stream so (`video_encoder`).
Frames stay libav frames (yuv420p) from here to the encoder: Python only hands references along,
so the per-pixel blending runs in FFmpeg's C code, as it does for the `ffmpeg` command line. Each
cross-fade graph is small and short-lived, so only the two sources on screen are in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import av
import av.filter
from av.video.reformatter import ColorRange, Colorspace
from PIL import Image

PIXEL_FORMAT = "yuv420p"
# libav's codes (AVCOL_SPC_BT709, AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_RANGE_MPEG): all 1
BT709 = 1
LIMITED_RANGE = 1
_BT601_CODES = {5, 6}  # AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M


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
    frame = av.VideoFrame.from_image(image).reformat(
        format=PIXEL_FORMAT, dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG
    )
    frame.pts, frame.time_base = 0, Fraction(1, fps)
    return frame


def rgb_image(frame: av.VideoFrame) -> Image.Image:
    """A decoded frame's picture, read with its own matrix: BT.601 when it says so, else BT.709
    (what an untagged HD clip means)."""
    matrix = Colorspace.ITU601 if frame.colorspace in _BT601_CODES else Colorspace.ITU709
    return frame.to_image(src_colorspace=matrix)


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
