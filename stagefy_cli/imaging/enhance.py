"""Classic photo enhancement for listing photos: white balance, exposure and contrast, denoise, sharpen.

Everything runs on whole arrays or in Pillow's C filters, so a 12-megapixel photo takes a second or
two: statistics come from a reduced copy, the colour and tone correction is one 256-entry curve per
channel (`Image.point`), and noise and sharpness are handled on the luma channel only (sharpening
colour channels makes fringes; colour noise is removed by blurring the chroma, which the eye forgives).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

#: Gray-world gains are applied at this strength: interiors are legitimately warm (wood, lamps),
#: so a full correction would make them look cold.
WHITE_BALANCE_STRENGTH = 0.9
MAX_GAIN = 2.0
NEUTRAL_FRACTION = 0.3  # share of midtones taken as the scene's greys
#: Luminance percentiles mapped to black and white (a little clipping gives punch).
BLACK_PERCENTILE, WHITE_PERCENTILE = 0.5, 99.6
#: Target median luminance: real-estate photos are kept bright.
TARGET_MEDIAN = 0.5
S_CURVE = 0.2  # blend towards smoothstep, for midtone contrast
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def enhance(image: Image.Image) -> Image.Image:
    """Return an enhanced copy of an RGB image of the same size."""
    if image.mode != "RGB":
        raise ValueError("enhance() takes an RGB image")
    curves = tone_curves(_sample(image))
    corrected = image.point(curves)
    return _denoise_and_sharpen(corrected)


def _sample(image: Image.Image, target: int = 640) -> np.ndarray:
    """Pixels of a reduced copy as an (N, 3) float array in 0..1, enough for robust statistics."""
    factor = max(1, max(image.size) // target)
    small = image.reduce(factor) if factor > 1 else image
    return np.asarray(small, dtype=np.float32).reshape(-1, 3) / 255.0


def tone_curves(pixels: np.ndarray) -> list[int]:
    """Per-channel curves (768 values, Pillow's `point` layout) for white balance, levels, exposure
    and contrast, computed from sample pixels in 0..1."""
    gains = white_balance_gains(pixels)
    luma = (pixels * gains) @ LUMA
    black, white = np.percentile(luma, [BLACK_PERCENTILE, WHITE_PERCENTILE])
    black = min(float(black), 0.25)  # never crush a dark photo's shadows to black
    white = max(float(white), max(black + 0.3, 0.6))  # nor stretch a dim one into noise
    stretched = np.clip((luma - black) / (white - black), 0, 1)
    median = float(np.clip(np.median(stretched), 0.05, 0.95))
    gamma = float(np.clip(np.log(TARGET_MEDIAN) / np.log(median), 0.6, 1.4))

    levels = np.arange(256, dtype=np.float32) / 255.0
    curves = []
    for gain in gains:
        x = np.clip((levels * gain - black) / (white - black), 0, 1) ** gamma
        x = (1 - S_CURVE) * x + S_CURVE * x * x * (3 - 2 * x)
        curves.append(np.round(x * 255).astype(np.uint8))
    return np.concatenate(curves).tolist()


def white_balance_gains(pixels: np.ndarray) -> np.ndarray:
    """Per-channel gains that make the scene's neutral surfaces neutral.

    Plain gray-world turns a green lawn or a blue sky into a magenta cast, so it is only the first
    guess: the pixels that are closest to neutral after it (walls, ceilings, sky, paving) are taken as
    the true greys and the gains are measured on them. Clipped highlights and deep shadows are left out.
    """
    luma = pixels @ LUMA
    midtones = pixels[(luma > 0.08) & (luma < 0.92) & (pixels.max(axis=1) < 0.98)]
    if len(midtones) < 100:
        return np.ones(3, dtype=np.float32)
    corrected = midtones * _neutralising_gains(midtones)
    brightest = corrected.max(axis=1)
    saturation = (brightest - corrected.min(axis=1)) / np.maximum(brightest, 1e-3)
    greys = midtones[saturation <= np.quantile(saturation, NEUTRAL_FRACTION)]
    gains = _neutralising_gains(greys) ** WHITE_BALANCE_STRENGTH
    return np.clip(gains, 1 / MAX_GAIN, MAX_GAIN).astype(np.float32)


def _neutralising_gains(pixels: np.ndarray) -> np.ndarray:
    means = pixels.mean(axis=0)
    return (means @ LUMA) / np.maximum(means, 1e-3)


def _denoise_and_sharpen(image: Image.Image) -> Image.Image:
    scale = max(1.0, max(image.size) / 1600)
    y, cb, cr = image.convert("YCbCr").split()
    chroma_blur = ImageFilter.GaussianBlur(1.5 * scale)
    cb, cr = cb.filter(chroma_blur), cr.filter(chroma_blur)
    sigma = noise_sigma(y)
    y = _denoise_luma(y, radius=1.5 * scale, threshold=max(2.0, 3.5 * sigma))
    # The threshold keeps the sharpening off what is left of the noise.
    y = y.filter(
        ImageFilter.UnsharpMask(radius=1.2 * scale, percent=70, threshold=max(3, round(0.6 * sigma)))
    )
    return Image.merge("YCbCr", (y, cb, cr)).convert("RGB")


def noise_sigma(y: Image.Image, crop: int = 512) -> float:
    """Estimate the luma noise level from a central crop: the median absolute deviation of the
    difference to a 3x3 blur is dominated by noise, not by the (sparse) edges."""
    width, height = y.size
    left, top = max(0, (width - crop) // 2), max(0, (height - crop) // 2)
    patch = y.crop((left, top, left + min(crop, width), top + min(crop, height)))
    difference = np.asarray(patch, np.float32) - np.asarray(patch.filter(ImageFilter.BoxBlur(1)), np.float32)
    # For white noise, x - mean3x3(x) has sigma * sqrt(8/9); MAD / 0.6745 estimates a sigma.
    return float(np.median(np.abs(difference)) / 0.6745 / np.sqrt(8 / 9))


def _denoise_luma(y: Image.Image, radius: float, threshold: float) -> Image.Image:
    """Shrink small deviations from a blurred copy (noise) and keep large ones (edges, detail):
    a one-level version of wavelet soft-thresholding."""
    base = np.asarray(y.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)
    detail = np.asarray(y, dtype=np.float32) - base
    keep = np.minimum(np.abs(detail) / threshold, 1.0)
    out = base + detail * keep * keep
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "L")
