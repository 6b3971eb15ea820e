"""Every kind of pixel a photo may hold gives a correct result or is refused before charging: each
mode Pillow opens from a format the CLI accepts goes through a real edit (the local worker's
enhance) and comes back as a JPEG of what the photo shows, never a blank one; HEIC too."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from stagefy_testing import balance, run_cli, sql


def _gradient(width: int = 400, height: int = 300) -> np.ndarray:
    """0..1 left to right, with a darker band: something for enhance to work on."""
    ramp = np.tile(np.linspace(0.15, 0.85, width), (height, 1))
    ramp[height // 3 : height // 2] *= 0.5
    return ramp


def _grey16(path):
    Image.fromarray((_gradient() * 65535).astype(np.uint16)).save(path)  # 16-bit PNG: opens as I;16


def _rgb16(path):
    import cv2

    ramp = (_gradient() * 65535).astype(np.uint16)
    cv2.imwrite(str(path), np.dstack([ramp // 2, ramp, ramp]))  # 48-bit PNG (BGR order)


def _grey(mode):
    def make(path):
        Image.fromarray((_gradient() * 255).astype(np.uint8)).convert(mode).save(path)

    return make


def _rgb(mode, **save):
    def make(path):
        grey = (_gradient() * 255).astype(np.uint8)
        image = Image.fromarray(np.dstack([grey, grey // 2 + 60, 255 - grey]), "RGB")
        if mode == "RGBA":
            image.putalpha(200)
        elif mode == "P":
            image = image.quantize(64)
        elif mode == "PT":  # a palette with a transparent entry
            image = image.quantize(64)
            image.info["transparency"] = 0
        elif mode != "RGB":
            image = image.convert(mode)
        image.save(path, **save)

    return make


CASES = {
    "I;16": ("grey16.png", _grey16),
    "16-bit RGB": ("rgb16.png", _rgb16),
    "L": ("grey.jpg", _grey("L")),
    "LA": ("grey-alpha.png", _grey("LA")),
    "1": ("bilevel.png", _grey("1")),
    "P": ("palette.png", _rgb("P")),
    "P with transparency": ("palette-alpha.png", _rgb("PT")),
    "RGBA": ("alpha.png", _rgb("RGBA")),
    "CMYK": ("print.jpg", _rgb("CMYK", quality=95)),
    "WebP RGBA": ("alpha.webp", _rgb("RGBA")),
}


@pytest.mark.parametrize("mode", list(CASES))
def test_every_mode_gives_a_real_result(signed_in_agent, cli_stack, local_worker, tmp_path, mode):
    name, make = CASES[mode]
    photo = tmp_path / name
    make(photo)
    with Image.open(photo) as opened:
        source = _as_seen(opened, mode)
    out = tmp_path / "out"
    result = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    [saved] = list(out.iterdir())
    with Image.open(saved) as image:
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (400, 300)
        pixels = np.asarray(image).astype(float)
    assert pixels.std() > 20, "a flat picture"  # the gradient survived
    assert 40 < pixels.mean() < 215, f"mean {pixels.mean():.0f}: washed out or black"
    # brighter where the photo is brighter, left to right as the gradient goes, by about as much
    left, right = pixels[:, :100].mean(), pixels[:, -100:].mean()
    source_left, source_right = source[:, :100].mean(), source[:, -100:].mean()
    if mode != "1":
        assert right - left > 0.7 * (source_right - source_left) > 0, (left, right, source_left, source_right)
    assert abs(pixels.mean() - source.mean()) < 60


def _as_seen(opened: Image.Image, mode: str) -> np.ndarray:
    """The photo as a viewer shows it: 16-bit values at 8 bits, transparency over white."""
    if mode == "I;16":
        return np.asarray(opened).astype(float) / 257
    if opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info:
        white = Image.new("RGBA", opened.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, opened.convert("RGBA")).convert("RGB")).astype(float)
    return np.asarray(opened.convert("RGB")).astype(float)


def test_a_heic_photo_is_edited(signed_in_agent, cli_stack, local_worker, tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    grey = (_gradient() * 255).astype(np.uint8)
    pixels = np.dstack([grey, grey, grey // 2 + 40])
    photo = tmp_path / "phone.heic"
    heif = pillow_heif.from_bytes(mode="RGB", size=(400, 300), data=pixels.tobytes())
    heif.save(photo, quality=90)
    assert photo.read_bytes()[4:12] in (b"ftypheic", b"ftypmif1")
    out = tmp_path / "out"
    result = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    [saved] = list(out.iterdir())
    assert saved.name == "phone.enhance.jpg"
    with Image.open(saved) as image:
        assert image.format == "JPEG"
        result_pixels = np.asarray(image).astype(float)
    assert result_pixels.std() > 20 and result_pixels[:, -100:].mean() > result_pixels[:, :100].mean() + 40
    assert balance(cli_stack, signed_in_agent.id) == 49


@pytest.mark.parametrize("mode", ["I", "F", "I;16"])
def test_a_tiff_of_wide_pixels_is_refused_before_charging(signed_in_agent, cli_stack, tmp_path, mode):
    """Modes I and F come only in formats the CLI does not take (TIFF): refused, nothing charged."""
    photo = tmp_path / "scan.tif"
    Image.fromarray((_gradient() * 60000).astype(np.int32)).convert(mode).save(photo)
    result = run_cli(["edit", str(photo), "--type", "enhance", "--yes"])
    assert result.exit_code == 2
    assert "TIFF images are not supported; use JPEG, PNG, WebP or HEIC" in result.stderr
    assert balance(cli_stack, signed_in_agent.id) == 50
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", signed_in_agent.id) == [
        (0,)
    ]


@pytest.mark.parametrize(
    ("mode", "values", "expected"),
    [
        ("I", np.full((4, 4), 65535, np.int32), 255),
        ("I", np.full((4, 4), 128, np.int32), 128),
        ("F", np.full((4, 4), 0.5, np.float32), 128),
        ("F", np.full((4, 4), 200.0, np.float32), 200),
    ],
)
def test_wide_greyscale_that_reaches_the_worker_anyway_is_scaled_not_clipped(mode, values, expected):
    """Anyone with a session may upload through the API: the worker scales what Pillow gives it."""
    from stagefy_cli.imaging.photo_io import decode_photo

    buffer = io.BytesIO()
    Image.fromarray(values).convert(mode).save(buffer, "TIFF")
    image, _ = decode_photo(buffer.getvalue())
    assert image.mode == "RGB" and image.getpixel((0, 0)) == (expected,) * 3


def test_a_jpeg_cut_short_is_refused_before_charging(signed_in_agent, cli_stack, local_worker, tmp_path):
    """`verify` reads only a JPEG's headers; a file cut short is caught by decoding it (at an eighth
    of its size) before anything is charged, not by the worker after the charge."""
    whole = tmp_path / "whole.jpg"
    _rgb("RGB", quality=90)(whole)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    before = run_cli(["credits", "balance", "--json"]).json()["credits"]
    result = run_cli(["edit", str(cut), "--type", "enhance", "--yes"])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"Error: {cut}: the image is damaged")
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == before
