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
from stagefy_cli.imaging.video_audio import MusicTrack
from stagefy_cli.imaging.video_cards import render_closing_card, render_opening_card
from stagefy_cli.imaging.video_encoder import write_mp4
from stagefy_cli.imaging.video_motion import motion_for
from stagefy_cli.imaging.video_photos import PhotoSource, check_photo
from stagefy_cli.imaging.video_segments import (
    ClipSegment,
    PhotoSegment,
    Segment,
    StillSegment,
    crossfade_frames,
    timeline,
    total_frames,
)
from stagefy_cli.imaging.video_types import (
    CardStyle,
    ClosingCard,
    OpeningCard,
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
    opening: OpeningCard | None,
    closing: ClosingCard | None,
) -> list[Segment]:
    card_frames = round(CARD_SECONDS * fps)
    head = [StillSegment(render_opening_card(opening, size), card_frames, fps)] if opening else []
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


def render_slideshow(
    photos: Sequence[PhotoSource],
    out_path: Path,
    *,
    format: VideoFormat = "landscape",
    seconds_per_photo: float = 3.0,
    fps: int = 30,
    opening: OpeningCard | None = None,
    closing: ClosingCard | None = None,
    music: Path | None = None,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    on_progress: Callable[[int, int], None] | None = None,
) -> VideoInfo:
    """Render `photos` (paths or encoded bytes) to an MP4 at `out_path` and return what was written.

    Raises PhotoError (a RenderError) naming the first unreadable photo; no partial file is left.
    `on_progress(done, total)` is called once per second of video and after the last frame.
    """
    if not photos:
        raise RenderError("A video needs at least one photo.")
    if seconds_per_photo <= 0 or fps <= 0:
        raise RenderError("Seconds per photo and frames per second must be positive.")
    size = frame_size(format)
    for index, photo in enumerate(photos):
        check_photo(photo, index, len(photos))
    per_photo = max(1, round(seconds_per_photo * fps))
    body: list[Segment] = [
        PhotoSegment(photo, index, len(photos), size, motion_for(index), per_photo, fps)
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
    opening: OpeningCard | None = None,
    closing: ClosingCard | None = None,
    music: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> VideoInfo:
    """Join short MP4 clips (one per photo, from an image-to-video model) like `render_slideshow`:
    each clip cropped to fill the frame and re-timed to `fps`, cross-faded, between the cards."""
    if not clips:
        raise RenderError("Joining needs at least one clip.")
    size = frame_size(format)
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
