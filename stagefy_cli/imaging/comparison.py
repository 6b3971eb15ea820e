"""Before/after images: an original and its edit side by side at the same height, captioned, and a
sheet of several such rows for a project with many results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from stagefy_cli.imaging.typefaces import load_font

BACKGROUND = (24, 24, 27)
CAPTION = (235, 235, 235)
GAP = 12


@dataclass(frozen=True)
class Pair:
    """One result and the photo it was made from."""

    label: str
    before: Image.Image
    after: Image.Image

    def reduced(self, height: int) -> Pair:
        """A copy at most `height` pixels high (what a sheet row needs), to keep many in memory."""
        return Pair(self.label, _at_most(self.before, height), _at_most(self.after, height))


def _at_most(image: Image.Image, height: int) -> Image.Image:
    small = image.copy()
    small.thumbnail((4 * height, height), Image.Resampling.LANCZOS)
    return small


def _at_height(image: Image.Image, height: int) -> Image.Image:
    width = max(1, round(image.width * height / image.height))
    return image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)


def side_by_side(pair: Pair, height: int, *, captions: bool = True) -> Image.Image:
    """Before | After at `height` pixels (captions inside the top-left corners when asked)."""
    before, after = _at_height(pair.before, height), _at_height(pair.after, height)
    canvas = Image.new("RGB", (before.width + GAP + after.width, height), BACKGROUND)
    canvas.paste(before, (0, 0))
    canvas.paste(after, (before.width + GAP, 0))
    if captions:
        draw = ImageDraw.Draw(canvas)
        font = load_font("Lato", max(12, height // 18), bold=True)
        pad = max(4, height // 60)
        for text, left in (("Before", 0), ("After", before.width + GAP)):
            box = draw.textbbox((left + 2 * pad, 2 * pad), text, font=font)
            draw.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), fill=BACKGROUND)
            draw.text((left + 2 * pad, 2 * pad), text, font=font, fill=CAPTION)
    return canvas


def sheet(pairs: Sequence[Pair], row_height: int = 720) -> Image.Image:
    """Every pair as one captioned row, with its label above it: the image `--open` shows."""
    font = load_font("Lato", max(14, row_height // 24))
    label_height = round(font.size * 1.6)
    rows = [side_by_side(pair, row_height) for pair in pairs]
    width = max(row.width for row in rows)
    canvas = Image.new("RGB", (width, sum(label_height + row.height + GAP for row in rows)), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    top = 0
    for pair, row in zip(pairs, rows, strict=True):
        draw.text((GAP, top + label_height // 5), pair.label, font=font, fill=CAPTION)
        canvas.paste(row, (0, top + label_height))
        top += label_height + row.height + GAP
    return canvas
