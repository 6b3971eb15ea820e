"""Listing videos: photos (or AI clips) with pan-and-zoom, cross-fades, title cards and music, as MP4.

These are pure functions of their inputs; the worker and commands decide where files come from and
where results go. Rendering streams: one source is decoded at a time (two during a cross-fade), so
a 60-photo video needs no more memory than a 3-photo one. The pixels are moved by libavfilter and
libx264 (through PyAV), as the `ffmpeg` command line would, so rendering costs about what it does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import av

from stagefy_cli.imaging.errors import PhotoError, RenderError
from stagefy_cli.imaging.video.audio import MusicTrack
from stagefy_cli.imaging.video.cards import render_closing_card, render_opening_card, render_title_card
from stagefy_cli.imaging.video.encoder import write_mp4
from stagefy_cli.imaging.video.motion import motion_for
from stagefy_cli.imaging.video.photos import FIT_STYLES, PhotoSource, check_photo
from stagefy_cli.imaging.video.segments import (
    ClipSegment,
    PhotoSegment,
    Segment,
    StillSegment,
    crossfade_frames,
    lengthen_for_crossfades,
    timeline,
    total_frames,
)
from stagefy_cli.imaging.video.types import (
    CardStyle,
    ClosingCard,
    OpeningCard,
    TitleCard,
    VideoFormat,
    VideoInfo,
    frame_size,
)

__all__ = [
    "CardStyle",
    "ClosingCard",
    "OpeningCard",
    "PhotoError",
    "RenderError",
    "TitleCard",
    "VideoInfo",
    "join_clips",
    "probe_video",
    "render_slideshow",
]

CARD_SECONDS = 3.0
DEFAULT_CROSSFADE_S = 0.6


def _with_cards(
    body: list[Segment],
    size: tuple[int, int],
    fps: int,
    opening: OpeningCard | TitleCard | None,
    closing: ClosingCard | None,
) -> list[Segment]:
    card_frames = round(CARD_SECONDS * fps)
    head = []
    if isinstance(opening, TitleCard):
        head = [StillSegment(render_title_card(opening, size), card_frames, fps)]
    elif opening is not None:
        head = [StillSegment(render_opening_card(opening, size), card_frames, fps)]
    tail = [StillSegment(render_closing_card(closing, size), card_frames, fps)] if closing else []
    return [*head, *body, *tail]


def _render(
    segments: list[Segment],
    out_path: Path,
    size: tuple[int, int],
    fps: int,
    crossfade_s: float,
    music: Path | None,
    on_progress: Callable[[int, int], None] | None,
) -> VideoInfo:
    overlap = crossfade_frames(segments, fps, crossfade_s)
    lengthen_for_crossfades(segments, overlap)
    total = total_frames(segments, overlap)
    track = MusicTrack(Path(music), total / fps) if music is not None else None
    write_mp4(
        Path(out_path),
        timeline(segments, overlap, size, fps),
        size=size,
        fps=fps,
        total=total,
        music=track,
        on_progress=on_progress,
    )
    return probe_video(out_path)


def _frame_size(format: VideoFormat, size: tuple[int, int] | None) -> tuple[int, int]:
    """The format's frame size (checking the format), or `size` when given."""
    format_size = frame_size(format)
    if size is None:
        return format_size
    # Multiples of 40, like the formats' sizes: the prepared photo (OVERSCAN 1.1x) then splits into
    # whole yuv420p planes.
    if min(size) < 40 or any(side % 40 for side in size):
        raise RenderError(f"A frame size must be a multiple of 40 pixels each way, not {size[0]}x{size[1]}.")
    return size


def render_slideshow(
    photos: Sequence[PhotoSource],
    out_path: Path,
    *,
    format: VideoFormat = "landscape",
    seconds_per_photo: float = 3.0,
    fps: int = 30,
    opening: OpeningCard | TitleCard | None = None,
    closing: ClosingCard | None = None,
    music: Path | None = None,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    on_progress: Callable[[int, int], None] | None = None,
    size: tuple[int, int] | None = None,
    fit: str = "blur",
) -> VideoInfo:
    """Render `photos` (paths or encoded bytes) to an MP4 at `out_path` and return what was written.

    Each photo is on screen `seconds_per_photo` (from the middle of the cross-fade that brings it
    in to the middle of the one that takes it out), each card CARD_SECONDS, so the video lasts
    their sum. A photo of another shape than the frame (a portrait photo in a landscape video) is
    shown whole, over a blurred copy of itself (`fit="blur"`) or on black (`"letterbox"`).
    Raises PhotoError (a RenderError) naming the first unreadable photo; no partial file is left.
    `on_progress(done, total)` is called once per second of video and after the last frame.
    `size` (width, height; multiples of 40) renders other frames than the format's, e.g. a small draft.
    """
    if not photos:
        raise RenderError("A video needs at least one photo.")
    if seconds_per_photo <= 0 or fps <= 0:
        raise RenderError("Seconds per photo and frames per second must be positive.")
    if fit not in FIT_STYLES:
        raise RenderError(f"Unknown fit {fit!r}; choose one of: {', '.join(FIT_STYLES)}.")
    size = _frame_size(format, size)
    for index, photo in enumerate(photos):
        check_photo(photo, index, len(photos))
    per_photo = max(1, round(seconds_per_photo * fps))
    body: list[Segment] = [
        PhotoSegment(photo, index, len(photos), size, motion_for(index), per_photo, fps, fit)
        for index, photo in enumerate(photos)
    ]
    segments = _with_cards(body, size, fps, opening, closing)
    return _render(segments, out_path, size, fps, crossfade_s, music, on_progress)


def join_clips(
    clips: Sequence[Path],
    out_path: Path,
    *,
    format: VideoFormat = "landscape",
    fps: int = 30,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    opening: OpeningCard | TitleCard | None = None,
    closing: ClosingCard | None = None,
    music: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    size: tuple[int, int] | None = None,
) -> VideoInfo:
    """Join short MP4 clips (one per photo, from an image-to-video model) like `render_slideshow`:
    each clip cropped to fill the frame and re-timed to `fps`, cross-faded, between the cards."""
    if not clips:
        raise RenderError("Joining needs at least one clip.")
    size = _frame_size(format, size)
    body: list[Segment] = [
        ClipSegment(Path(clip), index, len(clips), size, fps) for index, clip in enumerate(clips)
    ]
    segments = _with_cards(body, size, fps, opening, closing)
    return _render(segments, out_path, size, fps, crossfade_s, music, on_progress)


def probe_video(path: Path) -> VideoInfo:
    """Read a video file back: size, frame rate, duration, codecs and frame count."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise RenderError(f"{Path(path).name} has no video stream.")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            duration = container.duration / av.time_base if container.duration else 0.0
            if video.duration is not None:
                duration = float(video.duration * video.time_base)
            return VideoInfo(
                width=video.codec_context.width,
                height=video.codec_context.height,
                fps=float(video.average_rate or video.guessed_rate or 0),
                duration_s=duration,
                video_codec=video.codec_context.name,
                audio_codec=audio.codec_context.name if audio is not None else None,
                frames=video.frames,
            )
    except av.FFmpegError as exc:
        raise RenderError(f"{Path(path).name} cannot be read as a video: {exc}") from None
