"""The "listing promo" social post: hero photo, headline, price, address, facts and the agent.

Two layouts: `classic` (photo above a colour panel) and `overlay` (full-bleed photo, text over a
scrim). All sizes are fractions of the width, so one layout serves 1080x1080 and 1080x1350.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

from stagefy_cli.imaging.templates.content import ListingText
from stagefy_cli.imaging.templates.design import Design
from stagefy_cli.imaging.templates.layout import place_logo, place_photo, safe_area, scrim
from stagefy_cli.imaging.text import Box, Canvas, TextItem

PROMO_LAYOUTS = ("classic", "overlay")
PROMO_SIZES = ((1080, 1080), (1080, 1350))
PANEL_SHARE = 0.53  # classic: height of the text panel under the photo, as a share of the width


def _details(
    text: ListingText, width: int, colour: tuple[int, int, int], accent: tuple[int, int, int]
) -> list[TextItem]:
    return [
        TextItem(text.headline, round(width * 0.032), accent, bold=True, gap_after=round(width * 0.012)),
        TextItem(text.price, round(width * 0.08), colour, bold=True, gap_after=round(width * 0.01)),
        TextItem(
            text.address, round(width * 0.046), colour, bold=True, max_lines=2, gap_after=round(width * 0.006)
        ),
        TextItem(text.locality, round(width * 0.032), colour, gap_after=round(width * 0.014)),
        TextItem(text.facts, round(width * 0.034), colour),
    ]


def _footer(
    canvas: Canvas, text: ListingText, design: Design, cell: Box, colour: tuple[int, int, int]
) -> None:
    """Agent name and brokerage on the left; the logo, if any, on the right."""
    logo = place_logo(canvas.image, design.logo, Box(cell.right - cell.w // 4, cell.y, cell.w // 4, cell.h))
    text_w = cell.w - (cell.w // 4 + round(cell.w * 0.03) if logo else 0)
    name = text.agent_line
    items = [
        TextItem(name, round(cell.w * 0.032), colour, bold=True, gap_after=round(cell.h * 0.08)),
        TextItem(text.contact, round(cell.w * 0.027), colour),
    ]
    canvas.stack(items, Box(cell.x, cell.y, text_w, cell.h), family=design.font, valign="middle")


def render_promo(size: tuple[int, int], design: Design, text: ListingText, photos: Sequence[bytes]) -> Canvas:
    width, height = size
    canvas = Canvas(Image.new("RGB", size, design.primary))
    safe = safe_area(size)
    footer_h = round(width * 0.09)
    footer = Box(safe.x, safe.bottom - footer_h, safe.w, footer_h)
    if design.layout == "classic":
        photo_h = height - round(width * PANEL_SHARE)
        if photos:
            place_photo(canvas.image, photos[0], 0, len(photos), Box(0, 0, width, photo_h))
        rule_y = footer.y - round(width * 0.02)
        ImageDraw.Draw(canvas.image).rectangle((safe.x, rule_y, safe.right, rule_y + 1), fill=design.accent)
        details = Box(
            safe.x,
            photo_h + round(width * 0.04),
            safe.w,
            rule_y - round(width * 0.03) - photo_h - round(width * 0.04),
        )
    else:
        if photos:
            place_photo(canvas.image, photos[0], 0, len(photos), Box(0, 0, width, height))
        scrim(canvas.image, Box(0, height // 3, width, height - height // 3), design.primary, strongest=0.94)
        details_h = round(height * 0.4)
        details = Box(safe.x, footer.y - round(width * 0.03) - details_h, safe.w, details_h)
    colour = design.on_primary
    canvas.stack(_details(text, width, colour, design.accent), details, family=design.font, valign="bottom")
    _footer(canvas, text, design, footer, colour)
    return canvas
