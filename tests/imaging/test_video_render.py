"""The video renderer, checked by reading the written MP4 back with PyAV."""

from __future__ import annotations

import io
import math
import struct
import subprocess
import sys
import wave
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from stagefy_cli.imaging.video.render import (
    ClosingCard,
    OpeningCard,
    PhotoError,
    RenderError,
    join_clips,
    probe_video,
    render_slideshow,
)

# Slow: each test encodes videos (up to 30-40 s a test on a busy 2-core machine).
pytestmark = pytest.mark.slow


def make_photo(colour: tuple[int, int, int], size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A textured photo-like JPEG: stripes and circles over `colour`, so motion and fades are visible."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for k in range(0, size[0], 80):
        draw.rectangle((k, 0, k + 30, size[1]), fill=tuple(min(255, c + 60) for c in colour))
    for k in range(12):
        draw.ellipse((k * 120, k * 90, k * 120 + 150, k * 90 + 150), fill=(240, 240, 240))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def make_music(path: Path, seconds: float = 1.5, rate: int = 22050) -> Path:
    """A mono 440 Hz tone, shorter than the videos so it has to be looped."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(9000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(seconds * rate))
            )
        )
    return path


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


# The frame size of tests that check motion, fades, progress and errors rather than the formats' sizes:
# a ninth of the pixels of a 1080x1080 square, so a second of video encodes in a fraction of the time.
SMALL = (360, 360)

OPENING = OpeningCard("12 Long Street", city="Cape Town", price=2_450_000, bedrooms=3, bathrooms=2, sqft=1850)
CLOSING = ClosingCard("Jane Agent", brokerage="Acme Realty", phone="+27 82 555 0101")


def test_reel_with_cards_and_music_reads_back_as_h264_aac(tmp_path):
    out = tmp_path / "reel.mp4"
    music = make_music(tmp_path / "tone.wav")
    info = render_slideshow(
        [make_photo((180, 60, 40)), make_photo((40, 90, 170))],
        out,
        format="reel",
        seconds_per_photo=1.0,
        opening=OPENING,
        closing=CLOSING,
        music=music,
    )
    # 3 s card + 1 s + 1 s + 3 s card: each on screen as long as asked, cross-fades included.
    expected_frames = 90 + 30 + 30 + 90
    assert info == probe_video(out)
    assert (info.width, info.height, info.fps) == (1080, 1920, 30.0)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.frames == expected_frames
    assert info.duration_s == pytest.approx(expected_frames / 30, abs=0.05)

    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.pix_fmt == "yuv420p"
        assert audio.codec_context.sample_rate == 44100
        assert float(audio.duration * audio.time_base) == pytest.approx(info.duration_s, abs=0.1)
        samples = np.concatenate([frame.to_ndarray()[0] for frame in container.decode(audio=0)])
    middle = samples[len(samples) // 2 - 4410 : len(samples) // 2 + 4410]
    tail = samples[-2205:]
    assert np.sqrt(np.mean(middle**2)) > 0.1  # the looped tone is audible throughout
    assert np.sqrt(np.mean(tail**2)) < 0.1 * np.sqrt(np.mean(middle**2))  # and faded out at the end
    assert len(decoded_frames(out)) == expected_frames


@pytest.mark.parametrize(("format", "size"), [("landscape", (1920, 1080)), ("square", (1080, 1080))])
def test_formats_without_music_have_no_audio(tmp_path, format, size):
    out = tmp_path / f"{format}.mp4"
    info = render_slideshow(
        [make_photo((30, 120, 60)), make_photo((200, 180, 40))], out, format=format, seconds_per_photo=1.0
    )
    assert (info.width, info.height) == size
    assert info.audio_codec is None
    assert info.frames == 60  # two photos of 1 s
    assert info.duration_s == pytest.approx(2.0, abs=0.05)


def test_photos_pan_and_zoom_and_cross_fade(tmp_path):
    out = tmp_path / "motion.mp4"
    red, blue = make_photo((200, 30, 30)), make_photo((30, 30, 200))
    render_slideshow([red, blue], out, format="square", seconds_per_photo=1.0, size=SMALL)
    frames = decoded_frames(out)
    assert frames[0].shape == (SMALL[1], SMALL[0], 3)
    first, last_of_red = frames[0].astype(int), frames[14].astype(int)
    assert np.abs(first - last_of_red).mean() > 2  # the camera moves during a photo
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() < 20  # gently
    fade = frames[29].reshape(-1, 3).mean(axis=0)  # middle of the 15-frame cross-fade, at 1 s
    assert 60 < fade[0] < 170 and 60 < fade[2] < 170  # red and blue mixed
    assert frames[0].reshape(-1, 3).mean(axis=0)[0] > 150
    assert frames[-1].reshape(-1, 3).mean(axis=0)[2] > 150


def test_pans_glide_sub_pixel_without_wobble(tmp_path):
    """The second photo pans while zooming out: between consecutive frames the picture moves by a
    smoothly changing fraction of a pixel (a renderer that rounds the window to whole pixels, like
    ffmpeg's zoompan, jumps back and forth by nearly a pixel from one frame to the next)."""
    noise = np.random.default_rng(0).random((600, 800)) * 255
    texture = Image.fromarray(cv2.GaussianBlur(noise, (0, 0), 3).astype(np.uint8)).convert("RGB")
    buffer = io.BytesIO()
    texture.save(buffer, "PNG")
    out = tmp_path / "pan.mp4"
    render_slideshow([buffer.getvalue()] * 2, out, format="square", seconds_per_photo=2.0, crossfade_s=0.2)
    luma = [frame[..., 1].astype(np.float32) for frame in decoded_frames(out)[70:110]]
    shifts = np.array([cv2.phaseCorrelate(a, b)[0][0] for a, b in zip(luma, luma[1:], strict=False)])
    assert np.abs(shifts).mean() > 0.1, shifts  # it moves
    steps = np.abs(np.diff(shifts))
    # without steps: a renderer that rounds to whole pixels changes by nearly a pixel from one frame
    # to the next, over and over; the phase correlation of H.264 frames may misread one pair by half
    # a pixel (seen once in many runs on a loaded machine), so one outlier below that is tolerated
    assert np.percentile(steps, 95) < 0.3 and steps.max() < 0.7, shifts


def test_progress_is_reported_up_to_the_total(tmp_path):
    calls = []
    render_slideshow(
        [make_photo((90, 90, 90))] * 2,
        tmp_path / "p.mp4",
        format="square",
        seconds_per_photo=1.0,
        on_progress=lambda done, total: calls.append((done, total)),
        size=SMALL,
    )
    assert calls[-1] == (60, 60)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_garbage_photo_in_the_middle_names_its_index_before_rendering(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(make_photo((10, 100, 10)))
    bad = tmp_path / "kitchen.jpg"
    bad.write_bytes(b"this is not a jpeg")
    out = tmp_path / "v.mp4"
    with pytest.raises(PhotoError) as caught:
        render_slideshow([good, bad, good], out, format="square", seconds_per_photo=1.0)
    assert caught.value.index == 1
    assert "Photo 2 of 3 (kitchen.jpg)" in caught.value.message
    assert not out.exists()


def test_truncated_photo_fails_mid_render_and_leaves_no_file(tmp_path):
    whole = make_photo((10, 100, 10))
    out = tmp_path / "v.mp4"
    with pytest.raises(PhotoError) as caught:
        render_slideshow(
            [whole, whole[: len(whole) // 3], whole], out, format="square", seconds_per_photo=1.0, size=SMALL
        )
    assert caught.value.index == 1
    assert "Photo 2 of 3 cannot be read" in caught.value.message
    assert not out.exists()


def test_unknown_format_and_empty_input_are_errors(tmp_path):
    with pytest.raises(RenderError, match="Unknown video format"):
        render_slideshow([make_photo((1, 2, 3))], tmp_path / "x.mp4", format="portrait")
    with pytest.raises(RenderError, match="Unknown video format"):
        render_slideshow([make_photo((1, 2, 3))], tmp_path / "x.mp4", format="portrait", size=SMALL)
    with pytest.raises(RenderError, match="multiple of 40 pixels each way, not 300x200"):
        render_slideshow([make_photo((1, 2, 3))], tmp_path / "x.mp4", size=(300, 200))
    with pytest.raises(RenderError, match="at least one photo"):
        render_slideshow([], tmp_path / "x.mp4")
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("hello")
    with pytest.raises(RenderError, match="cannot be read as a video"):
        probe_video(not_video)


def make_clip(path: Path, colour: tuple[int, int, int], fps: int = 24, seconds: float = 1.0) -> Path:
    """A short 640x360 clip at another frame rate, like an image-to-video model returns."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for number in range(round(fps * seconds)):
            image = Image.new("RGB", (640, 360), colour)
            ImageDraw.Draw(image).ellipse((number * 10, 100, number * 10 + 120, 220), fill=(255, 255, 255))
            container.mux(stream.encode(av.VideoFrame.from_image(image)))
        container.mux(stream.encode())
    return path


def test_a_draft_size_renders_small_frames_with_cards(tmp_path):
    out = tmp_path / "draft.mp4"
    info = render_slideshow(
        [make_photo((30, 120, 60))],
        out,
        format="landscape",
        seconds_per_photo=1.0,
        opening=OPENING,
        size=(640, 360),
    )
    assert (info.width, info.height, info.frames) == (640, 360, 90 + 30)
    clips = [make_clip(tmp_path / "a.mp4", (200, 40, 40))]
    joined = join_clips(clips, tmp_path / "joined.mp4", format="square", size=SMALL)
    assert (joined.width, joined.height, joined.frames) == (*SMALL, 30)


def test_join_clips_retimes_crops_and_cross_fades(tmp_path):
    clips = [make_clip(tmp_path / "a.mp4", (200, 40, 40)), make_clip(tmp_path / "b.mp4", (40, 40, 200))]
    out = tmp_path / "joined.mp4"
    info = join_clips(clips, out, format="landscape", opening=OPENING, music=make_music(tmp_path / "m.wav"))
    expected_frames = 90 + 30 + 30
    assert (info.width, info.height, info.fps, info.frames) == (1920, 1080, 30.0, expected_frames)
    assert info.audio_codec == "aac"
    frames = decoded_frames(out)
    assert frames[-1].reshape(-1, 3).mean(axis=0)[2] > 120  # ends on the blue clip, filling the frame


def test_unreadable_clip_names_its_index(tmp_path):
    good = make_clip(tmp_path / "a.mp4", (200, 40, 40))
    bad = tmp_path / "b.mp4"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(PhotoError) as caught:
        join_clips([good, bad], tmp_path / "out.mp4", format="square")
    assert caught.value.index == 1
    assert "Clip 2 of 2 (b.mp4)" in caught.value.message


MEMORY_PROBE = """
import io, resource, sys
from pathlib import Path
from PIL import Image, ImageDraw
from stagefy_cli.imaging.video.render import render_slideshow

count, out = int(sys.argv[1]), Path(sys.argv[2])
image = Image.new("RGB", (3000, 2000), (120, 80, 40))
ImageDraw.Draw(image).ellipse((500, 500, 2500, 1500), fill=(30, 160, 200))
buffer = io.BytesIO()
image.save(buffer, "JPEG", quality=90)
photo = buffer.getvalue()
del image, buffer
photos = [bytes(photo) for _ in range(count)]  # distinct objects, each decoded on its own
render_slideshow(photos, out, format="square", seconds_per_photo=0.1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def peak_rss_mb(count: int, out: Path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(count), str(out)], capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1])


def test_memory_does_not_grow_with_the_number_of_photos(tmp_path):
    # The baseline already runs long enough for x264 to reach its steady-state buffers.
    few = peak_rss_mb(12, tmp_path / "few.mp4")
    many = peak_rss_mb(48, tmp_path / "many.mp4")
    # A prepared photo is 1782x1188 RGB (6 MB) after an 18 MB decode: keeping the 36 extra photos
    # would add well over 200 MB; streaming keeps the difference to allocator noise.
    assert many - few < 60, (few, many)
    assert probe_video(tmp_path / "many.mp4").frames == 48 * 3
