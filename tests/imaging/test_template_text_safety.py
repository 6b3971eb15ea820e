"""What a template prints is clean: characters the shipped fonts lack (emoji) are left out rather
than drawn as boxes, and a missing profile field leaves no stray separator."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from stagefy_cli.imaging.templates.content import listing_text
from stagefy_cli.imaging.templates.design import design_from_settings
from stagefy_cli.imaging.templates.flyer import FLYER_LAYOUTS, render_flyer
from stagefy_cli.imaging.templates.promo import PROMO_LAYOUTS, render_promo
from stagefy_cli.imaging.typefaces import FAMILIES, has_glyph

LISTING = {"address": "Sea views 🏡 12 Beach Rd ✨", "city": "Cape Town", "price": 2_450_000, "bedrooms": 3}
AGENT = {"full_name": "Thandi Nkosi 😊", "brokerage": "Coastal Homes", "phone": "+27 82 555 0101"}


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (120, 140, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def _drawn(family: str, listing: dict, agent: dict) -> list[str]:
    promo = design_from_settings({"font": family}, {}, PROMO_LAYOUTS)
    flyer = design_from_settings({"font": family}, {}, FLYER_LAYOUTS)
    texts = [
        p.text
        for p in render_promo(
            (1080, 1080), promo, listing_text(listing, agent, promo, "listing_promo"), [_photo()]
        ).placements
    ]
    page = render_flyer(
        flyer, listing_text(listing, agent, flyer, "open_house"), [_photo()], ("Sat 14 June", "10:00")
    )
    return texts + [p.text for p in page.placements]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_characters_the_font_lacks_are_left_out_not_drawn_as_boxes(family):
    assert not has_glyph(family, "🏡") and has_glyph(family, "R")
    drawn = _drawn(family, LISTING, AGENT)
    assert any("Sea views 12 Beach Rd" in text for text in drawn), drawn
    assert any(text.startswith("Thandi Nkosi") for text in drawn), drawn
    for text in drawn:
        missing = [char for char in text if not has_glyph(family, char)]
        assert not missing, (text, missing)


def test_a_missing_profile_field_leaves_no_stray_separator():
    for agent, expected in (
        ({"full_name": " ", "brokerage": "Coastal Realty"}, "Coastal Realty"),
        ({"full_name": "Thandi Nkosi", "brokerage": ""}, "Thandi Nkosi"),
        ({"full_name": "Thandi Nkosi", "brokerage": "Coastal Realty"}, "Thandi Nkosi | Coastal Realty"),
    ):
        drawn = _drawn("Lato", {"address": "12 Beach Rd", "city": "Cape Town"}, agent)
        assert expected in drawn, drawn
        assert not any(text.strip().startswith("|") or text.strip().endswith("|") for text in drawn), drawn
