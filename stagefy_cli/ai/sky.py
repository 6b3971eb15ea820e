"""Sky replacement and day-to-dusk by classic image processing, for the local provider.

The sky is found as the bright, smooth, grey-or-blue region that reaches down from the top edge of
the photo, column by column (a vectorised flood from the top: `cumprod` down each column). It is
measured on a reduced copy, then refined at full size with the brightness test, so roof lines stay
crisp. When no convincing sky is found (an interior, a sky hidden by trees) the edit is refused
rather than painted over a ceiling.

Day to dusk replaces that sky with a twilight gradient and grades the rest of the scene into evening
light. It does not switch on window lights: placing them honestly needs a generative model.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from .base import UnsupportedEdit
from .catalog import providers_for

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
WORK_SIZE = 400  # long side of the copy the sky is detected on
MIN_SKY_SHARE, MAX_SKY_SHARE = 0.04, 0.7
MIN_TOP_COVERAGE = 0.35  # share of the top row that must be sky
MIN_CONTRAST = 1.12  # the sky is this much brighter than the rest of the scene

CLEAR_SKY = ((52, 110, 196), (120, 170, 225), (196, 220, 240))  # zenith, middle, horizon
DUSK_SKY = ((22, 32, 82), (92, 74, 132), (246, 146, 84))


class NoSky(UnsupportedEdit):
    pass


def replace_sky(image: Image.Image, seed: int) -> Image.Image:
    """A clear blue sky with soft clouds in place of the photo's sky."""
    alpha, horizon = sky_alpha(image, "sky_replacement")
    sky = _gradient_sky(image.size, horizon, CLEAR_SKY)
    sky = _with_clouds(sky, seed)
    return _composite(np.asarray(image, np.float32), sky, alpha)


def day_to_dusk(image: Image.Image, seed: int) -> Image.Image:
    """A twilight sky and an evening grade of everything under it."""
    alpha, horizon = sky_alpha(image, "day_to_dusk")
    sky = _gradient_sky(image.size, horizon, DUSK_SKY)
    scene = np.asarray(image, np.float32) / 255.0
    # Evening: about a stop and a half darker, shadows deeper, a cool cast with a warm horizon glow.
    evening = (scene**1.25) * 0.42 * np.array([0.95, 0.95, 1.08], np.float32)
    rows = np.linspace(0.0, 1.0, image.height, dtype=np.float32)[:, None, None]
    glow = np.clip(1 - np.abs(rows - horizon / image.height) * 4, 0, 1) * np.array(
        [0.10, 0.05, 0.0], np.float32
    )
    evening = np.clip(evening + glow * scene, 0, 1) * 255
    return _composite(evening, sky, alpha)


def sky_alpha(image: Image.Image, edit_type: str) -> tuple[np.ndarray, int]:
    """A soft (H, W, 1) sky mask in 0..1 and the row where the sky ends; NoSky when there is none."""
    factor = max(1, max(image.size) // WORK_SIZE)
    small = np.asarray(image.reduce(factor) if factor > 1 else image, np.float32) / 255.0
    luma = small @ LUMA
    brightest, darkest = small.max(axis=2), small.min(axis=2)
    saturation = (brightest - darkest) / np.maximum(brightest, 1e-3)
    blueish = (small[..., 2] > small[..., 0] + 0.03) & (small[..., 2] >= small[..., 1])
    gradient = np.abs(np.diff(luma, axis=0, prepend=luma[:1])) + np.abs(
        np.diff(luma, axis=1, prepend=luma[:, :1])
    )
    bright = max(0.45, 0.75 * float(np.percentile(luma, 97)))  # near the brightest, as skies are
    candidate = (luma > bright) & (gradient < 0.035) & ((saturation < 0.22) | (blueish & (saturation < 0.7)))
    mask = np.cumprod(candidate, axis=0).astype(bool)

    share, top = mask.mean(), mask[0].mean()
    rest = luma[~mask].mean() if (~mask).any() else 1.0
    if (
        not (MIN_SKY_SHARE <= share <= MAX_SKY_SHARE and top >= MIN_TOP_COVERAGE)
        or luma[mask].mean() < rest * MIN_CONTRAST
    ):
        able = ", ".join(name for name in providers_for(edit_type) if name != "local")
        raise NoSky(
            f"local found no open sky in this photo (it needs a bright sky along the top of an exterior photo); "
            f"use {able} for {edit_type}"
        )
    horizon = int((np.nonzero(mask.any(axis=1))[0].max() + 1) * factor)

    # Full size: the coarse region, widened a little, intersected with a soft brightness test.
    coarse = Image.fromarray(mask.astype(np.uint8) * 255).resize(image.size, Image.Resampling.BILINEAR)
    coarse = coarse.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(factor))
    full_luma = np.asarray(image.convert("L"), np.float32) / 255.0
    bright_enough = np.clip((full_luma - (bright - 0.08)) / 0.08, 0, 1)
    alpha = np.asarray(coarse, np.float32) / 255.0 * bright_enough
    alpha = np.asarray(
        Image.fromarray((alpha * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1)), np.float32
    )
    return (alpha / 255.0)[..., None], max(horizon, 1)


def _gradient_sky(size: tuple[int, int], horizon: int, colours) -> np.ndarray:
    """A vertical three-stop gradient from the top edge to the horizon row (constant below it)."""
    width, height = size
    t = np.clip(np.arange(height, dtype=np.float32) / horizon, 0, 1)[:, None]
    zenith, middle, low = (np.array(c, np.float32) for c in colours)
    upper = zenith + (middle - zenith) * np.clip(t * 2, 0, 1)
    column = np.where(t < 0.5, upper, middle + (low - middle) * np.clip(t * 2 - 1, 0, 1))
    return np.broadcast_to(column[:, None, :], (height, width, 3))


def _with_clouds(sky: np.ndarray, seed: int) -> np.ndarray:
    """Soft white clouds from smooth random noise (a few blobs, different for every seed)."""
    height, width = sky.shape[:2]
    rng = np.random.default_rng(seed)
    noise = Image.fromarray((rng.random((6, 9)) * 255).astype(np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    noise = noise.filter(ImageFilter.GaussianBlur(max(width, height) / 60))
    density = np.clip((np.asarray(noise, np.float32) / 255.0 - 0.55) / 0.25, 0, 1)[..., None] * 0.85
    return sky + (np.float32(250) - sky) * density


def _composite(scene: np.ndarray, sky: np.ndarray, alpha: np.ndarray) -> Image.Image:
    out = scene + (sky - scene) * alpha
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))
