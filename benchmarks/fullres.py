"""Results at the photo's resolution: detail transfer against a plain Lanczos upscale (figures, not tests).

A synthetic 12 MP photo (4000 x 3000: fine multi-octave texture, hard edges, a textured box) is
"edited" the way a generative model answers: the edit made at full size (the ground truth), then
reduced to the model's output size (1K or 2K long edge, as Gemini 1K and DashScope's 2048 px give),
softened a little and JPEG-encoded. Each output is brought back to 12 MP two ways, a plain Lanczos
upscale and `restore_resolution`, and measured against the ground truth:

- sharpness: mean absolute Laplacian of the luminance (higher is sharper; the ground truth's is the
  ceiling), and its ratio to Lanczos';
- fidelity: PSNR against the ground truth (dB);
- ghost (declutter only): the high-pass energy inside the removed box, where the model drew a plain
  floor: the original's texture must not come back (near the ground truth's, far below the photo's).

Run: .venv/bin/python benchmarks/fullres.py
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from stagefy_cli.imaging.fullres import restore_resolution

WIDTH, HEIGHT = 4000, 3000
BOX = (slice(1800, 2400), slice(1200, 2000))  # rows, columns of the object the declutter removes


def synthetic_photo(seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((HEIGHT, WIDTH, 3), np.float32)
    for octave in (4, 16, 64, 256):  # texture at several scales, finest a few pixels
        noise = rng.normal(0, 1, (HEIGHT // octave + 1, WIDTH // octave + 1, 3)).astype(np.float32)
        image += cv2.resize(noise, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC) * (6 + octave / 16)
    image += np.array([120, 130, 140], np.float32)
    for x in range(0, WIDTH, 160):  # hard edges: window frames, floorboards
        image[:, x : x + 6] *= 0.55
    for y in range(0, HEIGHT, 220):
        image[y : y + 4] *= 0.6
    box = image[BOX]
    box += rng.normal(0, 25, box.shape).astype(np.float32)  # a cluttered, textured object
    return np.clip(image, 0, 255).astype(np.uint8)


def dusk(image: np.ndarray) -> np.ndarray:
    """A twilight grade: darker, bluer, warm glow low in the frame."""
    out = image.astype(np.float32) * np.array([1.05, 0.7, 0.55], np.float32) * 0.75
    glow = np.linspace(0, 40, image.shape[0], dtype=np.float32)[:, None, None] * np.array(
        [0, 0.5, 1], np.float32
    )
    return np.clip(out + glow, 0, 255).astype(np.uint8)


def declutter(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    out[BOX] = cv2.GaussianBlur(image, (0, 0), 60)[BOX]  # the floor behind the object, plain
    return out


def model_output(truth: np.ndarray, long_edge: int) -> bytes:
    size = (long_edge, round(long_edge * HEIGHT / WIDTH))
    small = cv2.GaussianBlur(cv2.resize(truth, size, interpolation=cv2.INTER_AREA), (0, 0), 0.7)
    return cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def sharpness(image: np.ndarray) -> float:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(np.abs(cv2.Laplacian(gray, cv2.CV_32F)).mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 10 * np.log10(255**2 / mse)


def box_detail(image: np.ndarray) -> float:
    gray = cv2.cvtColor(image[BOX], cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(np.abs(gray - cv2.GaussianBlur(gray, (0, 0), 2)).mean())


def main() -> None:
    photo = synthetic_photo()
    original = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    photo = cv2.imdecode(np.frombuffer(original, np.uint8), cv2.IMREAD_COLOR)
    print(f"photo {WIDTH}x{HEIGHT} ({WIDTH * HEIGHT / 1e6:.0f} MP), sharpness {sharpness(photo):.2f}")
    print(
        f"{'edit':<10} {'model':>5} {'size':>9} {'sharp lanczos':>13} {'sharp ours':>10} {'truth':>6} "
        f"{'ratio':>6} {'PSNR lanczos':>12} {'PSNR ours':>9} {'ghost lanczos/ours/truth/photo':>31} {'s':>5}"
    )
    for name, edit in (("dusk", dusk), ("declutter", declutter)):
        truth = edit(photo)
        for long_edge in (1024, 2048):
            result = model_output(truth, long_edge)
            small = cv2.imdecode(np.frombuffer(result, np.uint8), cv2.IMREAD_COLOR)
            lanczos = cv2.resize(small, (WIDTH, HEIGHT), interpolation=cv2.INTER_LANCZOS4)
            start = time.perf_counter()
            restored = restore_resolution(original, result, keeps_geometry=True)
            seconds = time.perf_counter() - start
            ours = cv2.imdecode(np.frombuffer(restored, np.uint8), cv2.IMREAD_COLOR)
            assert ours.shape == photo.shape, ours.shape
            ghost = (
                f"{box_detail(lanczos):.2f}/{box_detail(ours):.2f}/{box_detail(truth):.2f}/{box_detail(photo):.2f}"
                if name == "declutter"
                else "-"
            )
            print(
                f"{name:<10} {long_edge:>5} {ours.shape[1]}x{ours.shape[0]} {sharpness(lanczos):>13.2f} "
                f"{sharpness(ours):>10.2f} {sharpness(truth):>6.2f} {sharpness(ours) / sharpness(lanczos):>6.2f} "
                f"{psnr(lanczos, truth):>12.2f} {psnr(ours, truth):>9.2f} {ghost:>31} {seconds:>5.2f}"
            )
    truth = photo  # staging and custom: no geometry to borrow, a sharpened upscale
    result = model_output(truth, 1024)
    small = cv2.imdecode(np.frombuffer(result, np.uint8), cv2.IMREAD_COLOR)
    lanczos = cv2.resize(small, (WIDTH, HEIGHT), interpolation=cv2.INTER_LANCZOS4)
    ours = cv2.imdecode(
        np.frombuffer(restore_resolution(original, result, keeps_geometry=False), np.uint8), 1
    )
    print(
        f"{'staging':<10} {1024:>5} {ours.shape[1]}x{ours.shape[0]} {sharpness(lanczos):>13.2f} "
        f"{sharpness(ours):>10.2f} {sharpness(truth):>6.2f} {sharpness(ours) / sharpness(lanczos):>6.2f} "
        f"{psnr(lanczos, truth):>12.2f} {psnr(ours, truth):>9.2f}"
    )


if __name__ == "__main__":
    main()
