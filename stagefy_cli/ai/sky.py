"""Sky replacement and day-to-dusk by classic image processing, for the local provider.

The sky is found and refined to the real roof lines and leaves (`sky_mask`), a new sky is painted
to match the photo's brightness, light and grain (`sky_paint`), and the two are composited with
the old sky taken out of the edge pixels: an antialiased edge pixel is part old sky, part roof, so
its old-sky share is subtracted before the new sky's share is added, leaving no grey fringe.

Day to dusk also grades the scene into evening light (darker, warmer) and lights the windows it
finds (`windows`) with a warm glow that spills softly onto the wall around them. When no
convincing sky is found (an interior, a sky hidden by trees) the edit is refused rather than
painted over a ceiling.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .base import UnsupportedEdit
from .catalog import providers_for
from .sky_mask import NoSkyFound, Sky, find_sky, sample_at
from .sky_paint import clear_sky, dusk_sky
from .windows import window_mask

WINDOW_LIGHT = np.array([1.0, 0.74, 0.42], np.float32)
EVENING_LIGHT = np.array([1.0, 0.88, 0.72], np.float32)  # warm: the last sun and the lamps inside
EVENING_EXPOSURE, EVENING_GAMMA = 0.5, 1.25
GLOW_SPILL = 0.35


class NoSky(UnsupportedEdit):
    pass


def replace_sky(image: Image.Image, seed: int) -> Image.Image:
    """A clear blue sky with soft clouds in place of the photo's sky."""
    sky = _sky(image, "sky_replacement")
    pixels = _foreground(image, sky)
    return _composite(pixels, clear_sky(image.size, sky, seed), sky.alpha)


def day_to_dusk(image: Image.Image, seed: int) -> Image.Image:
    """A twilight sky, the scene in evening light, and its windows lit from inside."""
    sky = _sky(image, "day_to_dusk")
    pixels = _foreground(image, sky)
    windows = window_mask(pixels, sky.alpha)[..., None]
    evening = np.power(pixels, EVENING_GAMMA) * (EVENING_EXPOSURE * EVENING_LIGHT)
    if windows.any():
        # The pane glows and the light spills onto the wall around it.
        spread = max(3.0, 0.01 * max(image.size))
        spill = cv2.GaussianBlur(windows[..., 0], (0, 0), spread)[..., None] * GLOW_SPILL
        evening = evening + (1 - evening) * spill * WINDOW_LIGHT
        evening = evening * (1 - windows) + WINDOW_LIGHT * windows
    return _composite(evening, dusk_sky(image.size, sky, seed), sky.alpha)


def _sky(image: Image.Image, edit_type: str) -> Sky:
    try:
        return find_sky(image)
    except NoSkyFound:
        able = ", ".join(name for name in providers_for(edit_type) if name != "local")
        raise NoSky(
            f"local found no open sky in this photo (it needs a bright sky along the top of an exterior photo); "
            f"use {able} for {edit_type}"
        ) from None


def _foreground(image: Image.Image, sky: Sky) -> np.ndarray:
    """The photo (float RGB, 0..1) with the old sky's share taken out of the partly-sky edge pixels:
    pixel = a * old sky + (1 - a) * foreground, solved for the foreground."""
    pixels = np.asarray(image, np.float32) / 255.0
    rows, cols = np.nonzero((sky.alpha > 0) & (sky.alpha < 1))
    if len(rows):
        alpha = sky.alpha[rows, cols][:, None]
        old = sample_at(sky.colour, rows, cols, sky.factor)
        pixels[rows, cols] = np.clip((pixels[rows, cols] - alpha * old) / (1 - alpha), 0, 1)
    return pixels


def _composite(scene: np.ndarray, sky: np.ndarray, alpha: np.ndarray) -> Image.Image:
    out = scene + (sky - scene) * alpha[..., None]
    return Image.fromarray(np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8))
