"""Results at the photo's size: the model's small answer carried onto the full-size original."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from stagefy_cli.imaging.fullres import MAX_LONG_EDGE, restore_resolution

W, H = 1600, 1200
BOX = (slice(500, 800), slice(600, 1000))


def textured(width=W, height=H, seed=2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.float32) + 128
    for octave in (3, 12, 48):
        noise = rng.normal(0, 1, (height // octave + 1, width // octave + 1, 3)).astype(np.float32)
        image += cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC) * 12
    image[:, ::80] *= 0.5  # hard edges
    return np.clip(image, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def model_answer(truth: np.ndarray, width: int) -> np.ndarray:
    small = cv2.resize(
        truth, (width, round(width * truth.shape[0] / truth.shape[1])), interpolation=cv2.INTER_AREA
    )
    return cv2.GaussianBlur(small, (0, 0), 0.7)


def sharpness(image: np.ndarray) -> float:
    return float(np.abs(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_32F)).mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2)))


def lanczos(image: np.ndarray, size=(W, H)) -> np.ndarray:
    return cv2.resize(image, size, interpolation=cv2.INTER_LANCZOS4)


def test_a_tone_edit_comes_back_at_the_photos_size_sharper_and_truer_than_lanczos():
    photo = textured()
    truth = np.clip(photo.astype(np.float32) * [1.0, 0.8, 0.6] * 0.8, 0, 255).astype(np.uint8)  # a dusk grade
    answer = model_answer(truth, 400)

    out = decode(restore_resolution(jpeg(photo), jpeg(answer), keeps_geometry=True))

    assert out.shape == photo.shape
    assert sharpness(out) > 2 * sharpness(lanczos(answer))
    assert psnr(out, truth) > psnr(lanczos(answer), truth) + 0.2  # truer, though the finest grain is lost


def test_what_the_model_removed_does_not_come_back_from_the_original():
    photo = textured()
    photo[BOX] = np.clip(
        photo[BOX].astype(np.int16) + np.random.default_rng(5).normal(0, 40, photo[BOX].shape), 0, 255
    )
    truth = photo.copy()
    truth[BOX] = cv2.GaussianBlur(photo, (0, 0), 40)[BOX]  # a plain floor where the clutter was
    answer = model_answer(truth, 400)

    out = decode(restore_resolution(jpeg(photo), jpeg(answer), keeps_geometry=True))

    def box_detail(image):
        gray = cv2.cvtColor(image[BOX], cv2.COLOR_BGR2GRAY).astype(np.float32)
        return float(np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 2)).mean())

    assert box_detail(out) < 0.2 * box_detail(photo)  # no ghost of the clutter
    assert psnr(out, truth) > psnr(lanczos(answer), truth)


def test_a_redrawn_room_is_upscaled_with_detail_kept():
    photo = textured()
    answer = model_answer(textured(seed=9), 800)  # different content: nothing to borrow
    out = decode(restore_resolution(jpeg(photo), jpeg(answer), keeps_geometry=False))
    assert out.shape == photo.shape and sharpness(out) >= sharpness(lanczos(answer))


@pytest.mark.slow  # edits 4096-px photos (about 10 s)
def test_sizes_the_photo_size_capped_at_4096_and_the_models_own_framing():
    assert restore_resolution(jpeg(textured(800, 600)), jpeg(textured(800, 600)), keeps_geometry=True) is None
    big = textured(5000, 2500)
    out = decode(restore_resolution(jpeg(big), jpeg(model_answer(big, 1000)), keeps_geometry=True))
    assert out.shape[:2] == (2048, MAX_LONG_EDGE)
    larger = decode(
        restore_resolution(jpeg(textured(800, 600)), jpeg(textured(1024, 768)), keeps_geometry=True)
    )
    assert larger.shape[:2] == (600, 800)
    # a 16:9 answer for a 4:3 photo: the model reframed it; kept at the photo's long edge, not stretched
    reframed = decode(restore_resolution(jpeg(textured()), jpeg(textured(640, 360)), keeps_geometry=True))
    assert reframed.shape[:2] == (900, 1600)


@pytest.mark.parametrize("orientation", [6, 8])
def test_a_rotated_camera_photo_is_restored_as_people_see_it(orientation):
    from io import BytesIO

    from PIL import Image

    photo = Image.fromarray(textured(1200, 900)[:, :, ::-1])
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = BytesIO()
    photo.save(buffer, "JPEG", exif=exif)  # stored 1200x900, shown 900x1200
    answer = jpeg(textured(300, 400))
    out = decode(restore_resolution(buffer.getvalue(), answer, keeps_geometry=True))
    assert out.shape[:2] == (1200, 900)
