"""Seconds the `local` provider takes to enhance a 12-megapixel JPEG (4000x3000), end to end as the
worker calls it: decode, EXIF orientation, white balance, levels, denoise, sharpen, JPEG encode.
Also times the local sky replacement and day-to-dusk on a 12-megapixel exterior. Median of N runs.

Run: .venv/bin/python benchmarks/local_enhance.py [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time

import numpy as np
from PIL import Image

from stagefy_cli.ai.base import EditRequest
from stagefy_cli.ai.local import LocalProvider

WIDTH, HEIGHT = 4000, 3000


def synthetic_jpeg(exterior: bool) -> bytes:
    """A photo-like 12 MP JPEG: a warm-cast room, or a grey sky over a house and lawn; noise on both."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    pixels = np.empty((HEIGHT, WIDTH, 3), np.float32)
    if exterior:
        pixels[:] = (215, 220, 226)
        pixels[int(HEIGHT * 0.6) :] = (80, 120, 60)
        pixels[int(HEIGHT * 0.35) : int(HEIGHT * 0.7), 1200:2800] = (190, 180, 165)
    else:
        shade = (0.7 + 0.3 * np.hypot(xx / WIDTH - 0.5, yy / HEIGHT - 0.4))[..., None]
        pixels[:] = np.array([205, 180, 140], np.float32) / shade
        pixels[int(HEIGHT * 0.65) :] = (150, 110, 70)
        pixels[800:1500, 1400:2600] = (240, 240, 235)
    pixels += rng.normal(0, 5, (HEIGHT, WIDTH, 1)).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def median_seconds(provider: LocalProvider, request: EditRequest, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        provider.run(request)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    provider = LocalProvider()
    interior, exterior = synthetic_jpeg(exterior=False), synthetic_jpeg(exterior=True)
    print(
        f"{WIDTH}x{HEIGHT} JPEG ({len(interior) / 1e6:.1f} MB), {os.cpu_count()} cores, median of {args.runs} runs"
    )
    for edit_type, photo in (("enhance", interior), ("sky_replacement", exterior), ("day_to_dusk", exterior)):
        seconds = median_seconds(provider, EditRequest(edit_type, photo, "image/jpeg"), args.runs)
        print(f"local {edit_type:16} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
