"""Classic photo enhancement for listing photos: white balance, exposure and contrast, denoise, sharpen.

What a photographer expects of an "auto" button, and what the tests measure:
- a colour cast is removed by gains measured on the scene's grey surfaces (see `white_balance`),
  so neutral objects end up neutral and coloured ones keep their own colour;
- exposure and contrast come from one smooth, monotonic tone curve applied to luminance only: each
  pixel's R, G and B are scaled by the same factor, so no hue moves, and the factor is capped so
  that no channel clips that did not clip before;
- the curve pins black and white: it stretches a flat photo, but compresses the tones below the
  darkest 0.5 % (and above the brightest) at most 1.8x, so the darkest furniture keeps its detail;
- noise is removed before anything is stretched: the luma by a guided filter sized to the measured
  noise (edges stay), the colour noise by a filter guided by the cleaned luma; sharpening then
  touches only real edges, well above the remaining noise.

Statistics come from a reduced copy; the full-size work is a handful of OpenCV passes on float32
planes, about a second for a 12-megapixel photo.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from stagefy_cli.imaging.filters import guided_filter, noise_sigma
from stagefy_cli.imaging.white_balance import LUMA, white_balance_gains

BLACK_PERCENTILE, WHITE_PERCENTILE = 0.5, 99.5
#: Black and white are stretched towards these, but never compress the tones beyond them by more
#: than MAX_END_COMPRESSION.
BLACK_TARGET, WHITE_TARGET = 0.02, 0.98
MAX_END_COMPRESSION = 1.8
#: A dim photo's median is brought EXPOSURE_STRENGTH of the way up to TARGET_MEDIAN (real-estate
#: photos are kept bright); a bright one keeps its median, unless above MAX_MEDIAN.
TARGET_MEDIAN, MAX_MEDIAN = 0.48, 0.62
EXPOSURE_STRENGTH = 0.7
CURVE_LEVELS = 1024
CURVE_SMOOTHING = 0.035  # Gaussian width of the rounded knees, in 0..1 units
DENOISE_STRENGTH = 2.5  # the guided filter flattens what varies less than this many sigmas
CHROMA_EPS = 0.01**2
SHARPEN_AMOUNT = 0.6
TONE_ROWS = 256


def enhance(image: Image.Image) -> Image.Image:
    """Return an enhanced copy of an RGB image of the same size."""
    if image.mode != "RGB":
        raise ValueError("enhance() takes an RGB image")
    sample = _sample(image)
    gains = white_balance_gains(sample)
    curve, chroma_gain = tone_curve((sample * gains).clip(0, 1) @ LUMA)
    # One C pass: white-balance gains as a lookup table from uint8 to float32 0..1.
    table = (np.arange(256, dtype=np.float32)[:, None] * (gains / 255.0)).reshape(1, 256, 3)
    ycrcb = cv2.cvtColor(cv2.LUT(np.asarray(image), table), cv2.COLOR_RGB2YCrCb)
    scale = max(1.0, max(image.size) / 1600)
    ycrcb = _denoise_and_sharpen(ycrcb, scale)
    return Image.fromarray(_apply_tone(ycrcb, curve, chroma_gain))


def _sample(image: Image.Image, target: int = 640) -> np.ndarray:
    """Pixels of a reduced copy as an (N, 3) float array in 0..1, enough for robust statistics."""
    factor = max(1, max(image.size) // target)
    small = image.reduce(factor) if factor > 1 else image
    return np.asarray(small, dtype=np.float32).reshape(-1, 3) / 255.0


def tone_curve(luma: np.ndarray) -> tuple[np.ndarray, float]:
    """A smooth monotonic curve (CURVE_LEVELS values over 0..1, from 0 to 1) that sets levels and
    exposure for a photo whose (white-balanced) luminance sample is `luma`, and the levels' slope,
    by which colour differences (R-Y, B-Y) are scaled."""
    black, median, white = (float(v) for v in np.percentile(luma, [BLACK_PERCENTILE, 50, WHITE_PERCENTILE]))
    white = max(white, black + 0.2)
    black_out = max(min(black, BLACK_TARGET), black / MAX_END_COMPRESSION)
    white_out = 1 - max(min(1 - white, 1 - WHITE_TARGET), (1 - white) / MAX_END_COMPRESSION)
    stretched = black_out + (median - black) * (white_out - black_out) / (white - black)
    room = 0.15 * (white_out - black_out)
    if median < TARGET_MEDIAN:
        exposed = stretched + EXPOSURE_STRENGTH * (TARGET_MEDIAN - stretched)
    else:  # the levels keep a well-exposed photo's midtones where they were
        exposed = min(median, MAX_MEDIAN + (1 - EXPOSURE_STRENGTH) * (median - MAX_MEDIAN))
    median_out = float(np.clip(exposed, black_out + room, white_out - room))
    median = float(np.clip(median, black + 0.01, white - 0.01))
    levels = np.linspace(0, 1, CURVE_LEVELS, dtype=np.float32)
    curve = np.interp(levels, [0, black, median, white, 1], [0, black_out, median_out, white_out, 1])
    # Round the knees; a monotonic curve stays monotonic under a positive blur. Re-pin the ends.
    blurred = cv2.GaussianBlur(
        curve.astype(np.float32)[None, :],
        (0, 0),
        CURVE_SMOOTHING * CURVE_LEVELS,
        borderType=cv2.BORDER_REPLICATE,
    )[0]
    curve = ((blurred - blurred[0]) / (blurred[-1] - blurred[0])).astype(np.float32)
    return curve, (white_out - black_out) / (white - black)


def _apply_tone(ycrcb: np.ndarray, curve: np.ndarray, chroma_gain: float) -> np.ndarray:
    """The curve on luma, the levels' slope on the colour differences (a hue keeps its direction),
    lowered per pixel where a channel would leave 0..1 (so nothing clips); returns RGB uint8.
    Works in bands of rows, so the temporaries stay small and in cache."""
    out = np.empty(ycrcb.shape, np.uint8)
    for top in range(0, ycrcb.shape[0], TONE_ROWS):
        band = ycrcb[top : top + TONE_ROWS]
        luma = np.ascontiguousarray(band[..., 0])
        index = np.clip(luma * (CURVE_LEVELS - 1), 0, CURVE_LEVELS - 1)
        toned = cv2.remap(curve[None, :], index, np.zeros_like(index), cv2.INTER_LINEAR)
        difference = cv2.cvtColor(band, cv2.COLOR_YCrCb2RGB)
        difference -= luma[..., None]
        red, green, blue = cv2.split(difference)
        above = np.maximum(np.maximum(np.maximum(red, green), blue), 1e-4)
        below = np.maximum(-np.minimum(np.minimum(red, green), blue), 1e-4)
        gain = np.minimum(np.minimum((1 - toned) / above, toned / below), chroma_gain)
        difference *= gain[..., None]
        difference += toned[..., None]
        out[top : top + TONE_ROWS] = cv2.convertScaleAbs(difference, alpha=255)
    return out


def _denoise_and_sharpen(ycrcb: np.ndarray, scale: float) -> np.ndarray:
    luma = np.ascontiguousarray(ycrcb[..., 0])
    sigma = noise_sigma(luma)
    radius = max(2, round(2 * scale))
    subsample = max(1, round(scale))
    clean = guided_filter(luma, luma, radius, (DENOISE_STRENGTH * max(sigma, 1 / 255)) ** 2, subsample)
    for channel in (1, 2):
        chroma = np.ascontiguousarray(ycrcb[..., channel])
        ycrcb[..., channel] = guided_filter(clean, chroma, 2 * radius, CHROMA_EPS, 2 * subsample)
    # Unsharp mask, faded in only where the detail is well above the noise that is left.
    detail = clean - cv2.GaussianBlur(clean, (0, 0), 1.2 * scale)
    threshold = max(2 * sigma, 1 / 255)
    weight = np.clip(np.abs(detail) / threshold - 1, 0, 1)
    ycrcb[..., 0] = clean + SHARPEN_AMOUNT * weight * detail
    return ycrcb
