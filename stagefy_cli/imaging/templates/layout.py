"""Layout pieces shared by the marketing templates: the safe area, photo cells, logo, scrims."""

from __future__ import annotations

from PIL import Image

from stagefy_cli.imaging.text import Box
from stagefy_cli.imaging.video.photos import load_fill

SAFE_MARGIN = 0.06  # of the shorter side; keeps text clear of crops, bleeds and rounded app corners


def safe_area(size: tuple[int, int], margin: float = SAFE_MARGIN) -> Box:
    inset = round(min(size) * margin)
    return Box(inset, inset, size[0] - 2 * inset, size[1] - 2 * inset)


def place_photo(image: Image.Image, photo: bytes, index: int, total: int, cell: Box) -> None:
    """The photo filling `cell`, cropped toward its detail (a portrait room in a square keeps the room)."""
    if cell.w > 0 and cell.h > 0:
        cropped = load_fill(photo, index, total, (cell.w, cell.h), toward_content=True)
        image.paste(cropped, (cell.x, cell.y))


def place_logo(image: Image.Image, logo: Image.Image | None, cell: Box, align: str = "right") -> Box | None:
    """Fit the logo inside `cell` keeping its proportions; return where it went (None without one)."""
    if logo is None or cell.w <= 0 or cell.h <= 0:
        return None
    fitted = logo.copy()
    fitted.thumbnail((cell.w, cell.h), Image.Resampling.LANCZOS)
    x = cell.right - fitted.width if align == "right" else cell.x
    y = cell.y + (cell.h - fitted.height) // 2
    image.paste(fitted, (x, y), fitted)
    return Box(x, y, fitted.width, fitted.height)


def scrim(image: Image.Image, cell: Box, colour: tuple[int, int, int], strongest: float = 0.85) -> None:
    """Cover `cell` with `colour`, transparent at its top and `strongest` opaque from 60% of the way
    down, so text over a photo stays readable whatever the photo."""
    ramp = (
        Image.linear_gradient("L")
        .resize((1, cell.h))
        .point(lambda value: round(min(255, value / 0.6) * strongest))
    )
    layer = Image.new("RGB", (cell.w, cell.h), colour)
    region = image.crop((cell.x, cell.y, cell.right, cell.bottom))
    image.paste(Image.composite(layer, region, ramp.resize((cell.w, cell.h))), (cell.x, cell.y))
