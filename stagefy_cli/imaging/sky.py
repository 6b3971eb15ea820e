"""Sky replacement and day-to-dusk by classic image processing (the local provider's).

The sky is found and refined to the real roof lines and leaves (`sky_mask`), a new sky is painted
to match the photo's brightness, light and grain (`sky_paint`), and the two are composited with
the old sky taken out of the edge pixels: an antialiased edge pixel is part old sky, part roof, so
its old-sky share is subtracted before the new sky's share is added, leaving no grey fringe.

Day to dusk also grades the scene into evening light (darker, warmer) and lights the windows it
finds (`facade_windows`) with a warm glow that spills softly onto the wall around them. When no
convincing sky is found (an interior, a sky hidden by trees) both raise `sky_mask.NoSkyFound`, so
the edit can be refused rather than painted over a ceiling.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from stagefy_cli.imaging.facade_windows import window_mask
from stagefy_cli.imaging.sky_mask import Sky, find_sky, sample_at
from stagefy_cli.imaging.sky_paint import clear_sky, dusk_sky

WINDOW_LIGHT = np.array([1.0, 0.74, 0.42], np.float32)
EVENING_LIGHT = np.array([1.0, 0.88, 0.72], np.float32)  # warm: the last sun and the lamps inside
EVENING_EXPOSURE, EVENING_GAMMA = 0.5, 1.25
GLOW_SPILL = 0.35


def replace_sky(image: Image.Image, seed: int) -> Image.Image:
    """A clear blue sky with soft clouds in place of the photo's sky."""
    sky = find_sky(image)
    rows = _sky_rows(sky)
    return _composite(_foreground(image, sky), clear_sky(image.width, rows, sky, seed), sky.alpha)


def day_to_dusk(image: Image.Image, seed: int) -> Image.Image:
    """A twilight sky, the scene in evening light, and its windows lit from inside."""
    sky = find_sky(image)
    scene = _foreground(image, sky)
    windows = window_mask(scene, sky.alpha)
    evening = cv2.LUT(scene, _EVENING_TABLE)
    if windows.any():
        _light_windows(evening, windows, max(image.size))
    return _composite(evening, dusk_sky(image.width, _sky_rows(sky), sky, seed), sky.alpha)


def _light_windows(evening: np.ndarray, windows: np.ndarray, long_side: int) -> None:
    """Fill the panes with warm light and let it spill softly onto the wall around them (in place).
    The spill is blurred on a reduced copy: it is smooth, and a wide blur at full size is slow."""
    height, width = windows.shape
    factor = max(1, long_side // 1000)
    small = cv2.resize(windows, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    spill = cv2.GaussianBlur(small, (0, 0), max(1.0, 0.01 * long_side / factor)) * GLOW_SPILL
    spill = cv2.resize(np.maximum(spill, small), (width, height), interpolation=cv2.INTER_LINEAR)
    rows = np.nonzero(spill.max(axis=1) > 1 / 255)[0]
    if not len(rows):
        return
    top, bottom = rows.min(), rows.max() + 1
    part = evening[top:bottom].astype(np.float32) / 255.0
    glow, pane = spill[top:bottom, :, None], windows[top:bottom, :, None]
    part += (1 - part) * np.minimum(glow, GLOW_SPILL) * WINDOW_LIGHT
    part += (WINDOW_LIGHT - part) * pane
    evening[top:bottom] = cv2.convertScaleAbs(part, alpha=255)


def _evening_table() -> np.ndarray:
    """The evening grade as a per-channel lookup table: darker, deeper shadows, warm light."""
    levels = (np.arange(256, dtype=np.float32) / 255.0)[:, None]
    graded = np.power(levels, EVENING_GAMMA) * (EVENING_EXPOSURE * EVENING_LIGHT)
    return np.clip(graded * 255 + 0.5, 0, 255).astype(np.uint8).reshape(1, 256, 3)


_EVENING_TABLE = _evening_table()


def _foreground(image: Image.Image, sky: Sky) -> np.ndarray:
    """The photo (uint8 RGB) with the old sky's share taken out of the partly-sky edge pixels:
    pixel = a * old sky + (1 - a) * foreground, solved for the foreground."""
    pixels = np.array(image)
    rows, cols = np.nonzero((sky.alpha > 0) & (sky.alpha < 1))
    if len(rows):
        alpha = sky.alpha[rows, cols][:, None]
        old = sample_at(sky.colour, rows, cols, sky.factor)
        seen = pixels[rows, cols].astype(np.float32) / 255.0
        pixels[rows, cols] = np.clip((seen - alpha * old) / (1 - alpha) * 255 + 0.5, 0, 255).astype(np.uint8)
    return pixels


def _sky_rows(sky: Sky) -> int:
    """How many rows from the top hold any sky: only those need a new sky painted."""
    return int(np.nonzero(sky.alpha.any(axis=1))[0].max()) + 1


def _composite(scene: np.ndarray, sky: np.ndarray, alpha: np.ndarray) -> Image.Image:
    """scene * (1 - alpha) + sky * alpha over the rows the sky covers (in place, one C pass over
    uint8 planes)."""
    rows = sky.shape[0]
    painted = cv2.convertScaleAbs(sky, alpha=255)
    weight = np.ascontiguousarray(alpha[:rows])
    scene[:rows] = cv2.blendLinear(painted, scene[:rows], weight, 1 - weight)
    return Image.fromarray(scene)
