"""An MP4 writer: H.264 (yuv420p) video from libav frames, optional AAC music interleaved by time.

Frames are produced on a helper thread (libavfilter graphs) while the main thread encodes, so the
two cores of a small machine both work. The queue holds only a few frames, which keeps memory flat.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av

from stagefy_cli.imaging.video.audio import SAMPLE_RATE, MusicTrack
from stagefy_cli.imaging.video.filters import BT709, LIMITED_RANGE

X264_PRESET = "veryfast"
X264_CRF = "20"
AAC_BITRATE = 160_000
QUEUE_FRAMES = 4
_DONE = object()


class _Producer(threading.Thread):
    """Runs the frame generator ahead of the encoder; its exception is re-raised on the consumer side."""

    def __init__(self, frames: Iterator[av.VideoFrame]):
        super().__init__(daemon=True)
        self.frames = frames
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            for frame in self.frames:
                if not self._put(frame):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc)

    def _put(self, item) -> bool:
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[av.VideoFrame]:
        while True:
            item = self.queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


def write_mp4(
    out_path: Path,
    frames: Iterator[av.VideoFrame],
    *,
    size: tuple[int, int],
    fps: int,
    total: int,
    music: MusicTrack | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """Encode `total` frames to `out_path` (removed again if anything fails)."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    producer = _Producer(frames)
    try:
        with av.open(str(out_path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            video = container.add_stream(
                "libx264", rate=fps, options={"preset": X264_PRESET, "crf": X264_CRF}
            )
            video.width, video.height = size
            video.pix_fmt = "yuv420p"
            # Tagged as what the frames are (`video_filters`): BT.709 primaries, transfer and matrix.
            context = video.codec_context
            context.color_primaries = context.color_trc = context.colorspace = BT709
            context.color_range = LIMITED_RANGE
            video.codec_context.thread_type = "FRAME"
            audio = None
            audio_frames = None
            if music is not None:
                audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
                audio.bit_rate = AAC_BITRATE
                audio_frames = music.frames()
            pending_audio = next(audio_frames, None) if audio_frames else None
            producer.start()
            for done, frame in enumerate(producer, start=1):
                frame.pts, frame.time_base = done - 1, Fraction(1, fps)
                container.mux(video.encode(frame))
                # Keep audio just ahead of the video so the file is interleaved for streaming players.
                while pending_audio is not None and pending_audio.pts <= done * SAMPLE_RATE / fps:
                    container.mux(audio.encode(pending_audio))
                    pending_audio = next(audio_frames, None)
                if on_progress and (done % fps == 0 or done == total):
                    on_progress(done, total)
            container.mux(video.encode())
            while pending_audio is not None:
                container.mux(audio.encode(pending_audio))
                pending_audio = next(audio_frames, None)
            if audio is not None:
                container.mux(audio.encode())
    except BaseException:
        producer.stop()
        out_path.unlink(missing_ok=True)
        raise
    producer.stop()
