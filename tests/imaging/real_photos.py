"""Real photographs with free licences, for tests that judge an edit as a photographer would.

Generated images hide what real ones show (JPEG grain, sharpening halos, skies with gradients and
clouds, white walls as bright as a sky), so every imaging edit is also measured on these.
The photos live in tests/photos/, one `NAME.jpg` each with a `NAME.licence` note beside it
(source package, author, licence, what was changed). They are small (512 pixels on the long side)
to keep the repository light and the tests fast.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

FOLDER = Path(__file__).resolve().parents[1] / "photos"


def names(prefix: str = "") -> list[str]:
    """The photos' names (file stems), sorted, optionally only those starting with `prefix`."""
    return sorted(path.stem for path in FOLDER.glob(f"{prefix}*.jpg"))


def path(name: str) -> Path:
    return FOLDER / f"{name}.jpg"


@cache
def _pixels(name: str) -> np.ndarray:
    with Image.open(path(name)) as image:
        pixels = np.asarray(image.convert("RGB"))
    pixels.setflags(write=False)
    return pixels


def pixels(name: str) -> np.ndarray:
    """The photo as a read-only (H, W, 3) uint8 RGB array (decoded once per test run)."""
    return _pixels(name)


def image(name: str) -> Image.Image:
    """The photo as a fresh RGB Pillow image."""
    return Image.fromarray(_pixels(name))


def licence(name: str) -> dict[str, str]:
    """The photo's licence note as a dict: source, author, licence, changes."""
    note = (FOLDER / f"{name}.licence").read_text(encoding="utf-8")
    return dict(line.split(": ", 1) for line in note.splitlines() if ": " in line)
