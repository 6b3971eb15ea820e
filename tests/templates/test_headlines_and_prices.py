"""A piece's headline follows the template's purpose and the listing's status together, and its price
is the listing's, printed by the one money formatter tables use."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from stagefy_testing import run_cli
from template_support import add_listing, cli_json, use_letter_flyer

from stagefy_cli.imaging.templates.content import headline, listing_text
from stagefy_cli.imaging.templates.design import design_from_settings

FLYER_HEADLINES = {
    "active": "OPEN HOUSE",
    "pending": "OPEN HOUSE · UNDER OFFER",
    "sold": "OPEN HOUSE · SOLD",
    "off_market": "PRIVATE VIEWING",
}


@pytest.mark.slow  # renders four full-size flyer PDFs (3-4 s each)
@pytest.mark.parametrize("status", list(FLYER_HEADLINES))
def test_an_open_house_flyer_says_open_house_and_the_listings_status(
    signed_in_agent, cli_stack, local_worker, tmp_path, status
):
    listing = add_listing(
        address="9 Ocean View", city="Miami", price="850000.50", currency="USD", status=status
    )
    flyer = use_letter_flyer(listing["id"], tmp_path)
    text = PdfReader(flyer).pages[0].extract_text()
    assert FLYER_HEADLINES[status] in text, text
    # The listing's price to the cent, as `crm listings list` shows it (never rounded to $850,001).
    assert "$850,000.50" in text and "$850,001" not in text
    shown = run_cli(["crm", "listings", "list"]).stdout  # piped: the table's cells, tab-separated
    assert "850000.5" in shown


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        ("listing_promo", "active", "JUST LISTED"),
        ("listing_promo", "pending", "UNDER OFFER"),
        ("listing_promo", "sold", "SOLD"),
        ("listing_promo", "off_market", "PRIVATE LISTING"),
        ("instagram_reel", "active", "JUST LISTED"),
        ("instagram_reel", "pending", "UNDER OFFER"),
        ("instagram_reel", "sold", "SOLD"),
        ("instagram_reel", "off_market", "PRIVATE LISTING"),
        ("open_house", None, "OPEN HOUSE"),
    ],
)
def test_every_template_and_status_has_its_headline(kind, status, expected):
    assert headline(kind, status) == expected
    assert headline(kind, status, "Price reduced") == "PRICE REDUCED"  # the template's own setting wins


def test_posts_print_the_price_as_tables_do():
    design = design_from_settings({"currency": "USD"}, {}, ("classic",))
    text = listing_text({"price": "850000.50", "status": "active"}, {}, design, "listing_promo")
    assert (text.headline, text.price) == ("JUST LISTED", "$850,000.50")


def test_the_terminal_table_and_the_chart_use_the_same_formatter(signed_in_agent):
    from stagefy_cli import render
    from stagefy_cli.charts import SERIES

    revenue = next(s for s in SERIES if s.title == "Revenue")
    assert revenue.unit(1296) == render.money(1296, "ZAR") == "R 1 296"
    listing = cli_json(
        ["crm", "listings", "add", "--address", "1 Main", "--price", "850000.50", "--currency", "USD"]
    )
    assert render.money(listing["price"], listing["currency"]) == "$850,000.50"
