"""White balance that trusts the scene's neutral surfaces, not its average colour.

A colour cast moves every surface by the same step in log-chromaticity (log R/G, log B/G), so the
surfaces that really are grey (a sofa, a ceiling, paving, clouds, window frames) form a cluster
that sits exactly at the cast. Gray-world instead takes the average colour as the cast, which is
wrong in most listing photos: beige walls and wooden floors are warm, lawns are green, skies blue.
Here the cast is the densest cluster nearest to neutral, found by mean shift started at neutral
(a Gaussian-weighted mean, re-centred until it settles): it follows a cast wherever it moves the
greys, and on a balanced photo it stays on the greys, at neutral. The cluster is trusted only when
it holds enough of the photo, is compact (grey surfaces are; the pale end of a spread of similar
colours, cream fur or a dusk sky, is not) and the correction it asks for points the same way as the photo's
average colour (a blue vase under a warm light is nearer to neutral than the warm-lit walls, but
correcting towards it would make the photo warmer still; a yellow facade under a blue sky is not
a cast). Any correction is limited to what a photographer's temperature and tint sliders do.
"""

from __future__ import annotations

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
BIN = 0.02  # histogram bin in log-chromaticity
SPAN = 1.2  # histogram covers -SPAN..SPAN on both axes
CLUSTER_RADIUS = 0.07
MIN_CLUSTER_SHARE = 0.03  # of the usable pixels, within CLUSTER_RADIUS of the cluster's peak
#: A grey surface is one colour under any light, so its pixels form a compact cluster: most of
#: those within 2 * CLUSTER_RADIUS of its centre are within CLUSTER_RADIUS (measured on colours
#: averaged over SMOOTHING pixels, so that grain in the shadows does not spread them). A cluster
#: that is only the pale end of a spread of similar colours (cream fur shading into ginger, the
#: gradient of a dusk sky) is a colour of the scene, not of its light: from COMPACT[0] of that share
#: it is trusted fully, below COMPACT[1] not at all, in between partly.
COMPACT = (0.53, 0.49)
SMOOTHING = 5
BANDWIDTH = 0.04  # of the mean shift that refines the peak, in log-chromaticity
MEAN_SHIFT_STEPS = 30
BRIGHTEST_PERCENTILE = 95  # the brightest unclipped surfaces: often white (ceilings, trims, clouds)
NEARLY_NEUTRAL = 0.06  # a cluster this close to grey is trusted whatever the average colour
#: Most a cast is corrected along the blue-amber (temperature) and green-magenta (tint) axes.
MAX_TEMPERATURE, MAX_TINT = 0.55, 0.2
CAST_TOLERANCE = 0.04  # in log-chromaticity, about a 4 % difference between channels
TEMPERATURE_STRENGTH = 0.9  # keep a trace of warm light: interiors are lit warm on purpose
_TEMPERATURE_AXIS = np.array([1.0, -1.0], np.float32) / np.sqrt(2)  # amber: more red, less blue
_TINT_AXIS = np.array([1.0, 1.0], np.float32) / np.sqrt(2)  # magenta: more red and blue than green


def white_balance_gains(sample: np.ndarray) -> np.ndarray:
    """Per-channel gains (R, G, B) that make the scene's neutral surfaces neutral, none above 1 so
    that no channel clips (the tone curve restores the brightness); `sample` is an (H, W, 3) float
    reduced copy of the photo in 0..1."""
    cast = estimate_cast(sample)
    red, blue = np.exp(-cast)
    gains = np.array([red, 1.0, blue], np.float32)
    return gains / gains.max()


def estimate_cast(sample: np.ndarray) -> np.ndarray:
    """The cast as (log R/G, log B/G) of an (H, W, 3) sample: what the scene's greys and its
    brightest surfaces agree on, as far as the greys are compact; (0, 0) when the photo offers no
    trustworthy grey cluster."""
    pixels = sample.reshape(-1, 3)
    smooth = cv2.blur(sample, (SMOOTHING, SMOOTHING)).reshape(-1, 3)
    luma = pixels @ LUMA
    # A white surface under a strong cast clips in one channel: still the best witness of the cast.
    # Tested channel by channel and gathered by index: numpy's reductions along rows of three and
    # its boolean row selection are several times slower, and this runs on every local edit.
    red, green, blue = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    clipped = (red >= 0.985).view(np.uint8) + (green >= 0.985).view(np.uint8) + (blue >= 0.985).view(np.uint8)
    kept = np.flatnonzero((luma > 0.06) & (clipped <= 1) & (red > 0.01) & (green > 0.01) & (blue > 0.01))
    usable, luma, smooth = pixels.take(kept, axis=0), luma.take(kept), smooth.take(kept, axis=0)
    if len(usable) < 200:
        return np.zeros(2, np.float32)
    chroma = np.log(usable[:, [0, 2]]) - np.log(usable[:, [1]])
    means = usable.mean(axis=0)
    average = np.log(means[[0, 2]] / means[1])
    greys = _nearest_mode(chroma)
    if greys is None or (greys @ average < 0 and np.linalg.norm(greys) >= NEARLY_NEUTRAL):
        return np.zeros(2, np.float32)
    brightest = np.median(chroma[luma >= np.percentile(luma, BRIGHTEST_PERCENTILE)], axis=0)
    smooth_chroma = np.log(np.maximum(smooth[:, [0, 2]], 1e-3)) - np.log(np.maximum(smooth[:, [1]], 1e-3))
    return _limited(_agreed(greys, brightest)) * _compactness_trust(smooth_chroma, greys)


def _compactness_trust(chroma: np.ndarray, centre: np.ndarray) -> float:
    """How far a cluster is trusted as the scene's greys, 0..1, by how compact it is (see COMPACT)."""
    distance = np.square(chroma - centre).sum(axis=1)
    compact = (distance < CLUSTER_RADIUS**2).sum() / max(1, int((distance < (2 * CLUSTER_RADIUS) ** 2).sum()))
    full, none = COMPACT
    return float(np.clip((compact - none) / (full - none), 0, 1))


def _agreed(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Along the temperature and the tint axes, the first estimate where the second points the
    same way, none where they disagree: when in doubt, correct less."""
    agreed = np.zeros(2, np.float32)
    for axis in (_TEMPERATURE_AXIS, _TINT_AXIS):
        a, b = float(first @ axis), float(second @ axis)
        if a * b > 0:
            agreed += a * axis
    return agreed


def _nearest_mode(chroma: np.ndarray) -> np.ndarray | None:
    """The cluster of chromaticities nearest to neutral that holds at least MIN_CLUSTER_SHARE of
    them: the peaks of their smoothed histogram, the nearest one refined by mean shift (a
    Gaussian-weighted mean, re-centred until it settles). None when no cluster is large enough."""
    bins = int(round(2 * SPAN / BIN))
    histogram, _, _ = np.histogram2d(chroma[:, 0], chroma[:, 1], bins=bins, range=[[-SPAN, SPAN]] * 2)
    histogram = cv2.GaussianBlur(histogram.astype(np.float32), (0, 0), 1.5)
    peaks = (histogram == cv2.dilate(histogram, np.ones((5, 5), np.uint8))) & (histogram > 0)
    rows, cols = np.nonzero(peaks)
    centres = np.stack([-SPAN + (rows + 0.5) * BIN, -SPAN + (cols + 0.5) * BIN], axis=1)
    # The nearest peak to neutral that is large enough: peaks are tried nearest first (a stable
    # sort: of two as near, the first found), each a pass over every pixel, so most are never tried.
    nearest_first = sorted(centres, key=np.linalg.norm)
    large = (
        c
        for c in nearest_first
        if (np.square(chroma - c).sum(axis=1) < CLUSTER_RADIUS**2).mean() >= MIN_CLUSTER_SHARE
    )
    found = next(large, None)
    if found is None:
        return None
    centre = found.astype(np.float32)
    for _ in range(MEAN_SHIFT_STEPS):
        weight = np.exp(np.square(chroma - centre).sum(axis=1) * (-0.5 / BANDWIDTH**2))
        moved = ((chroma * weight[:, None]).sum(axis=0) / max(float(weight.sum()), 1e-9)).astype(np.float32)
        settled = np.linalg.norm(moved - centre) < 1e-4
        centre = moved
        if settled:
            break
    return centre


def _limited(cast: np.ndarray) -> np.ndarray:
    """The correction, within the sliders' range: none for a cast within CAST_TOLERANCE (a
    balanced photo's greys are seldom exactly grey, and a photo is not corrected for that), all of
    it from three times that on, and a share growing in between (no jump)."""
    size = float(np.linalg.norm(cast))
    cast = cast * float(np.clip((size - CAST_TOLERANCE) / (2 * CAST_TOLERANCE), 0, 1))
    temperature = float(np.clip(cast @ _TEMPERATURE_AXIS, -MAX_TEMPERATURE, MAX_TEMPERATURE))
    tint = float(np.clip(cast @ _TINT_AXIS, -MAX_TINT, MAX_TINT))
    return (TEMPERATURE_STRENGTH * temperature * _TEMPERATURE_AXIS + tint * _TINT_AXIS).astype(np.float32)
