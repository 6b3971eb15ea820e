"""White balance that trusts the scene's neutral surfaces, not its average colour.

A colour cast moves every surface by the same step in log-chromaticity (log R/G, log B/G), so the
surfaces that really are grey (a sofa, a ceiling, paving, window frames) form a cluster that sits
exactly at the cast. Gray-world instead takes the average colour as the cast, which is wrong in
most listing photos: beige walls and wooden floors are warm, lawns are green, so it turns a grey
sofa navy. Here every cluster of similar chromaticity that covers enough of the photo is a
candidate for "the greys", and the candidate chosen is the one that needs the smallest correction
(when in doubt, correct less), among those that point the same way as the photo's average colour:
a blue vase under a warm light is nearer to neutral than the warm-lit walls, but correcting
towards it would make the photo warmer still. (A cluster that is grey already is always a
candidate: a grey sky over a green lawn stays grey.)
The correction is then limited to what a photographer's temperature and tint sliders do.
"""

from __future__ import annotations

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
BIN = 0.02  # histogram bin in log-chromaticity
SPAN = 1.2  # histogram covers -SPAN..SPAN on both axes
CLUSTER_RADIUS = 0.07
MIN_CLUSTER_SHARE = 0.02
NEARLY_NEUTRAL = 0.06  # a cluster this close to grey is a candidate whatever the average colour
#: Most a cast is corrected along the blue-amber (temperature) and green-magenta (tint) axes.
MAX_TEMPERATURE, MAX_TINT = 0.55, 0.2
TEMPERATURE_STRENGTH = 0.9  # keep a trace of warm light: interiors are lit warm on purpose
_TEMPERATURE_AXIS = np.array([1.0, -1.0], np.float32) / np.sqrt(2)  # amber: more red, less blue
_TINT_AXIS = np.array([1.0, 1.0], np.float32) / np.sqrt(2)  # magenta: more red and blue than green


def white_balance_gains(pixels: np.ndarray) -> np.ndarray:
    """Per-channel gains (R, G, B) that make the scene's neutral surfaces neutral, keeping their
    brightness; `pixels` is an (N, 3) float sample in 0..1 (a reduced copy of the photo)."""
    cast = estimate_cast(pixels)
    red, blue = np.exp(-cast)
    gains = np.array([red, 1.0, blue], np.float32)
    grey_under_cast = np.array([np.exp(cast[0]), 1.0, np.exp(cast[1])], np.float32)
    return gains * float(grey_under_cast @ LUMA)


def estimate_cast(pixels: np.ndarray) -> np.ndarray:
    """The cast as (log R/G, log B/G) of the surfaces taken as grey; (0, 0) when the photo offers
    no trustworthy cluster."""
    luma = pixels @ LUMA
    usable = pixels[
        (luma > 0.06) & (luma < 0.96) & (pixels.max(axis=1) < 0.985) & (pixels.min(axis=1) > 0.01)
    ]
    if len(usable) < 200:
        return np.zeros(2, np.float32)
    chroma = np.log(usable[:, [0, 2]]) - np.log(usable[:, [1]])
    means = usable.mean(axis=0)
    average = np.log(means[[0, 2]] / means[1])
    candidates = _clusters(chroma)
    plausible = [c for c in candidates if c @ average >= 0 or np.linalg.norm(c) < NEARLY_NEUTRAL]
    if not plausible:
        return np.zeros(2, np.float32)
    return _limited(min(plausible, key=np.linalg.norm))


def _clusters(chroma: np.ndarray) -> list[np.ndarray]:
    """Centres of the dense regions of the chromaticity histogram that hold enough pixels."""
    bins = int(round(2 * SPAN / BIN))
    histogram, _, _ = np.histogram2d(chroma[:, 0], chroma[:, 1], bins=bins, range=[[-SPAN, SPAN]] * 2)
    histogram = cv2.GaussianBlur(histogram.astype(np.float32), (0, 0), 1.5)
    peaks = (histogram == cv2.dilate(histogram, np.ones((5, 5), np.uint8))) & (histogram > 0)
    centres = []
    for row, col in zip(*np.nonzero(peaks), strict=True):
        guess = np.array([-SPAN + (row + 0.5) * BIN, -SPAN + (col + 0.5) * BIN], np.float32)
        near = np.linalg.norm(chroma - guess, axis=1) < CLUSTER_RADIUS
        if near.mean() >= MIN_CLUSTER_SHARE:
            centres.append(np.median(chroma[near], axis=0))
    return centres


def _limited(cast: np.ndarray) -> np.ndarray:
    temperature = float(np.clip(cast @ _TEMPERATURE_AXIS, -MAX_TEMPERATURE, MAX_TEMPERATURE))
    tint = float(np.clip(cast @ _TINT_AXIS, -MAX_TINT, MAX_TINT))
    return (TEMPERATURE_STRENGTH * temperature * _TEMPERATURE_AXIS + tint * _TINT_AXIS).astype(np.float32)
