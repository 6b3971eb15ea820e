"""The music bed: any audio file decoded, looped or trimmed to the video's length and faded out."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from stagefy_cli.imaging.errors import RenderError

SAMPLE_RATE = 44100
LAYOUT = "stereo"
CHUNK = 1024  # samples per frame; AAC's own frame size
FADE_OUT_S = 2.0


class MusicTrack:
    """`frames()` yields float planar stereo frames covering exactly `duration_s` seconds."""

    def __init__(self, path: Path, duration_s: float):
        self.path = Path(path)
        self.total_samples = round(duration_s * SAMPLE_RATE)
        self.fade_samples = min(round(FADE_OUT_S * SAMPLE_RATE), self.total_samples // 4)
        self._check()

    def _error(self, reason: object) -> RenderError:
        return RenderError(f"The music file {self.path.name} cannot be used: {reason}")

    def _check(self) -> None:
        try:
            with av.open(str(self.path)) as container:
                if not container.streams.audio:
                    raise self._error("it has no audio")
        except av.FFmpegError as exc:
            raise self._error(exc) from None

    def _one_pass(self) -> Iterator[np.ndarray]:
        """The whole file once, as (2, n) float32 blocks at SAMPLE_RATE."""
        resampler = av.AudioResampler(format="fltp", layout=LAYOUT, rate=SAMPLE_RATE)
        try:
            with av.open(str(self.path)) as container:
                for frame in container.decode(container.streams.audio[0]):
                    frame.pts = None  # each pass restarts time; the resampler must not see a jump back
                    for out in resampler.resample(frame):
                        yield out.to_ndarray()
            for out in resampler.resample(None):
                yield out.to_ndarray()
        except av.FFmpegError as exc:
            raise self._error(exc) from None

    def _looped(self) -> Iterator[np.ndarray]:
        while True:
            produced = 0
            for block in self._one_pass():
                produced += block.shape[1]
                yield block
            if not produced:
                raise self._error("it contains no audio samples")

    def frames(self) -> Iterator[av.AudioFrame]:
        position = 0
        pending = np.zeros((2, 0), dtype=np.float32)
        blocks = self._looped()
        while position < self.total_samples:
            while pending.shape[1] < CHUNK:
                pending = np.concatenate([pending, next(blocks)], axis=1)
            size = min(CHUNK, self.total_samples - position)
            chunk, pending = pending[:, :size] * self._gain(position, size), pending[:, size:]
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk, dtype=np.float32), format="fltp", layout=LAYOUT
            )
            frame.sample_rate = SAMPLE_RATE
            frame.pts = position
            frame.time_base = Fraction(1, SAMPLE_RATE)
            yield frame
            position += size

    def _gain(self, position: int, size: int) -> np.ndarray:
        """1.0, falling linearly to 0 over the last fade_samples of the video."""
        samples = np.arange(position, position + size, dtype=np.float32)
        remaining = (self.total_samples - samples) / max(1, self.fade_samples)
        return np.minimum(remaining, 1.0).astype(np.float32)
