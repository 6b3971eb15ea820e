"""The printable open-house flyer: one page at 300 dpi on A4 or US Letter, saved as PDF plus a PNG preview.

Bands from top to bottom: headline and logo, hero photo, date and time, price and address, up to
three more photos, the agent. Text stays inside a 6% print-safe margin.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from PIL import Image, ImageDraw

from stagefy_cli.imaging.colour import SRGB_ICC
from stagefy_cli.imaging.template_content import ListingText
from stagefy_cli.imaging.template_design import Design, readable_on
from stagefy_cli.imaging.template_fonts import font_path
from stagefy_cli.imaging.template_layout import place_logo, place_photo, safe_area
from stagefy_cli.imaging.template_text import Box, Canvas, TextItem

FLYER_LAYOUTS = ("classic",)
DPI = 300
POINTS_PER_INCH = 72
PAGE_SIZES = {"a4": (2480, 3508), "letter": (2550, 3300)}  # pixels at 300 dpi
PREVIEW_WIDTH = 1200
MAX_THUMBNAILS = 3


def display_date(value: str) -> str:
    """ "2025-06-14" as "Saturday 14 June 2025"; anything else is shown as the agent wrote it."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return value.strip()
    return f"{day:%A} {day.day} {day:%B %Y}"


def render_flyer(design: Design, text: ListingText, photos: Sequence[bytes], when: tuple[str, str]) -> Canvas:
    width, height = PAGE_SIZES[design.paper]
    canvas = Canvas(Image.new("RGB", (width, height), design.background))
    draw = ImageDraw.Draw(canvas.image)
    safe = safe_area((width, height))
    gap = round(width * 0.02)

    header_bottom = round(height * 0.11)
    draw.rectangle((0, 0, width, header_bottom), fill=design.primary)
    header = Box(safe.x, safe.y, safe.w, header_bottom - safe.y - gap)
    logo = place_logo(
        canvas.image, design.logo, Box(header.right - header.w // 4, header.y, header.w // 4, header.h)
    )
    headline_w = header.w - (header.w // 4 + gap if logo else 0)
    canvas.text(
        text.headline,
        Box(header.x, header.y, headline_w, header.h),
        family=design.font,
        max_size=round(width * 0.075),
        min_size=40,
        fill=design.on_primary,
        bold=True,
        valign="middle",
    )

    hero = Box(0, header_bottom, width, round(height * 0.32))
    if photos:
        place_photo(canvas.image, photos[0], 0, len(photos), hero)

    band = Box(0, hero.bottom, width, round(height * 0.08))
    draw.rectangle((band.x, band.y, band.right, band.bottom), fill=design.accent)
    on_accent = readable_on(design.accent)
    canvas.stack(
        [
            TextItem(
                display_date(when[0]),
                round(width * 0.05),
                on_accent,
                bold=True,
                gap_after=round(band.h * 0.06),
            ),
            TextItem(when[1], round(width * 0.038), on_accent),
        ],
        Box(safe.x, band.y + gap // 2, safe.w, band.h - gap),
        family=design.font,
        align="center",
        valign="middle",
    )

    footer = Box(safe.x, safe.bottom - round(height * 0.07), safe.w, round(height * 0.07))
    thumbs = [(index, photo) for index, photo in enumerate(photos) if index][:MAX_THUMBNAILS]
    strip_bottom = footer.y - gap
    if thumbs:
        cell_w = (safe.w - gap * (MAX_THUMBNAILS - 1)) // MAX_THUMBNAILS
        cell_h = round(cell_w * 0.5)
        strip_y = strip_bottom - cell_h
        for slot, (index, photo) in enumerate(thumbs):
            place_photo(
                canvas.image,
                photo,
                index,
                len(photos),
                Box(safe.x + slot * (cell_w + gap), strip_y, cell_w, cell_h),
            )
        strip_bottom = strip_y - gap
    details = Box(safe.x, band.bottom + gap * 2, safe.w, strip_bottom - band.bottom - gap * 3)
    canvas.stack(
        [
            TextItem(
                text.price, round(width * 0.07), design.primary, bold=True, gap_after=round(width * 0.01)
            ),
            TextItem(
                text.address,
                round(width * 0.045),
                design.text,
                bold=True,
                max_lines=2,
                gap_after=round(width * 0.006),
            ),
            TextItem(text.locality, round(width * 0.032), design.text, gap_after=round(width * 0.012)),
            TextItem(text.facts, round(width * 0.034), design.text),
        ],
        details,
        family=design.font,
        align="center",
        valign="middle",
    )

    draw.rectangle((safe.x, footer.y - gap // 2, safe.right, footer.y - gap // 2 + 3), fill=design.accent)
    name = text.agent_line
    canvas.stack(
        [
            TextItem(name, round(width * 0.032), design.text, bold=True, gap_after=round(footer.h * 0.06)),
            TextItem(text.contact, round(width * 0.028), design.text),
        ],
        footer,
        family=design.font,
        align="center",
        valign="middle",
    )
    return canvas


def flyer_pdf(canvas: Canvas, family: str) -> bytes:
    """One PDF page whose physical size follows from the pixels at 300 dpi (A4: 595 x 842 pt): the
    page as a JPEG, with every line of text laid over it as invisible text in the template's font,
    so the words can be selected, searched and read by screen readers (the way scanned documents
    get a text layer)."""
    from fpdf import FPDF

    width, height = (pixels * POINTS_PER_INCH / DPI for pixels in canvas.image.size)
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.set_creator("Stagefy")
    pdf.add_page()
    jpeg = io.BytesIO()
    canvas.image.convert("RGB").save(jpeg, "JPEG", quality=92, dpi=(DPI, DPI), icc_profile=SRGB_ICC)
    pdf.image(jpeg, x=0, y=0, w=width, h=height)
    pdf.add_font(family, fname=str(font_path(family)))
    pdf.text_mode = "INVISIBLE"
    for placement in canvas.placements:
        left, top, right, bottom = (value * POINTS_PER_INCH / DPI for value in placement.bbox)
        pdf.set_font(family, size=max(1.0, (bottom - top) * 1.15))
        natural = pdf.get_string_width(placement.text)
        pdf.set_stretching(100 * (right - left) / natural if natural else 100)
        pdf.text(left, bottom, placement.text)
    return bytes(pdf.output())


def flyer_preview(page: Image.Image) -> Image.Image:
    preview = page.copy()
    preview.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2), Image.Resampling.LANCZOS)
    return preview
