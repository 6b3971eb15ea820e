"""Classic photo enhancement for listing photos: white balance, exposure and contrast, denoise, sharpen.

What a photographer expects of an "auto" button, and what the tests measure on real photos: it
never makes a photo worse, and a balanced photo stays close to itself.
- a colour cast is removed by gains measured on the scene's grey surfaces (see `white_balance`),
  so neutral objects end up neutral and coloured ones keep their own colour; no gain exceeds 1;
- exposure and contrast come from one smooth, monotonic tone curve applied to luminance only: each
  pixel's R, G and B are scaled by the same factor, so no hue moves, and the factor is capped so
  that no channel clips that did not clip before; a median near mid-grey is kept, a twilight photo
  (a dark blue sky, lights on) is not brightened, and one with many blown pixels is brought down;
- the colours follow the levels' stretch only while the photo is short of colour, so a hazy photo
  gets its colour back and a colourful one is not saturated further;
- the curve pins black and white: it stretches a flat photo, but compresses the tones below the
  darkest 0.5 % (and above the brightest) at most 1.8x, so the darkest furniture keeps its detail;
- noise is removed before anything is stretched: the luma by a guided filter sized to the measured
  noise (edges stay), the colour noise by a filter guided by the cleaned luma; sharpening then
  touches only real edges, well above the remaining noise, and never pushes a pixel into black or
  white.

Statistics, the guided filters' window statistics and the sharpening blur come from reduced copies;
the full-size work is a few OpenCV passes and row bands of in-place arithmetic on reused buffers,
about half a second for a 12-megapixel photo.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from stagefy_cli.imaging.filters import apply_coefficients, guided_coefficients, guided_filter, noise_sigma
from stagefy_cli.imaging.white_balance import LUMA, white_balance_gains

BLACK_PERCENTILE, WHITE_PERCENTILE = 0.5, 99.5
#: Black and white are stretched LEVELS_STRENGTH (a flat photo: all) of the way towards these, but never compress the
#: tones beyond them by more than MAX_END_COMPRESSION.
BLACK_TARGET, WHITE_TARGET = 0.02, 0.98
MAX_END_COMPRESSION = 1.8
LEVELS_STRENGTH = 0.5
FLAT_RANGE, FULL_RANGE = 0.6, 0.85  # black-to-white spans that are stretched fully, and half-way
CHROMA_FOLLOWS_LEVELS = 1.0  # share of the levels stretch the colour differences follow
#: The colours follow the levels only while the photo is short of colour: its colourfulness (the
#: 90th percentile of a pixel's largest colour difference, |channel - luma|) is not taken past
#: COLOURFUL or past the photo's own before white balance, whichever is more. A hazy photo gets
#: its colour back, a photo whose cast was removed keeps the colour it had, and an already
#: colourful one (a ginger cat, a dusk sky) keeps its saturation however much its levels stretch.
COLOURFUL = 0.17
#: A photo whose median is within WELL_EXPOSED keeps it: a balanced photo stays
#: itself. Outside, it is brought EXPOSURE_STRENGTH of the way to TARGET_MEDIAN (a little above
#: mid-grey: real-estate photos are kept bright). The pull fades in over
#: EXPOSURE_FADE beyond the range, so a photo just outside it changes little.
WELL_EXPOSED = (0.42, 0.56)
TARGET_MEDIAN = 0.48
EXPOSURE_STRENGTH, EXPOSURE_FADE = 0.7, 0.05
#: A twilight photo (a dark blue sky over at least TWILIGHT_SKY of the frame, with lit highlights
#: reaching TWILIGHT_LIGHTS) is dark because of the hour, not the exposure: it is not brightened.
#: An under-exposed photo has dim highlights too, so it still is.
TWILIGHT_SKY, TWILIGHT_LIGHTS = 0.25, 0.75
TWILIGHT_BLUE, TWILIGHT_DARK = 0.3, 0.2  # log(B/R) at least, and luma below
#: A photo with more than OVEREXPOSED of its pixels blown (a channel at 254 or 255) is over-exposed
#: whatever its median: it is brought down from anywhere above TARGET_MEDIAN, not only from above
#: WELL_EXPOSED.
OVEREXPOSED = 0.05
CURVE_LEVELS = 1024
CURVE_SMOOTHING = 0.035  # Gaussian width of the rounded knees, in 0..1 units
DENOISE_STRENGTH = 2.5  # the guided filter flattens what varies less than this many sigmas
CHROMA_EPS = 0.01**2
SHARPEN_AMOUNT = 0.6
TONE_ROWS = 128
#: The colour differences are lowered so that no channel of a pixel goes past this (a channel at
#: 254 or 255 reads as blown), nor below 0.
COLOUR_CEILING = 0.99
LOOKUP_LEVELS = 4096  # the tone curve as a table, indexed by the nearest of this many levels


def enhance(image: Image.Image) -> Image.Image:
    """Return an enhanced copy of an RGB image of the same size."""
    if image.mode != "RGB":
        raise ValueError("enhance() takes an RGB image")
    reduced = _sample(image)
    gains = white_balance_gains(reduced)
    original = reduced.reshape(-1, 3)
    balanced = (original * gains).clip(0, 1)
    blown = float((original.max(axis=1) >= 254 / 255).mean())
    curve, slope = tone_curve(
        balanced @ LUMA, brighten=not _twilight(balanced), overexposed=blown > OVEREXPOSED
    )
    chroma_gain = _chroma_gain(original, balanced, slope)
    # The gains are at most 1, so a uint8 lookup table applies them in one C pass without clipping.
    table = np.clip(np.arange(256, dtype=np.float32)[:, None] * gains + 0.5, 0, 255).astype(np.uint8)
    pixels = np.asarray(image)
    luma = cv2.cvtColor(cv2.LUT(pixels, table.reshape(1, 256, 3)), cv2.COLOR_RGB2GRAY).astype(np.float32)
    luma *= 1 / 255
    scale = max(1.0, max(image.size) / 1600)
    sigma = noise_sigma(luma)
    clean = _denoised(luma, sigma, scale)
    red, blue = _chroma_denoised(clean, pixels, gains, scale)
    sharp = _sharpened(clean, sigma, scale)
    return Image.fromarray(_apply_tone(sharp, red, blue, curve, chroma_gain))


def _sample(image: Image.Image, target: int = 640) -> np.ndarray:
    """A reduced copy as an (H, W, 3) float array in 0..1, enough for robust statistics."""
    factor = max(1, max(image.size) // target)
    small = image.reduce(factor) if factor > 1 else image
    return np.asarray(small, dtype=np.float32) / 255.0


def _twilight(pixels: np.ndarray) -> bool:
    """Whether an (N, 3) sample is a twilight photo (see TWILIGHT_SKY)."""
    luma = pixels @ LUMA
    safe = np.maximum(pixels, 1 / 255)
    blue = np.log(safe[:, 2]) - np.log(safe[:, 0]) > TWILIGHT_BLUE
    sky = float((blue & (luma < TWILIGHT_DARK)).mean())
    return sky >= TWILIGHT_SKY and float(np.percentile(luma, WHITE_PERCENTILE)) >= TWILIGHT_LIGHTS


def tone_curve(
    luma: np.ndarray, brighten: bool = True, overexposed: bool = False
) -> tuple[np.ndarray, float]:
    """A smooth monotonic curve (CURVE_LEVELS values over 0..1, from 0 to 1) that sets levels and
    exposure for a photo whose (white-balanced) luminance sample is `luma` (a dark one is brought
    up only if `brighten`; an `overexposed` one is brought down from above TARGET_MEDIAN), and the
    levels' slope, the most the colour differences (R-Y, B-Y) are scaled by."""
    black, median, white = (float(v) for v in np.percentile(luma, [BLACK_PERCENTILE, 50, WHITE_PERCENTILE]))
    white = max(white, black + 0.2)
    # A flat photo (a short range) is stretched all the way, a photo with a healthy range half-way.
    strength = float(np.clip((FULL_RANGE - (white - black)) / (FULL_RANGE - FLAT_RANGE), LEVELS_STRENGTH, 1))
    black_out = black - strength * (black - max(min(black, BLACK_TARGET), black / MAX_END_COMPRESSION))
    white_gap = max(min(1 - white, 1 - WHITE_TARGET), (1 - white) / MAX_END_COMPRESSION)
    white_out = white + strength * (1 - white_gap - white)
    room = 0.15 * (white_out - black_out)
    low, high = WELL_EXPOSED
    high = TARGET_MEDIAN if overexposed else high
    if median < low and brighten:
        fade = min(1.0, (low - median) / EXPOSURE_FADE)
        exposed = median + fade * EXPOSURE_STRENGTH * (TARGET_MEDIAN - median)
    elif median > high:
        fade = min(1.0, (median - high) / EXPOSURE_FADE)
        exposed = median - fade * EXPOSURE_STRENGTH * (median - TARGET_MEDIAN)
    else:  # the levels move the ends, not a well-exposed photo's midtones
        exposed = median
    median_out = float(np.clip(exposed, black_out + room, white_out - room))
    median = float(np.clip(median, black + 0.01, white - 0.01))
    levels = np.linspace(0, 1, CURVE_LEVELS, dtype=np.float32)
    curve = np.interp(levels, [0, black, median, white, 1], [0, black_out, median_out, white_out, 1])
    return _rounded(curve), 1 + CHROMA_FOLLOWS_LEVELS * ((white_out - black_out) / (white - black) - 1)


def _chroma_gain(original: np.ndarray, balanced: np.ndarray, slope: float) -> float:
    """The gain of the colour differences: the levels' slope, but no more than brings the
    white-balanced sample's colourfulness up to what COLOURFUL allows (see there), never below 1."""
    allowed = max(COLOURFUL, _colourfulness(original))
    return float(max(1.0, min(slope, allowed / _colourfulness(balanced))))


def _colourfulness(pixels: np.ndarray) -> float:
    difference = np.abs(pixels - (pixels @ LUMA)[:, None]).max(axis=1)
    return max(float(np.percentile(difference, 90)), 1e-3)


def _rounded(curve: np.ndarray) -> np.ndarray:
    """The curve with its knees rounded by a Gaussian blur. The curve is first extended beyond
    both ends along its end slopes: a straight line is its own blur, so where nothing bends
    (an identity curve for a balanced photo) nothing changes. A monotonic curve stays monotonic."""
    sigma = CURVE_SMOOTHING * CURVE_LEVELS
    pad = int(3 * sigma) + 1
    steps = np.arange(1, pad + 1, dtype=np.float64)
    before = curve[0] - (curve[1] - curve[0]) * steps[::-1]
    after = curve[-1] + (curve[-1] - curve[-2]) * steps
    extended = np.concatenate([before, curve, after]).astype(np.float32)[None, :]
    blurred = cv2.GaussianBlur(extended, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)[0, pad:-pad]
    return np.clip(blurred, 0, 1).astype(np.float32)


def _apply_tone(
    luma: np.ndarray, red: np.ndarray, blue: np.ndarray, curve: np.ndarray, chroma_gain: float
) -> np.ndarray:
    """The curve on luma, the levels' slope on the colour differences (a hue keeps its direction),
    lowered per pixel where a channel would leave 0..1 (so nothing clips); returns RGB uint8.
    `red` and `blue` are the Cr and Cb planes (0.5 is neutral). Works in bands of rows with
    buffers reused from band to band: the temporaries stay in cache and no large array is
    allocated per step (at 12 megapixels, allocating is slower than the arithmetic)."""
    height, width = luma.shape
    out = np.empty((height, width, 3), np.uint8)
    table = np.interp(np.linspace(0, 1, LOOKUP_LEVELS), np.linspace(0, 1, len(curve)), curve).astype(
        np.float32
    )
    rows = min(TONE_ROWS, height)
    toned, index, cr, cb = (
        np.empty((rows, width), dtype) for dtype in (np.float32, np.int32, np.float32, np.float32)
    )
    channels = [np.empty((rows, width), np.float32) for _ in range(3)]
    above, below, gain = (np.empty((rows, width), np.float32) for _ in range(3))
    for top in range(0, height, TONE_ROWS):
        n = min(TONE_ROWS, height - top)
        band = slice(top, top + n)
        t, i, r, b, g = toned[:n], index[:n], cr[:n], cb[:n], gain[:n]
        np.multiply(luma[band], LOOKUP_LEVELS - 1, out=t)
        np.clip(t, 0, LOOKUP_LEVELS - 1, out=t)
        np.add(t, 0.5, out=t)
        i[...] = t
        np.take(table, i, out=t)
        np.subtract(red[band], 0.5, out=r)
        np.subtract(blue[band], 0.5, out=b)
        red_d, green_d, blue_d = (c[:n] for c in channels)
        # R-Y, G-Y and B-Y of the YCrCb planes (BT.601, as OpenCV's conversion).
        np.multiply(r, 1.403, out=red_d)
        np.multiply(b, 1.773, out=blue_d)
        np.multiply(r, -0.714, out=green_d)
        green_d -= 0.344 * b
        up, down = above[:n], below[:n]
        np.maximum(red_d, green_d, out=up)
        np.maximum(up, blue_d, out=up)
        np.maximum(up, 1e-4, out=up)
        np.minimum(red_d, green_d, out=down)
        np.minimum(down, blue_d, out=down)
        np.negative(down, out=down)
        np.maximum(down, 1e-4, out=down)
        np.subtract(COLOUR_CEILING, t, out=g)
        np.divide(g, up, out=g)
        np.divide(t, down, out=down)
        np.minimum(g, down, out=g)
        np.clip(g, 0, chroma_gain, out=g)
        for channel in (red_d, green_d, blue_d):
            channel *= g
            channel += t
        out[band] = cv2.convertScaleAbs(cv2.merge((red_d, green_d, blue_d)), alpha=255)
    return out


def _denoised(luma: np.ndarray, sigma: float, scale: float) -> np.ndarray:
    """The luma by a guided filter sized to the measured noise (edges stay, grain goes)."""
    radius = max(2, round(2 * scale))
    return guided_filter(
        luma, luma, radius, (DENOISE_STRENGTH * max(sigma, 1 / 255)) ** 2, max(1, round(scale))
    )


def _chroma_denoised(clean: np.ndarray, pixels: np.ndarray, gains: np.ndarray, scale: float):
    """Cr and Cb denoised by a filter guided by the cleaned luma, whose window statistics are
    computed on one reduced copy (colour noise is coarse, colour edges follow the luma's); the
    colour of that copy is taken in float from the averaged photo, so no rounding moves a hue.
    Returns float32 planes at full size (0.5 is neutral)."""
    subsample = 2 * max(1, round(scale))
    radius = max(1, round(2 * max(2, round(2 * scale)) / subsample))
    size = (max(1, clean.shape[1] // subsample), max(1, clean.shape[0] // subsample))
    guide = cv2.resize(clean, size, interpolation=cv2.INTER_AREA)
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    small *= gains / 255
    _, red, blue = cv2.split(cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb))
    return [
        apply_coefficients(*guided_coefficients(guide, plane, radius, CHROMA_EPS), clean)
        for plane in (red, blue)
    ]


def _sharpened(clean: np.ndarray, sigma: float, scale: float) -> np.ndarray:
    """Unsharp mask, faded in only where the detail is well above the noise that is left; an
    overshoot moves a pixel at most half-way to black or white (no shadow crushed, no highlight
    blown). A large photo's blur is taken on a half-size copy (the halving and the enlarging blur
    too, about half a pixel each: the copy's own blur is less by as much)."""
    width = 1.2 * scale
    if scale < 2:
        detail = cv2.GaussianBlur(clean, (0, 0), width)
    else:
        half = (max(1, clean.shape[1] // 2), max(1, clean.shape[0] // 2))
        reduced = cv2.resize(clean, half, interpolation=cv2.INTER_AREA)
        blurred = cv2.GaussianBlur(reduced, (0, 0), np.sqrt(width**2 - 0.5) / 2)
        detail = cv2.resize(blurred, (clean.shape[1], clean.shape[0]), interpolation=cv2.INTER_LINEAR)
    np.subtract(clean, detail, out=detail)
    weight = np.abs(detail)
    weight *= 1 / max(2 * sigma, 1 / 255)
    weight -= 1
    np.clip(weight, 0, 1, out=weight)
    weight *= detail
    weight *= SHARPEN_AMOUNT
    weight += clean
    np.multiply(clean, 0.5, out=detail)
    np.maximum(weight, detail, out=weight)
    detail += 0.5
    np.minimum(weight, detail, out=weight)
    return weight
