"""Inputs for the video and template tests: photos, a music file, a short clip, SQL reads."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw
from stagefy_testing import add_listing, balance, library_item, price, run_cli, sql  # noqa: F401 - re-exported


def make_photo(path: Path, size=(800, 600), seed: int = 0) -> Path:
    """A small photo-like JPEG: a gradient, a window and some structure (distinct per seed)."""
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.integers(60, 160, 3)
    pixels = np.stack([base[i] + 60 * (xx if i % 2 else yy) / max(width, height) for i in range(3)], -1)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 5, height // 5, width // 2, height // 2), fill=(230, 230, 220))
    image.save(path, "JPEG", quality=90)
    return path


def make_music(path: Path, seconds: float = 2.0, rate: int = 44100) -> Path:
    """A 440 Hz stereo tone as 16-bit WAV."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<hh", sample, sample)
            for sample in (
                int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))
            )
        )
        out.writeframes(frames)
    return path


def make_clip(path: Path, seconds: float = 1.0, fps: int = 24, size=(320, 240)) -> bytes:
    """A short H.264 MP4, as an image-to-video model returns one."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for n in range(int(seconds * fps)):
            pixels = np.full((size[1], size[0], 3), (40 + n * 4) % 255, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


def ledger(stack, user_id: str) -> list[tuple[str, int]]:
    return sql(
        stack,
        "select type::text, amount from public.credit_transactions where user_id = %s order by created_at, amount",
        user_id,
    )
