"""The open-house flyer PDF carries real text: its words can be selected and searched, in the
listing's currency, on the page size asked for."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from template_support import add_listing, use_letter_flyer


@pytest.mark.slow  # renders a full-size flyer PDF (about 4 s)
def test_the_flyer_pdf_has_selectable_text_in_the_listings_currency(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    listing = add_listing(address="12 Beach Rd 🏡", city="Cape Town", price=2450000, beds=3, currency="ZAR")
    flyer = use_letter_flyer(listing["id"], tmp_path)  # its settings say USD
    page = PdfReader(flyer).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)  # US Letter
    text = page.extract_text()
    for words in (
        "OPEN HOUSE",
        "Saturday 5 December 2026",
        "10:00 - 12:00",
        "R 2 450 000",
        "12 Beach Rd",
        "Cape Town",
        "Test Agent",
    ):
        assert words in text, (words, text)
    assert "$" not in text and "🏡" not in text
