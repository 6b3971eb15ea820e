"""The printable open-house flyer: one page at 300 dpi on A4 or US Letter, saved as PDF plus a PNG preview.

Bands from top to bottom: headline and logo, hero photo, date and time, price and address, up to
three more photos, the agent. Text stays inside a 6% print-safe margin; the words are also a real
text layer of the PDF, laid exactly over the printed ones.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from PIL import Image, ImageDraw

from stagefy_cli.imaging.colour import SRGB_ICC
from stagefy_cli.imaging.templates.content import ListingText
from stagefy_cli.imaging.templates.design import Design, readable_on
from stagefy_cli.imaging.templates.layout import place_logo, place_photo, safe_area
from stagefy_cli.imaging.text import Box, Canvas, TextItem

FLYER_LAYOUTS = ("classic",)
DPI = 300
POINTS_PER_INCH = 72
PAGE_SIZES = {"a4": (2480, 3508), "letter": (2550, 3300)}  # pixels at 300 dpi
PREVIEW_WIDTH = 1200
MAX_THUMBNAILS = 3
HERO_SHARE = (0.28, 0.42)  # the hero photo's height, as a share of the page's: at least, at most
THUMB_SHAPE = (0.5, 0.75)  # a thumbnail's height, as a share of its width: at least, at most


def display_date(value: str) -> str:
    """ "2025-06-14" as "Saturday 14 June 2025"; anything else is shown as the agent wrote it."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return value.strip()
    return f"{day:%A} {day.day} {day:%B %Y}"


def _details(text: ListingText, design: Design, width: int) -> list[TextItem]:
    return [
        TextItem(text.price, round(width * 0.07), design.primary, bold=True, gap_after=round(width * 0.01)),
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
    ]


def render_flyer(design: Design, text: ListingText, photos: Sequence[bytes], when: tuple[str, str]) -> Canvas:
    """The page, laid out from the top and the bottom towards the middle: the hero photo takes the
    height the text and the thumbnails leave (within HERO_SHARE), so the price sits right under the
    date bar whatever the photos and the words; what little height is left goes below the details
    and the thumbnails."""
    width, height = PAGE_SIZES[design.paper]
    canvas = Canvas(Image.new("RGB", (width, height), design.background))
    draw = ImageDraw.Draw(canvas.image)
    safe = safe_area((width, height))
    gap = round(width * 0.02)

    header_bottom = round(height * 0.11)
    band_h = round(height * 0.08)
    footer = Box(safe.x, safe.bottom - round(height * 0.07), safe.w, round(height * 0.07))
    thumbs = [(index, photo) for index, photo in enumerate(photos) if index][:MAX_THUMBNAILS]
    cell_w = (safe.w - gap * (MAX_THUMBNAILS - 1)) // MAX_THUMBNAILS
    details = _details(text, design, width)
    details_h = canvas.stack_height(details, Box(safe.x, 0, safe.w, height // 4), family=design.font)
    # between the header and the footer: hero, band, details, thumbnails, each separated by room
    room = footer.y - header_bottom - band_h - details_h - (gap if details_h else 0) - gap
    thumb_h = round(cell_w * THUMB_SHAPE[0]) if thumbs else 0
    room -= thumb_h + (gap if thumbs else 0)
    hero_h = max(round(height * HERO_SHARE[0]), min(round(height * HERO_SHARE[1]), room))
    spare = max(0, room - hero_h)
    if thumbs:  # taller thumbnails before any empty space
        grown = min(spare, round(cell_w * THUMB_SHAPE[1]) - thumb_h)
        thumb_h, spare = thumb_h + grown, spare - grown
    spacing = spare // 2  # below the details and below the thumbnails, never above the price

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

    hero = Box(0, header_bottom, width, hero_h)
    if photos:
        place_photo(canvas.image, photos[0], 0, len(photos), hero)

    band = Box(0, hero.bottom, width, band_h)
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

    used = canvas.stack(
        details,
        Box(safe.x, band.bottom + gap, safe.w, details_h),
        family=design.font,
        align="center",
    )
    strip_y = used.bottom + gap + spacing
    for slot, (index, photo) in enumerate(thumbs):
        # the thumbnails centred as a row, however many there are
        row_x = safe.x + (safe.w - len(thumbs) * cell_w - (len(thumbs) - 1) * gap) // 2
        place_photo(
            canvas.image,
            photo,
            index,
            len(photos),
            Box(row_x + slot * (cell_w + gap), strip_y, cell_w, thumb_h),
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


def flyer_pdf(canvas: Canvas) -> bytes:
    """One PDF page whose physical size follows from the pixels at 300 dpi (A4: 595 x 842 pt): the
    page as a JPEG, with every line of text laid over its printed line as invisible text in the same
    font, size and place (each line's width matched to its printed advance), so what is selected,
    searched, copied or read aloud is exactly what is printed, where it is printed (the way scanned
    documents get a text layer)."""
    from fpdf import FPDF

    scale = POINTS_PER_INCH / DPI
    width, height = (pixels * scale for pixels in canvas.image.size)
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.set_creator("Stagefy")
    pdf.add_page()
    jpeg = io.BytesIO()
    canvas.image.convert("RGB").save(jpeg, "JPEG", quality=92, dpi=(DPI, DPI), icc_profile=SRGB_ICC)
    pdf.image(jpeg, x=0, y=0, w=width, h=height)
    pdf.text_mode = "INVISIBLE"
    fonts: dict[str, str] = {}
    for placement in canvas.placements:
        if placement.font_path not in fonts:
            fonts[placement.font_path] = f"F{len(fonts)}"
            pdf.add_font(fonts[placement.font_path], fname=placement.font_path)
        pdf.set_font(fonts[placement.font_path], size=placement.size * scale)
        natural = pdf.get_string_width(placement.text)
        pdf.set_stretching(100 * placement.advance * scale / natural if natural else 100)
        pdf.text(placement.origin[0] * scale, placement.origin[1] * scale, placement.text)
    return bytes(pdf.output())


def flyer_preview(page: Image.Image) -> Image.Image:
    preview = page.copy()
    preview.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2), Image.Resampling.LANCZOS)
    return preview
