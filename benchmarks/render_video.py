"""Render time and peak memory of a 20-photo landscape video and of a reel, with cards and music.

Photos are generated (12-megapixel JPEGs, like a phone's) so nothing is downloaded. Peak memory is
the process's maximum resident set size, which includes Python, Pillow and the ffmpeg libraries.

Run: .venv/bin/python benchmarks/render_video.py [--photos 20] [--reel-photos 10]
"""

from __future__ import annotations

import argparse
import io
import math
import resource
import tempfile
import time
import wave
from pathlib import Path

from PIL import Image, ImageDraw

from stagefy_cli.imaging.video import ClosingCard, OpeningCard, render_slideshow


def make_photo(index: int, size: tuple[int, int] = (4000, 3000)) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for k in range(24):
        x, y = (k * 173) % size[0], (k * 311 + index * 997) % size[1]
        draw.rectangle((x, y, x + 600, y + 400), fill=((index * 53 + k * 9) % 256, (k * 31) % 256, 180))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def make_music(path: Path, seconds: float = 8.0, rate: int = 44100) -> None:
    samples = bytearray()
    for i in range(int(seconds * rate)):
        value = int(
            6000 * math.sin(2 * math.pi * 220 * i / rate) + 3000 * math.sin(2 * math.pi * 330 * i / rate)
        )
        samples += value.to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--reel-photos", type=int, default=10)
    args = parser.parse_args()
    opening = OpeningCard(
        "14 Beach Road, Camps Bay", city="Cape Town", price=12_500_000, bedrooms=4, bathrooms=3.5, sqft=3200
    )
    closing = ClosingCard("Thandi Nkosi", brokerage="Coastal Homes", phone="+27 82 555 0101")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photos = []
        for index in range(max(args.photos, args.reel_photos)):
            path = folder / f"photo-{index:02d}.jpg"
            path.write_bytes(make_photo(index))
            photos.append(path)
        music = folder / "music.wav"
        make_music(music)
        print(f"baseline peak RSS: {peak_mb():.0f} MB")
        cases = [("landscape", photos[: args.photos]), ("reel", photos[: args.reel_photos])]
        for format, chosen in cases:
            start = time.perf_counter()
            info = render_slideshow(
                chosen, folder / f"{format}.mp4", format=format, opening=opening, closing=closing, music=music
            )
            seconds = time.perf_counter() - start
            size_mb = (folder / f"{format}.mp4").stat().st_size / 1e6
            print(
                f"{format:9s} {len(chosen):2d} photos  {info.width}x{info.height} {info.duration_s:5.1f} s video"
                f"  rendered in {seconds:6.1f} s ({info.frames / seconds:5.1f} fps)  {size_mb:5.1f} MB"
                f"  peak RSS so far {peak_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()
