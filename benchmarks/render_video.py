"""The product's slideshow renderer against the `ffmpeg` command line, on the same photos, in one run.

Both make the same video: the opening card, N photos with the same Ken Burns motion (the product
warps each frame sub-pixel with OpenCV; ffmpeg uses zoompan) and 0.6 s cross-fades (xfade), the closing card, looped music faded out at the end; H.264 veryfast
CRF 20 yuv420p and AAC 160 kb/s in an MP4 with +faststart, 30 fps. Each runs as a child process,
so its CPU time (user + system) and peak memory (maximum resident set) are its own; the ratio is
product / ffmpeg. The product needs no `ffmpeg` binary (PyAV bundles the libraries); this benchmark
does (Debian: apt-get install ffmpeg).

Photos are generated 12-megapixel JPEGs, like a phone's; the cards are drawn by the product's own
card renderer and handed to ffmpeg as PNGs.

Run: .venv/bin/python benchmarks/render_video.py [--photos 20] [--format landscape]
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from PIL import Image, ImageDraw

from stagefy_cli.imaging.video.audio import FADE_OUT_S
from stagefy_cli.imaging.video.cards import render_closing_card, render_opening_card
from stagefy_cli.imaging.video.encoder import AAC_BITRATE, X264_CRF, X264_PRESET
from stagefy_cli.imaging.video.motion import Motion, cover_size, motion_for
from stagefy_cli.imaging.video.render import (
    CARD_SECONDS,
    DEFAULT_CROSSFADE_S,
    ClosingCard,
    OpeningCard,
    probe_video,
)
from stagefy_cli.imaging.video.types import frame_size

SECONDS_PER_PHOTO, FPS = 3.0, 30
OPENING = OpeningCard(
    "14 Beach Road, Camps Bay", city="Cape Town", price=12_500_000, bedrooms=4, bathrooms=3.5, sqft=3200
)
CLOSING = ClosingCard("Thandi Nkosi", brokerage="Coastal Homes", phone="+27 82 555 0101")

PRODUCT = """
import sys
from pathlib import Path
sys.path.insert(0, {here!r})
from render_video import CLOSING, OPENING, SECONDS_PER_PHOTO
from stagefy_cli.imaging.video.render import render_slideshow
out, format, music, *photos = sys.argv[1:]
render_slideshow([Path(p) for p in photos], Path(out), format=format, seconds_per_photo=SECONDS_PER_PHOTO,
                 opening=OPENING, closing=CLOSING, music=Path(music))
"""


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


def zoompan_options(motion: Motion, frame: tuple[int, int], frame_count: int) -> str:
    """`zoompan` options for the product's `motion` over `frame_count` frames (`on` counts them from
    0); the window is iw/zoom wide and moves across the free room, iw - iw/zoom. zoompan rounds the
    window to whole pixels, so its pans step where the product's glide; the work is the same."""
    progress = f"(on/{max(1, frame_count - 1)})"

    def between(start: float, end: float) -> str:
        return f"({start}+({end - start})*{progress})"

    return (
        f"z='{between(motion.zoom_from, motion.zoom_to)}'"
        f":x='(iw-iw/zoom)*{between(motion.pan_from[0], motion.pan_to[0])}'"
        f":y='(ih-ih/zoom)*{between(motion.pan_from[1], motion.pan_to[1])}'"
        f":d={frame_count}:s={frame[0]}x{frame[1]}:fps={FPS}"
    )


def ffmpeg_command(
    photos: list[Path], cards: tuple[Path, Path], music: Path, format: str, out: Path
) -> list[str]:
    """The same slideshow as one ffmpeg filter graph: zoompan per photo, an xfade chain, music."""
    size = frame_size(format)
    cover = cover_size(size)
    per_photo = round(SECONDS_PER_PHOTO * FPS)
    card_frames = round(CARD_SECONDS * FPS)
    overlap = min(round(DEFAULT_CROSSFADE_S * FPS), per_photo // 2)
    inputs = ["-loop", "1", "-framerate", str(FPS), "-t", str(card_frames / FPS), "-i", str(cards[0])]
    for photo in photos:
        inputs += ["-i", str(photo)]
    inputs += ["-loop", "1", "-framerate", str(FPS), "-t", str(card_frames / FPS), "-i", str(cards[1])]
    inputs += ["-stream_loop", "-1", "-i", str(music)]
    chains = ["[0:v]format=yuv420p,setsar=1[s0]"]
    for index, _ in enumerate(photos, start=1):
        motion = zoompan_options(motion_for(index - 1), size, per_photo)
        chains.append(
            f"[{index}:v]scale={cover[0]}:{cover[1]}:force_original_aspect_ratio=increase,"
            f"crop={cover[0]}:{cover[1]},format=yuv420p,zoompan={motion},setsar=1[s{index}]"
        )
    last = len(photos) + 1
    chains.append(f"[{last}:v]format=yuv420p,setsar=1[s{last}]")
    lengths = [card_frames] + [per_photo] * len(photos) + [card_frames]
    shown, previous = lengths[0], "s0"
    for index in range(1, last + 1):
        offset = (shown - overlap) / FPS
        chains.append(
            f"[{previous}][s{index}]xfade=transition=fade:duration={overlap / FPS}:offset={offset}[x{index}]"
        )
        shown += lengths[index] - overlap
        previous = f"x{index}"
    seconds = shown / FPS
    fade = min(FADE_OUT_S, seconds / 4)
    chains.append(
        f"[{last + 1}:a]atrim=0:{seconds},afade=t=out:st={seconds - fade}:d={fade},aresample=44100[a]"
    )
    return [
        "ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", ";".join(chains),
        "-map", f"[{previous}]", "-map", "[a]", "-c:v", "libx264", "-preset", X264_PRESET, "-crf", X264_CRF,
        "-pix_fmt", "yuv420p", "-r", str(FPS), "-c:a", "aac", "-b:a", str(AAC_BITRATE), "-ac", "2",
        "-movflags", "+faststart", "-t", str(seconds), str(out),
    ]  # fmt: skip


def measured(command: list[str]) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak MB) of one child process and everything it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--format", default="landscape", choices=["landscape", "reel", "square"])
    args = parser.parse_args()
    if not shutil.which("ffmpeg"):
        raise SystemExit("this benchmark compares with the ffmpeg command line: install ffmpeg first")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photos = []
        for index in range(args.photos):
            path = folder / f"photo-{index:02d}.jpg"
            path.write_bytes(make_photo(index))
            photos.append(path)
        music = folder / "music.wav"
        make_music(music)
        size = frame_size(args.format)
        cards = (folder / "opening.png", folder / "closing.png")
        render_opening_card(OPENING, size).save(cards[0])
        render_closing_card(CLOSING, size).save(cards[1])
        script = PRODUCT.format(here=str(Path(__file__).resolve().parent))
        product_out, cli_out = folder / "product.mp4", folder / "ffmpeg.mp4"
        product = measured(
            [sys.executable, "-c", script, str(product_out), args.format, str(music), *map(str, photos)]
        )
        cli = measured(ffmpeg_command(photos, cards, music, args.format, cli_out))
        version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
        print(f"{args.photos} photos, {args.format}, {os.cpu_count()} cores; {version}")
        for name, (cpu, wall, peak), out in (("product", product, product_out), ("ffmpeg CLI", cli, cli_out)):
            info = probe_video(out)
            print(
                f"  {name:10} CPU {cpu:6.1f} s  wall {wall:6.1f} s  peak {peak:5.0f} MB   "
                f"{info.width}x{info.height} {info.frames} frames {info.duration_s:.1f} s {info.audio_codec}"
            )
        print(f"  CPU ratio product / ffmpeg CLI: {product[0] / cli[0]:.2f}x")


if __name__ == "__main__":
    main()
