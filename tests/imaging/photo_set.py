"""A generated set of listing photos whose truth is known, and the figures measured on them.

Interiors: grey walls, ceiling and sofa, a near-black table, a bright window and four saturated
objects, lit unevenly, shot with a known colour cast, exposure and sensor noise. Exteriors: a sky
(overcast or hazy) over a house with a pitched roof, glazed windows, a door, irregular trees and a
lawn, drawn at 4x and reduced so edges are antialiased like a camera's; the true sky coverage and
the window rectangles are kept. The tests assert on these figures and `benchmarks/local_enhance.py`
prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

LUMA = np.array([0.299, 0.587, 0.114])
Region = tuple[slice, slice]

CASTS = {
    "none": (1.0, 1.0, 1.0),
    "tungsten": (1.15, 1.0, 0.72),
    "shade": (0.84, 1.0, 1.2),
    "fluorescent": (0.9, 1.0, 0.86),
    "magenta": (1.07, 0.92, 1.05),
}
EXPOSURES = {"dim": 0.62, "normal": 1.0, "flat": None}


@dataclass
class Photo:
    pixels: np.ndarray  # uint8 RGB
    neutrals: dict[str, Region] = field(default_factory=dict)
    colours: dict[str, tuple[Region, tuple[float, float, float]]] = field(default_factory=dict)
    sky: np.ndarray | None = None  # true sky coverage, float 0..1
    windows: list[Region] = field(default_factory=list)
    wall: Region | None = None


def _box(height: int, width: int, top: float, bottom: float, left: float, right: float) -> Region:
    return slice(round(top * height), round(bottom * height)), slice(
        round(left * width), round(right * width)
    )


def _inset(region: Region, margin: int = 6) -> Region:
    rows, cols = region
    return slice(rows.start + margin, rows.stop - margin), slice(cols.start + margin, cols.stop - margin)


def interior(
    cast: str = "none",
    exposure: str = "normal",
    noise: float = 0.02,
    seed: int = 1,
    size: tuple[int, int] = (1200, 800),
    beige_walls: bool = False,
) -> Photo:
    """A room: `cast` from CASTS, `exposure` from EXPOSURES (flat = everything squeezed into the
    middle of the range), gaussian `noise` (in 0..1 units) on every channel."""
    width, height = size
    rng = np.random.default_rng(seed)
    wall_colour = (0.8, 0.72, 0.58) if beige_walls else (0.74, 0.74, 0.74)
    room = np.empty((height, width, 3), np.float32)
    photo = Photo(np.empty(0))
    parts = [
        ("ceiling", (0, 0.15, 0, 1), (0.9, 0.9, 0.9)),
        ("wall", (0.15, 0.65, 0, 1), wall_colour),
        ("floor", (0.65, 1, 0, 1), (0.55, 0.38, 0.24)),
        ("window", (0.22, 0.45, 0.55, 0.8), (0.97, 0.97, 0.97)),
        ("sofa", (0.5, 0.72, 0.08, 0.45), (0.4, 0.4, 0.4)),
        ("table", (0.76, 0.86, 0.15, 0.38), (0.07, 0.065, 0.06)),
        ("red cushion", (0.53, 0.61, 0.13, 0.22), (0.72, 0.12, 0.1)),
        ("blue vase", (0.48, 0.62, 0.6, 0.66), (0.12, 0.25, 0.62)),
        ("green plant", (0.42, 0.62, 0.85, 0.95), (0.2, 0.5, 0.15)),
        ("yellow throw", (0.78, 0.86, 0.58, 0.72), (0.85, 0.72, 0.15)),
    ]
    for name, (top, bottom, left, right), colour in parts:
        region = _box(height, width, top, bottom, left, right)
        room[region] = colour
        if name not in ("ceiling", "wall", "floor", "window", "sofa", "table"):
            photo.colours[name] = (_inset(region, 8), colour)
    photo.wall = _box(height, width, 0.17, 0.3, 0.05, 0.4)  # a flat stretch of wall
    photo.neutrals = {
        "ceiling": _box(height, width, 0.03, 0.12, 0.1, 0.9),
        "sofa": _box(height, width, 0.63, 0.7, 0.25, 0.43),
    }
    if beige_walls:
        photo.colours["beige wall"] = (photo.wall, wall_colour)
    else:
        photo.neutrals["wall"] = photo.wall
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.18 * np.hypot(xx / width - 0.65, yy / height - 0.35)  # brighter near the window
    room *= light[..., None]
    factor = EXPOSURES[exposure]
    room = 0.25 + room * 0.5 if factor is None else room * factor
    room = room * np.array(CASTS[cast], np.float32) + rng.normal(0, noise, room.shape).astype(np.float32)
    photo.pixels = np.clip(room * 255 + 0.5, 0, 255).astype(np.uint8)
    return photo


SKIES = {
    "overcast": ((0.8, 0.81, 0.83), (0.9, 0.9, 0.9)),
    "hazy": ((0.66, 0.74, 0.86), (0.86, 0.88, 0.9)),
}


def exterior(
    sky: str = "overcast", seed: int = 5, size: tuple[int, int] = (1200, 800), noise: float = 0.012
) -> Photo:
    """A house under `sky` (SKIES): pitched roof, chimney, four windows, a door, two irregular trees."""
    width, height = size
    big = (width * 4, height * 4)
    rng = np.random.default_rng(seed)
    ground = Image.new("L", big, 0)
    draw = ImageDraw.Draw(ground)
    horizon = 0.62
    draw.rectangle((0, big[1] * horizon, big[0], big[1]), fill=255)
    house = (0.3, 0.7)
    eave, wall_top, ridge = 0.42, 0.415, 0.2  # the wall runs up under the roof
    draw.polygon(
        [
            (big[0] * (house[0] - 0.04), big[1] * eave),
            (big[0] * 0.5, big[1] * ridge),
            (big[0] * (house[1] + 0.04), big[1] * eave),
        ],
        fill=255,
    )
    draw.rectangle((big[0] * 0.58, big[1] * 0.22, big[0] * 0.62, big[1] * 0.34), fill=255)  # chimney
    draw.rectangle((big[0] * house[0], big[1] * wall_top, big[0] * house[1], big[1] * 0.72), fill=255)
    trees = Image.new("L", big, 0)
    tree_draw = ImageDraw.Draw(trees)
    for centre_x, centre_y, radius in ((0.1, 0.45, 0.11), (0.9, 0.4, 0.12)):
        for _ in range(40):  # a crown of overlapping blobs: an irregular outline against the sky
            angle, reach = rng.uniform(0, 2 * np.pi), rng.uniform(0, radius)
            x, y = centre_x + reach * np.cos(angle), centre_y + reach * np.sin(angle) * 1.4
            r = rng.uniform(0.02, 0.05)
            tree_draw.ellipse(
                (big[0] * (x - r), big[1] * (y - r * 1.5), big[0] * (x + r), big[1] * (y + r * 1.5)), fill=255
            )
    solid = np.maximum(np.asarray(ground), np.asarray(trees))
    coverage = cv2.resize(solid.astype(np.float32) / 255, size, interpolation=cv2.INTER_AREA)
    tree_cover = cv2.resize(np.asarray(trees, np.float32) / 255, size, interpolation=cv2.INTER_AREA)

    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top, bottom = (np.array(c, np.float32) for c in SKIES[sky])
    sky_colour = top + (bottom - top) * np.clip(yy / horizon, 0, 1)
    sky_colour = np.broadcast_to(sky_colour, (height, width, 3)).copy()
    soft = cv2.GaussianBlur(rng.normal(0, 1, (height // 8, width // 8)).astype(np.float32), (0, 0), 3)
    sky_colour += cv2.resize(soft, size)[..., None] * 0.04  # gentle cloud texture

    scene = np.empty((height, width, 3), np.float32)
    scene[:] = (0.3, 0.45, 0.2)  # lawn
    scene[_box(height, width, wall_top, 0.72, house[0], house[1])] = (0.82, 0.78, 0.7)  # wall
    scene[_box(height, width, 0.55, 0.72, 0.47, 0.53)] = (0.4, 0.24, 0.17)  # door
    scene[: round(eave * height) + 2] = (0.36, 0.24, 0.2)  # the roof (shown where its polygon is)
    scene[_box(height, width, 0.22, 0.34, 0.58, 0.62)] = (0.5, 0.3, 0.25)  # chimney
    photo = Photo(np.empty(0))
    for left in (0.34, 0.42, 0.57, 0.63):
        frame = _box(height, width, 0.5, 0.6, left - 0.005, left + 0.065)
        scene[frame] = (0.95, 0.95, 0.95)
        glass = _box(height, width, 0.51, 0.59, left, left + 0.06)
        scene[glass] = (0.3, 0.36, 0.44)
        photo.windows.append(glass)
    photo.wall = _box(height, width, 0.62, 0.7, 0.32, 0.45)
    scene = (
        scene * (1 - tree_cover[..., None]) + np.array((0.16, 0.3, 0.12), np.float32) * tree_cover[..., None]
    )
    image = sky_colour * (1 - coverage[..., None]) + scene * coverage[..., None]
    image += rng.normal(0, noise, image.shape).astype(np.float32)
    photo.pixels = np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8)
    photo.sky = 1 - coverage
    return photo


# --- figures ---------------------------------------------------------------------------------


def lab(rgb) -> np.ndarray:
    """CIELAB (D65) of sRGB values in 0..255, any shape (..., 3)."""
    c = np.asarray(rgb, np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def mean_colour(pixels: np.ndarray, region: Region) -> np.ndarray:
    return pixels[region].reshape(-1, 3).astype(np.float64).mean(axis=0)


def chroma(rgb) -> float:
    """Lab chroma: 0 for a perfect grey; about 2 is invisible, 10 is a clear tint."""
    _, a, b = lab(rgb)
    return float(np.hypot(a, b))


def hue_difference(rgb, true_rgb) -> float:
    """Degrees between the Lab hue angles of two colours."""
    (_, a1, b1), (_, a2, b2) = lab(rgb), lab(true_rgb)
    difference = np.degrees(np.arctan2(b1, a1) - np.arctan2(b2, a2))
    return float(abs((difference + 180) % 360 - 180))


def crushed(pixels: np.ndarray) -> float:
    """Share of pixels with no shadow detail left (luma at most 2 of 255)."""
    return float(((pixels.astype(np.float32) @ LUMA) <= 2).mean())


def clipped(pixels: np.ndarray) -> float:
    """Share of pixels with a channel blown out (at least 254 of 255)."""
    return float((pixels.max(axis=2) >= 254).mean())


def noise_over_contrast(photo: Photo, pixels: np.ndarray) -> float:
    """Grain on the flat wall relative to the wall-to-sofa step, so raising contrast does not count
    as noise: the standard deviation of the wall minus its own smooth version (lighting removed)."""
    luma = pixels.astype(np.float32) @ LUMA.astype(np.float32)
    wall = luma[photo.wall]
    grain = (wall - cv2.GaussianBlur(wall, (0, 0), 8))[16:-16, 16:-16].std()
    step = luma[photo.wall].mean() - luma[photo.neutrals["sofa"]].mean()
    return float(grain / abs(step))


def sky_residue(photo: Photo, before: np.ndarray, after: np.ndarray) -> float:
    """Share of the (fully) sky pixels that still show the old sky: unchanged within 10 of 255."""
    sky = cv2.erode((photo.sky > 0.999).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    unchanged = np.abs(after.astype(np.int16) - before.astype(np.int16)).max(axis=2) < 10
    return float(unchanged[sky].mean())


def ground_change(photo: Photo, before: np.ndarray, after: np.ndarray) -> float:
    """Mean absolute change (0..255) of the pixels that are not sky at all, 2 pixels from any sky."""
    ground = cv2.erode((photo.sky < 0.001).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    return float(np.abs(after.astype(np.float32) - before.astype(np.float32))[ground].mean())


def mask_errors(photo: Photo, alpha: np.ndarray) -> tuple[float, float]:
    """(missed sky, sky on the ground): mean |alpha - truth| inside each true region; the edge band
    (true coverage strictly between 0 and 1) is left to `edge_error`."""
    truth = photo.sky
    return float((1 - alpha)[truth > 0.999].mean()), float(alpha[truth < 0.001].mean())


def edge_error(photo: Photo, alpha: np.ndarray) -> float:
    """Mean |alpha - true coverage| over the pixels within 2 of the sky's edge."""
    edge = (photo.sky > 0.001) & (photo.sky < 0.999)
    band = cv2.dilate(edge.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    return float(np.abs(alpha - photo.sky)[band].mean())
