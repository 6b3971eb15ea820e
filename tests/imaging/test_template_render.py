"""Every template type renders to files of the promised kind and size, and text stays in the safe area."""

from __future__ import annotations

import io
import re
from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw, ImageFont

from stagefy_cli.imaging.templates.content import listing_text
from stagefy_cli.imaging.templates.design import design_from_settings
from stagefy_cli.imaging.templates.flyer import FLYER_LAYOUTS, render_flyer
from stagefy_cli.imaging.templates.layout import safe_area
from stagefy_cli.imaging.templates.promo import PROMO_LAYOUTS, PROMO_SIZES, render_promo
from stagefy_cli.imaging.templates.render import (
    MissingPlaceholder,
    RenderError,
    check_template_request,
    render_template,
)
from stagefy_cli.imaging.text import ELLIPSIS, Box, fit_text, ink_width
from stagefy_cli.imaging.typefaces import FAMILIES, load_font
from stagefy_cli.imaging.video.render import PhotoError, probe_video

LISTING = {
    "address": "14 Beach Road, Camps Bay",
    "city": "Cape Town",
    "state": "Western Cape",
    "price": 12_500_000,
    "bedrooms": 4,
    "bathrooms": 3.5,
    "sqft": 3200,
    "status": "active",
}
AGENT = {
    "full_name": "Thandi Nkosi",
    "brokerage": "Coastal Homes",
    "phone": "+27 82 555 0101",
    "email": "t@coastal.example",
}
LONG_ADDRESS = (
    "Unit 1204, The Penthouse Suites at Clifton Bay Marine Residences, 1 Victoria Road Extension, "
    "Clifton Fourth Beach, Atlantic Seaboard, Cape Town, Western Cape 8005, South Africa"
)


def make_photo(colour: tuple[int, int, int], size: tuple[int, int] = (1200, 900)) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for k in range(0, size[0], 60):
        draw.rectangle((k, 0, k + 20, size[1]), fill=(230, 230, 230))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTOS = [
    make_photo((160, 60, 40)),
    make_photo((40, 80, 160)),
    make_photo((40, 140, 60)),
    make_photo((120, 120, 40)),
]


def logo_png() -> bytes:
    logo = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    ImageDraw.Draw(logo).rounded_rectangle((0, 0, 399, 159), 30, fill=(201, 162, 39, 255))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    return buffer.getvalue()


def media_box(pdf: bytes) -> tuple[float, float]:
    match = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert match, "no MediaBox in the PDF"
    return float(match.group(1)), float(match.group(2))


@pytest.mark.parametrize("layout", PROMO_LAYOUTS)
def test_listing_promo_renders_square_and_portrait_jpegs(layout):
    files = render_template(
        "listing_promo", LISTING, AGENT, {"layout": layout}, {"logo": logo_png()}, PHOTOS[:1]
    )
    assert [(f.name, f.mime_type, f.width, f.height) for f in files] == [
        ("listing_promo_1080x1080.jpg", "image/jpeg", 1080, 1080),
        ("listing_promo_1080x1350.jpg", "image/jpeg", 1080, 1350),
    ]
    for file in files:
        with Image.open(io.BytesIO(file.data)) as image:
            assert (image.format, image.size) == ("JPEG", (file.width, file.height))


@pytest.mark.parametrize(("paper", "points"), [("a4", (595.28, 841.89)), ("letter", (612.0, 792.0))])
def test_open_house_is_a_one_page_pdf_of_the_paper_size_plus_a_png_preview(paper, points):
    values = {"date": "2025-06-14", "time": "10:00 – 13:00"}
    pdf, preview = render_template("open_house", LISTING, AGENT, {"paper": paper}, values, PHOTOS)
    assert (pdf.name, pdf.mime_type) == (f"open_house_flyer_{paper}.pdf", "application/pdf")
    assert pdf.data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.data)) == 1
    width_pt, height_pt = media_box(pdf.data)
    assert width_pt == pytest.approx(points[0], abs=1) and height_pt == pytest.approx(points[1], abs=1)
    assert (pdf.width, pdf.height) == (round(points[0] / 72 * 300), round(points[1] / 72 * 300))
    with Image.open(io.BytesIO(preview.data)) as image:
        assert (image.format, preview.mime_type) == ("PNG", "image/png")
        assert image.size == (preview.width, preview.height)
        assert image.width / image.height == pytest.approx(points[0] / points[1], abs=0.01)


def test_open_house_without_date_and_time_names_both_before_rendering():
    with pytest.raises(MissingPlaceholder) as caught:
        render_template("open_house", LISTING, AGENT, {}, {"time": "  "}, PHOTOS)
    assert caught.value.names == ["date", "time"]


@pytest.mark.slow  # encodes a reel (about 26 s)
def test_instagram_reel_is_a_vertical_mp4(tmp_path):
    files = render_template("instagram_reel", LISTING, AGENT, {"seconds_per_photo": 1}, {}, PHOTOS[:2])
    assert [(f.name, f.mime_type, f.width, f.height) for f in files] == [
        ("instagram_reel.mp4", "video/mp4", 1080, 1920)
    ]
    path = tmp_path / "reel.mp4"
    path.write_bytes(files[0].data)
    info = probe_video(path)
    assert (info.width, info.height, info.fps, info.video_codec) == (1080, 1920, 30.0, "h264")
    assert info.frames == 90 + 30 + 30 + 90  # opening card, two photos, closing card, each as long as asked
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_instagram_reel_needs_photos():
    with pytest.raises(RenderError, match="at least one photo"):
        render_template("instagram_reel", LISTING, AGENT, {}, {}, [])


def test_custom_templates_are_checked_for_placeholders_and_are_not_rendered_here():
    prompt = "Virtually stage {address} ({bedrooms} beds) in a {style} style with {mood} light"
    with pytest.raises(MissingPlaceholder) as caught:
        check_template_request("custom", LISTING, AGENT, {}, {"style": "Scandinavian"}, 1, prompt)
    assert caught.value.names == ["mood"]
    check_template_request("custom", LISTING, AGENT, {}, {"style": "Scandinavian", "mood": "warm"}, 1, prompt)
    with pytest.raises(RenderError, match="fill_placeholders"):
        render_template("custom", LISTING, AGENT, {}, {}, PHOTOS[:1])


@pytest.mark.parametrize(
    ("settings", "values", "message"),
    [
        (
            {"font": "Comic Sans"},
            {},
            "Unknown font 'Comic Sans'; choose one of: Lato, Manrope, Source Serif Pro",
        ),
        ({"primary": "navy"}, {}, "'primary' must be a hex colour"),
        ({"layout": "zigzag"}, {}, "Unknown layout 'zigzag'"),
        ({}, {"logo": b"not an image"}, "logo is not a readable image"),
    ],
)
def test_bad_settings_are_clear_errors(settings, values, message):
    with pytest.raises(RenderError, match=re.escape(message)):
        render_template("listing_promo", LISTING, AGENT, settings, values, PHOTOS[:1])


def test_unknown_type_is_an_error():
    with pytest.raises(RenderError, match="Unknown template type 'banner'"):
        render_template("banner", LISTING, AGENT, {}, {}, [])


def test_a_corrupt_photo_is_named_by_index():
    with pytest.raises(PhotoError) as caught:
        render_template("listing_promo", LISTING, AGENT, {}, {}, [PHOTOS[0], b"\x89PNG broken"])
    assert caught.value.index == 1


def test_settings_colours_and_font_reach_the_output():
    settings = {"primary": "#0A7D5A", "font": "source serif pro"}
    square = render_template("listing_promo", LISTING, AGENT, settings, {}, [])[0]
    with Image.open(io.BytesIO(square.data)) as image:
        corner = image.convert("RGB").getpixel((5, 1075))
    assert all(abs(a - b) <= 6 for a, b in zip(corner, (0x0A, 0x7D, 0x5A), strict=True))


def test_shipped_typefaces_are_real_truetype_fonts():
    for family in FAMILIES:
        for bold in (False, True):
            font = load_font(family, 48, bold)
            assert isinstance(font, ImageFont.FreeTypeFont)
            assert font.getname()[0] == family
            assert font.getname()[1] == ("Bold" if bold else "Regular")


def assert_inside(placements, safe: Box):
    assert placements, "nothing was drawn"
    for placement in placements:
        assert safe.contains(placement.bbox), f"{placement.text!r} at {placement.bbox} leaves {safe}"


@pytest.mark.slow  # renders four full-size promos
@pytest.mark.parametrize("layout", PROMO_LAYOUTS)
@pytest.mark.parametrize("size", PROMO_SIZES)
def test_a_very_long_address_stays_inside_the_safe_area_of_the_promo(layout, size):
    listing = {**LISTING, "address": LONG_ADDRESS, "city": "Clifton, Atlantic Seaboard " * 3}
    agent = {
        **AGENT,
        "full_name": "Nomvula Thandeka Elizabeth Mkhize-van der Westhuizen",
        "email": "nomvula.mkhize" * 4 + "@example.com",
    }
    design = design_from_settings({"layout": layout}, {}, PROMO_LAYOUTS)
    canvas = render_promo(size, design, listing_text(listing, agent, design, "listing_promo"), PHOTOS[:1])
    assert_inside(canvas.placements, safe_area(size))
    address_lines = [
        p.text for p in canvas.placements if p.text.split()[0] in LONG_ADDRESS or p.text.endswith(ELLIPSIS)
    ]
    assert any(line.endswith(ELLIPSIS) for line in address_lines)  # cut, not overflowing


@pytest.mark.slow  # renders full-size flyers (4-8 s each)
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_very_long_address_stays_inside_the_safe_area_of_the_flyer(paper):
    design = design_from_settings({"paper": paper}, {}, FLYER_LAYOUTS)
    text = listing_text({**LISTING, "address": LONG_ADDRESS}, AGENT, design, "open_house")
    canvas = render_flyer(
        design, text, PHOTOS, ("2025-06-14", "Saturday from ten in the morning until one " * 3)
    )
    assert_inside(canvas.placements, safe_area(canvas.image.size))


def test_fit_text_shrinks_then_wraps_then_ellipsizes():
    short = fit_text("R 2 450 000", "Lato", 800, 200, max_size=80, min_size=20, bold=True)
    assert short.font.size == 80 and short.lines == ["R 2 450 000"] and short.complete

    shrunk = fit_text("14 Beach Road, Camps Bay", "Lato", 500, 200, max_size=80, min_size=20)
    assert 20 <= shrunk.font.size < 80 and len(shrunk.lines) == 1

    cut = fit_text(LONG_ADDRESS, "Lato", 400, 150, max_size=60, min_size=24, max_lines=2)
    assert cut.font.size == 24 and len(cut.lines) == 2 and not cut.complete
    assert cut.lines[-1].endswith(ELLIPSIS)
    assert cut.height <= 150
    assert all(ink_width(cut.font, line) <= 400 for line in cut.lines)

    unbroken = fit_text("W" * 200, "Lato", 300, 40, max_size=30, min_size=12)
    assert all(ink_width(unbroken.font, line) <= 300 for line in unbroken.lines)


def test_rendered_outputs_are_written_by_the_caller_as_given(tmp_path):
    for file in render_template("listing_promo", LISTING, AGENT, {}, {}, PHOTOS[:1]):
        (tmp_path / file.name).write_bytes(file.data)
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == [
        "listing_promo_1080x1080.jpg",
        "listing_promo_1080x1350.jpg",
    ]
