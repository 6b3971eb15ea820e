"""What a printed flyer and a social post show: the PDF's text layer is the printed text, in place;
the price sits right under the date bar; a photo is cropped toward its content, not its centre."""

from __future__ import annotations

import io

import numpy as np
import pytest
from media_photos import jpeg, photo
from PIL import Image
from pypdf import PdfReader

from stagefy_cli.imaging.content_crop import content_window
from stagefy_cli.imaging.templates.content import listing_text
from stagefy_cli.imaging.templates.design import design_from_settings
from stagefy_cli.imaging.templates.flyer import DPI, POINTS_PER_INCH, flyer_pdf, render_flyer
from stagefy_cli.imaging.templates.render import render_template

AGENT = {"full_name": "Thandi Nkosi", "brokerage": "Coastal Homes", "phone": "+27 82 555 0101"}
WHEN = ("2026-12-05", "10:00 - 12:00")
LISTINGS = [
    {"address": "7 Church Street, Extension 12", "city": "Pretoria", "price": 1_450_000, "bedrooms": 3},
    {
        "address": "Unit 1204, The Penthouse Suites at Clifton Bay Marine Residences, 1 Victoria Road Extension",
        "city": "Cape Town",
        "state": "Western Cape",
        "price": 12_500_000,
        "bedrooms": 4,
        "bathrooms": 3.5,
        "sqft": 3200,
    },
    {"address": "L'Église 3, Rue Saint-Honoré", "city": "Franschhoek", "price": 3_990_000},
]
PHOTOS = [jpeg(photo(name)) for name in ("rocket", "coffee", "chelsea", "coffee")]


def _flyer(listing: dict, paper: str, font: str, photos: int):
    design = design_from_settings({"paper": paper, "font": font}, {}, ("classic",))
    text = listing_text(listing, AGENT, design, "open_house")
    return render_flyer(design, text, PHOTOS[:photos], WHEN), text


@pytest.mark.parametrize("font", ["Lato", "Manrope", "Source Serif Pro"])
@pytest.mark.parametrize("listing", LISTINGS, ids=["extension", "long", "accents"])
def test_the_pdf_text_layer_is_the_printed_text_in_place(listing, font):
    canvas, _ = _flyer(listing, "a4", font, 2)
    page = PdfReader(io.BytesIO(flyer_pdf(canvas))).pages[0]
    printed = [placement.text for placement in canvas.placements]
    assert page.extract_text() == "\n".join(printed)
    shown = []
    page.extract_text(
        visitor_text=lambda text, cm, tm, font, size: shown.append((text, tm, size)) if text.strip() else None
    )
    scale = POINTS_PER_INCH / DPI
    page_height = float(page.mediabox.height)
    assert [text for text, _, _ in shown] == printed
    for (_, tm, size), placement in zip(shown, canvas.placements, strict=True):
        x, baseline = placement.origin
        assert tm[4] == pytest.approx(x * scale, abs=0.5)  # points
        assert page_height - tm[5] == pytest.approx(baseline * scale, abs=0.5)
        assert size * tm[3] == pytest.approx(placement.size * scale, rel=0.01)


def _band_bottom(image: Image.Image, accent: tuple[int, int, int]) -> int:
    column = np.asarray(image)[:, 4].astype(int)  # the page's left edge: no text there
    rows = np.flatnonzero(np.abs(column - np.array(accent)).sum(axis=1) < 12)
    return int(rows.max()) + 1


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("photos", [1, 4])
@pytest.mark.parametrize("listing", LISTINGS[:2], ids=["short", "long"])
def test_the_price_sits_right_under_the_date_bar(listing, photos, paper):
    canvas, text = _flyer(listing, paper, "Lato", photos)
    design = design_from_settings({"paper": paper}, {}, ("classic",))
    price = next(p for p in canvas.placements if p.text == text.price)
    gap = price.bbox[1] - _band_bottom(canvas.image, design.accent)
    assert 0 < gap < 0.035 * canvas.image.height, gap  # was about 8 % of the page with one photo
    assert max(p.bbox[3] for p in canvas.placements) < canvas.image.height  # all still on the page


def _wall_over_content() -> tuple[Image.Image, tuple[int, int]]:
    """A portrait room: a bare wall (a flat colour with sensor noise) over a real photo taking the
    bottom 40 %; returns the picture and the rows of the photo."""
    rng = np.random.default_rng(3)
    width, height = 600, 1000
    wall = np.clip(rng.normal(205, 2.0, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(wall)
    content = photo("chelsea").resize((width, 400))
    image.paste(content, (0, height - 400))
    return image, (height - 400, height)


def test_a_square_post_crops_a_portrait_photo_toward_its_content():
    image, (top, bottom) = _wall_over_content()
    cell = (600, 400)  # a wide cell, as the classic square post gives its photo
    _, window_top = content_window(image, cell)
    kept = (min(bottom, window_top + cell[1]) - max(top, window_top)) / (bottom - top)
    assert kept > 0.9  # the centre crop would keep a quarter of it
    [square, _] = render_template("listing_promo", LISTINGS[0], AGENT, {}, {}, [jpeg(image)])
    post = np.asarray(Image.open(io.BytesIO(square.data)).convert("L"), np.float32)
    photo_cell = post[: 1080 - round(1080 * 0.53)]  # the classic layout's photo cell
    not_wall = (np.abs(photo_cell - 205) > 20).mean()
    assert not_wall > 0.8  # the cat, not the bare wall (the centre crop: about 15 %)


def test_an_evenly_detailed_photo_is_still_cropped_in_the_middle():
    image = photo("coffee").resize((600, 400)).transpose(Image.Transpose.ROTATE_90)  # 400x600
    left, top = content_window(image.resize((400, 600)), (400, 400))
    assert left == 0 and 0 < top < 200
