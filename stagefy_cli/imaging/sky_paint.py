"""New skies for the local provider: a vertical gradient with fractal clouds, matched to the photo.

A pasted sky looks painted when it is brighter or cleaner than the photo: so the clear sky is scaled
to the old sky's brightness and takes on the colour of the photo's light, clouds are several
octaves of smooth noise (large soft shapes with ragged edges, flatter towards the horizon, as
perspective makes them), and the photo's own grain is added on top.
"""

from __future__ import annotations

import cv2
import numpy as np

from stagefy_cli.imaging.sky_mask import Sky
from stagefy_cli.imaging.white_balance import LUMA

CLEAR_SKY = ((0.2, 0.43, 0.77), (0.47, 0.67, 0.88), (0.77, 0.86, 0.94))  # zenith, middle, horizon
DUSK_SKY = ((0.09, 0.13, 0.32), (0.36, 0.29, 0.52), (0.96, 0.57, 0.33))
SKY_BRIGHTNESS = 0.92  # a clear sky is a little darker than the overcast one it replaces
MAX_TINT = 0.06  # most the new sky takes on the old sky's colour, per channel
CLOUD_OCTAVES = 5
CLOUD_LEVEL = 0.82  # clouds are white even in a deep blue sky


def clear_sky(width: int, rows: int, sky: Sky, seed: int) -> np.ndarray:
    """The top `rows` rows (all the sky there is) of a new sky: (rows, width, 3) float32 in 0..1."""
    gradient = _gradient(rows, sky.horizon, CLEAR_SKY)
    shown = gradient[: sky.horizon]
    scale = np.clip(SKY_BRIGHTNESS * sky.luma / float((shown @ LUMA).mean()), 0.6, 1.3)
    tint = np.clip(sky.tint, 1 - MAX_TINT, 1 + MAX_TINT)
    column = np.clip(gradient * scale * tint, 0, 1)
    density = _clouds((width, rows), sky.horizon, seed)
    cloud = np.clip(min(1.0, max(CLOUD_LEVEL, 1.1 * sky.luma + 0.05)) * tint, 0, 1).astype(np.float32)
    grain = _grain((width, rows), sky.noise, seed)
    # Plane by plane (contiguous 2-D arithmetic is several times faster than on (H, W, 3)).
    planes = [column[:, c, None] + (cloud[c] - column[:, c, None]) * density + grain for c in range(3)]
    return cv2.merge(planes)


def dusk_sky(width: int, rows: int, sky: Sky, seed: int) -> np.ndarray:
    column = _gradient(rows, sky.horizon, DUSK_SKY)
    grain = _grain((width, rows), sky.noise, seed)
    return cv2.merge([column[:, c, None] + grain for c in range(3)])


def _gradient(height: int, horizon: int, colours) -> np.ndarray:
    """(H, 3): three stops from the top row to the horizon row, constant below it."""
    t = np.clip(np.arange(height, dtype=np.float32) / horizon, 0, 1)[:, None]
    zenith, middle, low = (np.array(c, np.float32) for c in colours)
    upper = zenith + (middle - zenith) * np.clip(t * 2, 0, 1)
    return np.where(t < 0.5, upper, middle + (low - middle) * np.clip(t * 2 - 1, 0, 1)).astype(np.float32)


def _clouds(size: tuple[int, int], horizon: int, seed: int) -> np.ndarray:
    """(H, W) cloud density in 0..1: octaves of smooth noise, built at a quarter size (clouds have
    no detail finer than that) and stretched wide near the horizon."""
    width, height = size
    work = (max(8, width // 4), max(8, height // 4))
    rng = np.random.default_rng(seed)
    noise = np.zeros((work[1], work[0]), np.float32)
    for octave in range(CLOUD_OCTAVES):
        # Cells twice as wide as tall: clouds are seen from below, flattened.
        columns = 3 * 2**octave
        rows = max(2, round(columns * 2 * work[1] / work[0]))
        grid = rng.random((rows, columns), dtype=np.float32)
        noise += cv2.resize(grid, work, interpolation=cv2.INTER_CUBIC) * 0.5**octave
    noise /= sum(0.5**octave for octave in range(CLOUD_OCTAVES))
    # Perspective: rows near the horizon sample a horizontally squeezed band of the noise.
    rows = np.arange(work[1], dtype=np.float32)
    depth = np.clip(rows / max(1.0, horizon / 4), 0, 1)
    map_y = np.repeat((rows * (1 - 0.5 * depth))[:, None], work[0], axis=1).astype(np.float32)
    map_x = np.repeat(np.arange(work[0], dtype=np.float32)[None, :], work[1], axis=0)
    noise = cv2.remap(noise, map_x, map_y, cv2.INTER_LINEAR)
    density = np.clip((noise - 0.52) / 0.22, 0, 1)
    density = density * density * (3 - 2 * density) * 0.9
    return cv2.resize(density, size, interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _grain(size: tuple[int, int], sigma: float, seed: int) -> np.ndarray:
    """(H, W) float32: the photo's luminance noise, for the painted sky."""
    width, height = size
    return np.random.default_rng(seed + 1).standard_normal((height, width), dtype=np.float32) * np.float32(
        sigma
    )
