"""Finding the sky of an exterior photo: a coarse region on a reduced copy, refined to the real edge.

1. On a reduced copy, sky candidates are smooth pixels that are blue (even a deep, dark blue) or a
   grey near the brightest of the photo. Sky is only where sky can be: a candidate region touching
   the top edge counts only if it reaches well down, covers enough of the photo, is smooth inside
   and is blue or a cool grey clearly brighter than the rest (a white panel is short, a clapboard
   wall has joints, a cream wall is warm). The clouds, birds and wires the sky surrounds are sky
   too, and so are patches of its colour seen between branches near it. Too little such sky
   raises NoSkyFound: the edit is refused rather than painted over walls.
2. At full size, a band around that region's edge is decided again, pixel by pixel: each pixel
   is placed on the line from the local sky colour to the local colour of what stands in front of
   it (both extended into the band from sure pixels nearby), which gives a coverage for the
   antialiased pixels of a roof line or a leaf; noise within 2.5 sigma of either end snaps to it.
3. A small guided filter (guided by the photo) feathers the mixed pixels along the photo's own
   edges; pixels decided as all sky or all ground stay so.

The local sky colour is returned too: compositing subtracts it from the edge pixels, so no grey
fringe of the old sky is left around roofs and trees.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from stagefy_cli.imaging.filters import box, guided_filter, noise_sigma
from stagefy_cli.imaging.white_balance import LUMA

WORK_SIZE = 480  # long side of the copy the sky is detected on
MIN_SKY_SHARE, MAX_SKY_SHARE = 0.03, 0.75  # of the photo
MIN_TOP_COVERAGE = 0.15  # share of the top edge that must be sky
TOP_BAND = 50  # the top edge is the top 2 % of rows (a scanner's or a camera's border)
EDGE = 0.15  # Sobel response (on a copy blurred by 1 pixel) that stops the sky
BLUE_MARGIN, MIN_BLUE_LUMA = 0.04, 0.2  # a blue pixel: blue this far above red, not near black
#: A region touching the top is sky only if it reaches this far down (share of the height), covers
#: this share of the photo, is this smooth inside (mean Sobel response), and is blue by BLUE_SKY
#: (mean blue minus red) or a grey GREY_SKY_CONTRAST times brighter than the rest.
MIN_DEPTH, MIN_REGION_SHARE, MAX_INNER_GRADIENT = 0.12, 0.015, 0.045
BLUE_SKY, GREY_SKY_CONTRAST = 0.05, 1.5
MAX_ENCLOSED = 0.05  # most of the photo one cloud, bird or wire the sky surrounds may cover
POCKET_REACH = 0.1  # pockets of sky lie within this share of the long side of the open sky
MIN_SEPARATION = 0.05  # foreground this close to the sky's colour keeps the coarse decision
POCKET_DISTANCE = 0.06  # an enclosed patch this close to the surrounding sky's colour is sky too
MIN_POCKET_PIXELS = 6


@dataclass
class Sky:
    alpha: np.ndarray  # (H, W) float32 sky coverage, 0..1
    horizon: int  # first row below the sky
    colour: np.ndarray  # (h, w, 3) float32 old sky colour on the reduced copy, extended everywhere
    factor: int  # reduction of the copy
    luma: float  # mean luminance of the old sky
    tint: np.ndarray  # the old sky's colour relative to its luminance (R, G, B)
    noise: float  # the old sky's grain, to give the new sky the same


class NoSkyFound(Exception):
    """The photo shows no open sky that can be found with confidence; the message says why."""


def check_sky(image: Image.Image) -> None:
    """Raise NoSkyFound (with the reason) when `find_sky` would: the cheap first step only, so a
    photo can be refused before an edit is paid for."""
    _coarse_mask(_reduced(image)[0])


def find_sky(image: Image.Image) -> Sky:
    """The photo's sky, or NoSkyFound (with the reason) when no sky can be found with confidence."""
    small, factor = _reduced(image)
    mask = _coarse_mask(small)
    sure_sky = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    # The edge test leaves a rim of sky outside the mask: the ground's colour is taken beyond it.
    sure_ground = cv2.erode((~mask).astype(np.uint8), np.ones((7, 7), np.uint8))
    sky_colour = _extend(small, sure_sky if sure_sky.any() else mask.astype(np.uint8), 6)
    ground_colour = _extend(small, sure_ground if sure_ground.any() else (~mask).astype(np.uint8), 2)
    pixels = np.asarray(image)
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    noise = noise_sigma(grey.astype(np.float32) / 255.0)
    alpha = _refined(pixels, grey, mask, sky_colour, ground_colour, factor, noise)
    noise = _grain(grey, alpha)
    sky_pixels = small[mask]
    sky_luma = float((sky_pixels @ LUMA).mean())
    return Sky(
        alpha=alpha,
        horizon=max(1, int((np.nonzero(mask.any(axis=1))[0].max() + 1) * factor)),
        colour=sky_colour,
        factor=factor,
        luma=sky_luma,
        tint=sky_pixels.mean(axis=0) / max(sky_luma, 1e-3),
        noise=noise,
    )


def _reduced(image: Image.Image) -> tuple[np.ndarray, int]:
    """The copy the sky is detected on (float32 RGB in 0..1) and its reduction factor."""
    factor = max(1, max(image.size) // WORK_SIZE)
    return np.asarray(image.reduce(factor) if factor > 1 else image, np.float32) / 255.0, factor


def _grain(grey: np.ndarray, alpha: np.ndarray) -> float:
    """The grain of the old sky (standard deviation, 0..1 units), measured where it is all sky
    (on every 4th row): the photo's overall noise figure is inflated by its texture (bricks,
    leaves), and a new sky given that much grain looks speckled."""
    rows = int(np.nonzero(alpha.any(axis=1))[0].max()) + 1
    sky = cv2.erode((alpha[:rows] >= 1).astype(np.uint8), np.ones((3, 3), np.uint8))[::4] > 0
    if sky.sum() < 100:
        return 0.0
    band = grey[:rows].astype(np.float32) / 255.0
    difference = (band - box(band, 1))[::4][sky]
    return float(np.median(np.abs(difference)) / 0.6745 / np.sqrt(8 / 9))


def _coarse_mask(small: np.ndarray) -> np.ndarray:
    """The sky on the reduced copy: the sky-like regions that reach down from the top edge (see
    `_is_sky`), plus enclosed patches of the same colour beside them (sky seen between branches).
    Raises NoSkyFound when there are none, or too little of them to be sure."""
    height, width = small.shape[:2]
    luma = small @ LUMA
    red, green, blue = small[..., 0], small[..., 1], small[..., 2]
    brightest, darkest = small.max(axis=2), small.min(axis=2)
    saturation = (brightest - darkest) / np.maximum(brightest, 1e-3)
    smooth = cv2.GaussianBlur(small, (0, 0), 1)
    gradient = (
        np.abs(cv2.Sobel(smooth, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    ).max(axis=2)
    # A blue sky may be dark (a deep clear blue); a grey one is near the brightest of the photo.
    blueish = (blue > red + BLUE_MARGIN) & (blue >= green - 0.03) & (luma > MIN_BLUE_LUMA)
    bright = max(0.45, 0.7 * float(np.percentile(luma, 97)))
    candidate = ((blueish | ((saturation < 0.2) & (luma > bright))) & (gradient < EDGE)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=4)
    # "Touching the top" allows for a thin border some cameras and scanners leave.
    top_rows = labels[: max(1, height // TOP_BAND)]
    touching = [
        label
        for label in np.unique(top_rows[top_rows > 0])
        if _is_sky(labels == label, stats[label], small, luma, gradient)
    ]
    mask = np.isin(labels, touching)
    share, top = mask.mean(), mask[: max(1, height // TOP_BAND)].any(axis=0).mean()
    if not touching or share < MIN_SKY_SHARE or top < MIN_TOP_COVERAGE:
        raise NoSkyFound("no open sky along the top of the photo")
    if share > MAX_SKY_SHARE:
        raise NoSkyFound("the sky-coloured area covers nearly the whole photo")
    mask |= _pockets(small, mask, labels, count)
    return mask | _enclosed(mask)


def _enclosed(mask: np.ndarray) -> np.ndarray:
    """What the sky surrounds: clouds, birds and wires are part of the sky to replace, but are
    not sky-coloured. They are the small regions outside the mask that reach neither the bottom
    edge nor below the sky's lowest row (everything that stands on the ground does)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((~mask).astype(np.uint8), connectivity=4)
    lowest = int(np.nonzero(mask.any(axis=1))[0].max())
    bottoms = stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT]
    held = (bottoms <= lowest) & (stats[:, cv2.CC_STAT_AREA] <= MAX_ENCLOSED * mask.size)
    held[0] = False
    return held[labels]


def _is_sky(region: np.ndarray, stats: np.ndarray, small: np.ndarray, luma, gradient) -> bool:
    """Whether a region touching the top edge is sky: deep and large enough to be more than a
    panel or a strip of wall, smooth inside (a wall's boards, bricks and joints are not), and of a
    sky's colour: blue, or a cool grey clearly brighter than the rest of the photo (a white or
    cream wall is warm in daylight, and no brighter than the clouds over it)."""
    height, width = region.shape
    depth = (stats[cv2.CC_STAT_TOP] + stats[cv2.CC_STAT_HEIGHT]) / height
    if depth < MIN_DEPTH or region.mean() < MIN_REGION_SHARE:
        return False
    inner = cv2.erode(region.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if not inner.any() or float(gradient[inner].mean()) > MAX_INNER_GRADIENT:
        return False
    red, _, blue = small[region].mean(axis=0)
    if blue - red >= BLUE_SKY:
        return True
    rest = luma[~region].mean() if (~region).any() else 1.0
    return bool(blue >= red and luma[region].mean() >= max(0.6, rest * GREY_SKY_CONTRAST))


def _pockets(small: np.ndarray, mask: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Enclosed candidate patches beside the sky whose colour is the sky's on their own rows
    (skies change mostly with height): sky seen between branches or under a tree. Patches far
    from the open sky (a white panel, a window reflecting the sky) are not sky."""
    counts = mask.sum(axis=1)
    rows = np.nonzero(counts)[0]
    row_colour = (small * mask[..., None]).sum(axis=1)[rows] / counts[rows, None]
    every_row = np.arange(small.shape[0])
    expected = np.stack([np.interp(every_row, rows, row_colour[:, c]) for c in range(3)], axis=1)
    distance = np.linalg.norm(small - expected[:, None, :], axis=2).ravel()
    reach = max(3, round(POCKET_REACH * max(small.shape)))
    near = cv2.dilate(mask.astype(np.uint8), np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)).astype(bool)
    flat = labels.ravel()
    sizes = np.bincount(flat, minlength=count)
    mean_distance = np.bincount(flat, weights=distance, minlength=count) / np.maximum(sizes, 1)
    inside = np.bincount(flat, weights=near.ravel(), minlength=count)
    pockets = (mean_distance < POCKET_DISTANCE) & (sizes >= MIN_POCKET_PIXELS) & (inside == sizes)
    pockets[0] = False
    return pockets[labels] & ~mask


def _extend(small: np.ndarray, known: np.ndarray, sigma: float) -> np.ndarray:
    """Colours of the `known` pixels carried smoothly over the whole copy (normalised convolution;
    far from any known pixel, their mean)."""
    weight = known.astype(np.float32)
    spread = cv2.GaussianBlur(weight, (0, 0), sigma)
    carried = cv2.GaussianBlur(small * weight[..., None], (0, 0), sigma)
    mean = small[known > 0].mean(axis=0)
    trust = np.clip(spread / 0.05, 0, 1)[..., None]
    return (carried / np.maximum(spread, 1e-6)[..., None] * trust + mean * (1 - trust)).astype(np.float32)


def sample_at(values: np.ndarray, rows: np.ndarray, cols: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear samples (N, channels) of a reduced-copy array at full-size pixel positions."""
    count, width = len(rows), 1024  # remap's maps are images, at most 32767 on a side
    padded = -(-count // width) * width
    map_x = np.zeros(padded, np.float32)
    map_y = np.zeros(padded, np.float32)
    map_x[:count] = (cols + 0.5) / factor - 0.5
    map_y[:count] = (rows + 0.5) / factor - 0.5
    shape = (padded // width, width)
    sampled = cv2.remap(
        values, map_x.reshape(shape), map_y.reshape(shape), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return sampled.reshape(padded, -1)[:count]


def _refined(
    pixels: np.ndarray,
    grey: np.ndarray,
    mask: np.ndarray,
    sky_colour,
    ground_colour,
    factor: int,
    noise: float,
) -> np.ndarray:
    """Full-size alpha: the coarse mask, with the band around its edge decided pixel by pixel
    (`pixels` uint8 RGB, `grey` its uint8 luminance)."""
    height, width = pixels.shape[:2]
    coarse = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    sky = (coarse > 0.5).astype(np.uint8)
    alpha = sky.astype(np.float32)
    reach = 3 * factor + 3  # the edge test's rim on the reduced copy, and a margin
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    band = (cv2.dilate(sky, kernel) > cv2.erode(sky, kernel)).astype(bool)
    rows, cols = np.nonzero(band)
    if len(rows):
        seen = pixels[rows, cols].astype(np.float32) / 255.0
        sky = sample_at(sky_colour, rows, cols, factor)
        ground = sample_at(ground_colour, rows, cols, factor)
        towards = ground - sky
        separation = np.linalg.norm(towards, axis=1)
        travelled = ((seen - sky) * towards).sum(axis=1) / np.maximum(separation, 1e-4) ** 2
        margin = 2.5 * noise * np.sqrt(3) / np.maximum(separation, 1e-4)
        margin = np.minimum(margin, 0.3)
        coverage = np.clip((1 - travelled - margin) / (1 - 2 * margin), 0, 1)
        alpha[rows, cols] = np.where(separation > MIN_SEPARATION, coverage, coarse[rows, cols])
        # Feathering softens only the mixed pixels, along the photo's own edges (within the rows
        # the band spans, which is all it can change).
        top, bottom = max(0, rows.min() - 2), rows.max() + 3
        part = alpha[top:bottom]
        feathered = guided_filter(grey[top:bottom].astype(np.float32) / 255.0, part, 1, 1e-4)
        mixed = band[top:bottom] & (part > 0) & (part < 1)
        part[mixed] = np.clip(feathered[mixed], 0, 1)
        part[mixed & (part > 0.98)] = 1.0
        part[mixed & (part < 0.02)] = 0.0
    return alpha
