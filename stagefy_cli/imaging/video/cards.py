"""The opening (listing, or a title alone) and closing (agent) cards, drawn once per video as still images."""

from __future__ import annotations

from PIL import Image, ImageDraw

from stagefy_cli.imaging.colour import parse_hex_colour
from stagefy_cli.imaging.text import Box, Canvas, TextItem
from stagefy_cli.imaging.typefaces import resolve_family
from stagefy_cli.imaging.video.types import CardStyle, ClosingCard, OpeningCard, TitleCard
from stagefy_cli.money import format_money, listing_facts

SAFE_MARGIN = 0.07


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, round(channel * factor))) for channel in colour)


def _backdrop(size: tuple[int, int], style: CardStyle) -> tuple[Canvas, Box]:
    """A vertical gradient of the card colour with an accent rule, and the safe box for text."""
    width, height = size
    top = parse_hex_colour(style.background, "background")
    gradient = Image.linear_gradient("L").resize((1, height))
    image = Image.composite(
        Image.new("RGB", (1, height), _shade(top, 0.6)), Image.new("RGB", (1, height), top), gradient
    ).resize(size)
    safe = Box(round(width * SAFE_MARGIN), round(height * SAFE_MARGIN), 0, 0)
    safe = Box(safe.x, safe.y, width - 2 * safe.x, height - 2 * safe.y)
    return Canvas(image), safe


def _rule(canvas: Canvas, safe: Box, y: int, colour: tuple[int, int, int], centred: bool) -> None:
    unit = min(canvas.image.size)
    length, thickness = round(unit * 0.12), max(2, round(unit * 0.006))
    x = safe.x + (safe.w - length) // 2 if centred else safe.x
    ImageDraw.Draw(canvas.image).rectangle((x, y, x + length, y + thickness), fill=colour)


def render_opening_card(card: OpeningCard, size: tuple[int, int]) -> Image.Image:
    canvas, safe = _backdrop(size, card.style)
    text = parse_hex_colour(card.style.text, "text")
    accent = parse_hex_colour(card.style.accent, "accent")
    unit = min(size)
    price = format_money(card.price, card.currency) if card.price is not None else ""
    items = [
        TextItem(
            (card.title or "Just listed").upper(),
            round(unit * 0.045),
            accent,
            bold=True,
            gap_after=round(unit * 0.04),
        ),
        TextItem(
            card.address,
            round(unit * 0.085),
            text,
            max_lines=3,
            bold=True,
            max_height=round(safe.h * 0.45),
            gap_after=round(unit * 0.015),
        ),
        TextItem(card.city or "", round(unit * 0.045), text, gap_after=round(unit * 0.05)),
        TextItem(price, round(unit * 0.075), accent, bold=True, gap_after=round(unit * 0.025)),
        TextItem(
            listing_facts(card.bedrooms, card.bathrooms, card.sqft, card.currency), round(unit * 0.045), text
        ),
    ]
    used = canvas.stack(items, safe, family=resolve_family(card.style.font), align="center", valign="middle")
    _rule(canvas, safe, max(safe.y, used.y - round(unit * 0.05)), accent, centred=True)
    return canvas.image


def render_title_card(card: TitleCard, size: tuple[int, int]) -> Image.Image:
    canvas, safe = _backdrop(size, card.style)
    accent = parse_hex_colour(card.style.accent, "accent")
    unit = min(size)
    item = TextItem(
        card.title,
        round(unit * 0.085),
        parse_hex_colour(card.style.text, "text"),
        max_lines=3,
        bold=True,
        max_height=round(safe.h * 0.6),
    )
    used = canvas.stack([item], safe, family=resolve_family(card.style.font), align="center", valign="middle")
    _rule(canvas, safe, max(safe.y, used.y - round(unit * 0.05)), accent, centred=True)
    return canvas.image


def render_closing_card(card: ClosingCard, size: tuple[int, int]) -> Image.Image:
    canvas, safe = _backdrop(size, card.style)
    text = parse_hex_colour(card.style.text, "text")
    accent = parse_hex_colour(card.style.accent, "accent")
    unit = min(size)
    items = [
        TextItem("Contact", round(unit * 0.045), accent, bold=True, gap_after=round(unit * 0.04)),
        TextItem(
            card.agent_name,
            round(unit * 0.085),
            text,
            max_lines=2,
            bold=True,
            max_height=round(safe.h * 0.35),
            gap_after=round(unit * 0.02),
        ),
        TextItem(card.brokerage or "", round(unit * 0.05), text, max_lines=2, gap_after=round(unit * 0.05)),
        TextItem(card.phone or "", round(unit * 0.06), accent, bold=True, gap_after=round(unit * 0.02)),
        TextItem(card.email or "", round(unit * 0.04), text),
    ]
    used = canvas.stack(items, safe, family=resolve_family(card.style.font), align="center", valign="middle")
    _rule(canvas, safe, max(safe.y, used.y - round(unit * 0.05)), accent, centred=True)
    return canvas.image
