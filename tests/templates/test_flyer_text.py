"""The open-house flyer PDF carries real text: its words can be selected and searched, in the
listing's currency, on the page size asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from stagefy_testing import run_cli
from template_support import add_listing, builtin, make_photo


@pytest.mark.slow  # renders a full-size flyer PDF (about 4 s)
def test_the_flyer_pdf_has_selectable_text_in_the_listings_currency(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    listing = add_listing(address="12 Beach Rd 🏡", city="Cape Town", price=2450000, beds=3, currency="ZAR")
    template = builtin("open_house", "Open house flyer (US Letter)")  # its settings say USD
    result = run_cli(
        [
            "templates",
            "use",
            template["id"][:8],
            "--listing",
            listing["id"][:8],
            "--photo",
            str(make_photo(tmp_path / "front.jpg")),
            "--set",
            "date=2026-12-05",
            "--set",
            "time=10:00 - 12:00",
            "--out",
            str(tmp_path),
            "--yes",
            "--json",
            "--timeout",
            "180",
        ]
    )
    assert result.exit_code == 0, result.stderr
    flyer = next(Path(f) for f in result.json()["files"] if f.endswith(".pdf"))
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
