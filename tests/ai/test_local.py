"""The local provider really edits photos: measured on synthetic images with known defects."""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image

from stagefy_cli.ai.base import EditRequest, ProviderError, UnsupportedEdit
from stagefy_cli.ai.local import LocalProvider

LUMA = np.array([0.299, 0.587, 0.114])


def room_with_cast(width=1200, height=800, cast=(1.15, 1.0, 0.72), seed=3) -> np.ndarray:
    """A neutral room (grey walls, darker floor, white window, a dark sofa) shot with a warm cast,
    flat contrast and sensor noise."""
    rng = np.random.default_rng(seed)
    room = np.full((height, width, 3), 0.62, np.float32)
    room[int(height * 0.65) :] = 0.35  # floor
    room[int(height * 0.2) : int(height * 0.5), int(width * 0.35) : int(width * 0.65)] = 0.95  # window
    room[int(height * 0.55) : int(height * 0.75), int(width * 0.1) : int(width * 0.4)] = 0.12  # sofa
    room = 0.25 + room * 0.5  # flat: everything between 0.25 and 0.75
    room = room * np.array(cast, np.float32) + rng.normal(0, 0.02, room.shape)
    return np.clip(room * 255, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **options)
    return out.getvalue()


def decode(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return np.asarray(image.convert("RGB"), np.float32)


def luma_spread(pixels: np.ndarray) -> float:
    low, high = np.percentile(pixels.reshape(-1, 3) @ LUMA, [2, 98])
    return float(high - low)


def test_enhance_corrects_a_colour_cast_and_raises_contrast():
    before = room_with_cast()
    result = LocalProvider().run(EditRequest("enhance", encode(before, "JPEG", quality=95), "image/jpeg"))
    after = decode(result.image)

    means_before = before.reshape(-1, 3).mean(axis=0)
    means_after = after.reshape(-1, 3).mean(axis=0)
    assert means_before[0] - means_before[2] > 50  # the cast: red far above blue
    assert abs(means_after[0] - means_after[2]) < 0.3 * (means_before[0] - means_before[2])
    assert luma_spread(after) > 1.25 * luma_spread(before)
    assert after.shape == before.shape
    assert result.mime_type == "image/jpeg" and result.model == "stagefy/local-enhance-v1"
    assert result.api_cost == Decimal("0")


def test_enhance_reduces_noise_on_flat_surfaces():
    before = room_with_cast(cast=(1.0, 1.0, 1.0))
    after = decode(LocalProvider().run(EditRequest("enhance", encode(before, "PNG"), "image/png")).image)
    wall = (slice(40, 140), slice(800, 1100))
    # Contrast is raised, so compare the noise relative to the wall-to-floor step.
    step_before = before[600:, 800:1100].mean() - before[wall].mean()
    step_after = after[600:, 800:1100].mean() - after[wall].mean()
    assert after[wall].std() / abs(step_after) < 0.8 * before[wall].std() / abs(step_before)


@pytest.mark.parametrize(
    ("fmt", "mime", "mode"), [("PNG", "image/png", "RGBA"), ("WEBP", "image/webp", "RGB")]
)
def test_enhance_takes_png_and_webp_and_keeps_the_size(fmt, mime, mode):
    pixels = room_with_cast(640, 427)
    image = Image.fromarray(pixels).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt)
    after = decode(LocalProvider().run(EditRequest("enhance", out.getvalue(), mime)).image)
    assert after.shape == (427, 640, 3)


def test_exif_orientation_is_applied_and_not_kept():
    image = Image.fromarray(room_with_cast(600, 400))
    exif = image.getexif()
    exif[0x0112] = 6  # stored landscape, displayed rotated 90 degrees clockwise
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())

    result = LocalProvider().run(EditRequest("enhance", out.getvalue(), "image/jpeg"))
    edited = Image.open(io.BytesIO(result.image))
    assert edited.size == (400, 600)
    assert edited.getexif().get(0x0112) in (None, 1)


@pytest.mark.parametrize("edit_type", ["virtual_staging", "declutter", "custom"])
def test_generative_edits_are_refused_naming_the_providers_that_can(edit_type):
    provider = LocalProvider()
    assert not provider.supports(edit_type)
    with pytest.raises(UnsupportedEdit) as caught:
        provider.run(EditRequest(edit_type, encode(room_with_cast(64, 64), "PNG"), "image/png", prompt="x"))
    message = str(caught.value)
    for name in ("replicate", "nano_banana", "qwen"):
        assert name in message
    assert caught.value.retryable is False


def test_bytes_that_are_not_an_image_are_a_provider_error():
    with pytest.raises(ProviderError, match="cannot be read as an image"):
        LocalProvider().run(EditRequest("enhance", b"%PDF-1.7 not a photo", "image/jpeg"))


def exterior(width=1200, height=800, seed=5) -> np.ndarray:
    """An overcast exterior: a pale grey sky over a dark roof, walls, trees and a lawn."""
    rng = np.random.default_rng(seed)
    scene = np.empty((height, width, 3), np.float32)
    scene[:] = (0.86, 0.87, 0.88)  # sky
    horizon = int(height * 0.55)
    scene[horizon:] = (0.3, 0.45, 0.22)  # lawn
    scene[int(height * 0.3) : horizon + 60, int(width * 0.3) : int(width * 0.7)] = (0.45, 0.3, 0.25)  # house
    scene[int(height * 0.35) : horizon, : int(width * 0.15)] = (0.2, 0.32, 0.18)  # trees
    scene += rng.normal(0, 0.01, scene.shape)
    return np.clip(scene * 255, 0, 255).astype(np.uint8)


def test_sky_replacement_paints_a_blue_sky_and_leaves_the_ground_alone():
    before = exterior()
    result = LocalProvider().run(
        EditRequest("sky_replacement", encode(before, "JPEG", quality=95), "image/jpeg")
    )
    after = decode(result.image)
    sky, house, lawn = (
        (slice(0, 150), slice(500, 700)),
        (slice(300, 400), slice(400, 800)),
        (slice(600, 800), slice(0, 1200)),
    )
    assert after[sky][..., 2].mean() - after[sky][..., 0].mean() > 40  # blue now, grey before
    assert abs(before[sky][..., 2].mean() - before[sky][..., 0].mean()) < 10
    for region in (house, lawn):
        assert np.abs(after[region] - before[region]).mean() < 4
    assert result.model == "stagefy/local-sky-v1" and after.shape == before.shape


def test_day_to_dusk_darkens_the_scene_under_a_twilight_sky():
    before = exterior()
    after = decode(LocalProvider().run(EditRequest("day_to_dusk", encode(before, "PNG"), "image/png")).image)
    top, lawn = after[:60].reshape(-1, 3).mean(axis=0), after[650:].reshape(-1, 3).mean(axis=0)
    assert top[2] > top[0] and top @ LUMA < 0.5 * (before[:60].reshape(-1, 3).mean(axis=0) @ LUMA)
    assert lawn @ LUMA < 0.6 * (before[650:].reshape(-1, 3).mean(axis=0) @ LUMA)


@pytest.mark.parametrize("edit_type", ["sky_replacement", "day_to_dusk"])
def test_a_photo_without_open_sky_is_refused_not_painted(edit_type):
    with pytest.raises(UnsupportedEdit, match="no open sky.*nano_banana"):
        LocalProvider().run(EditRequest(edit_type, encode(room_with_cast(), "PNG"), "image/png"))


def test_enhance_does_not_tint_a_grey_sky_over_a_green_lawn():
    """Plain gray-world would turn this sky magenta to balance the lawn; the scene's greys stay grey."""
    after = decode(LocalProvider().run(EditRequest("enhance", encode(exterior(), "PNG"), "image/png")).image)
    sky = after[:150].reshape(-1, 3).mean(axis=0)
    assert np.ptp(sky) < 12
