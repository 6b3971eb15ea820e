"""Prices, facts, dates and prompt placeholders: the words that go on marketing pieces."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stagefy_cli.errors import StagefyError, UsageError
from stagefy_cli.imaging.templates.flyer import display_date
from stagefy_cli.imaging.templates.render import (
    MissingPlaceholder,
    fill_placeholders,
    listing_placeholders,
)
from stagefy_cli.money import format_money, listing_facts


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (2_450_000, "ZAR", "R 2 450 000"),
        (Decimal("2450000.00"), None, "R 2 450 000"),
        (2_450_000, "USD", "$2,450,000"),
        (2_450_000, "eur", "€2,450,000"),
        (2_450_000, "GBP", "£2,450,000"),
        ("999999.50", "ZAR", "R 999 999.50"),
        ("850000.505", "USD", "$850,000.51"),  # half up, to the cent
        (950, "USD", "$950"),
        (2_450_000, "CHF", "CHF 2,450,000"),
    ],
)
def test_prices_are_formatted_for_the_currency(amount, currency, expected):
    assert format_money(amount, currency) == expected


def test_a_price_that_is_not_a_number_is_refused():
    with pytest.raises(StagefyError, match="not a number"):
        format_money("call us", "ZAR")


def test_listing_facts_leave_out_what_is_unknown_and_use_singulars():
    assert listing_facts(3, Decimal("2.5"), 1850, "ZAR") == "3 beds · 2.5 baths · 172 m²"
    assert listing_facts(1, Decimal("1.0"), None, "USD") == "1 bed · 1 bath"
    assert listing_facts(None, None, 12000, "USD") == "12,000 sq ft"
    assert listing_facts(None, None, None) == ""


def test_iso_dates_are_written_out_and_other_text_kept():
    assert display_date("2025-06-14") == "Saturday 14 June 2025"
    assert display_date(" Sunday afternoon ") == "Sunday afternoon"


def test_fill_placeholders_replaces_every_name():
    prompt = "Stage {address} in {city} ({bedrooms} beds) for {agent_name}; keep {{braces}}"
    values = {"address": "12 Long St", "city": "Cape Town", "bedrooms": "3", "agent_name": "Jane"}
    assert (
        fill_placeholders(prompt, values) == "Stage 12 Long St in Cape Town (3 beds) for Jane; keep {braces}"
    )


def test_missing_placeholders_are_all_listed_at_once():
    with pytest.raises(MissingPlaceholder) as caught:
        fill_placeholders(
            "{address} {price} {style} {mood} {price}", {"address": "x", "style": "", "mood": None}
        )
    assert caught.value.names == ["mood", "price", "style"]
    assert "mood, price, style" in caught.value.message
    assert "--set mood=..." in caught.value.message
    assert caught.value.exit_code == 2


def test_unnamed_placeholders_are_a_usage_error():
    with pytest.raises(UsageError, match="need names"):
        fill_placeholders("A {} house", {})
    with pytest.raises(UsageError, match="malformed"):
        fill_placeholders("A {house", {})


def test_listing_placeholders_format_price_and_quantities():
    listing = {
        "address": "12 Long St",
        "city": "Cape Town",
        "price": Decimal("2450000.00"),
        "bathrooms": Decimal("2.5"),
        "bedrooms": 3,
        "sqft": None,
    }
    agent = {"full_name": "Jane Agent", "brokerage": None, "phone": "+27 82 555 0101"}
    values = listing_placeholders(listing, agent, "ZAR")
    assert values["price"] == "R 2 450 000"
    assert values["bathrooms"] == "2.5"
    assert values["bedrooms"] == "3"
    assert values["agent_name"] == "Jane Agent"
    assert "sqft" not in values and "brokerage" not in values
    with pytest.raises(MissingPlaceholder) as caught:
        fill_placeholders("{address}: {sqft} sq ft by {brokerage}", values)
    assert caught.value.names == ["brokerage", "sqft"]


def test_the_size_placeholder_is_in_the_markets_unit():
    listing = {"address": "12 Long St", "sqft": 1292}
    assert listing_placeholders(listing, {}, "ZAR")["size"] == "120 m²"
    assert listing_placeholders(listing, {}, "USD")["size"] == "1,292 sq ft"
    assert listing_placeholders(listing, {}, "USD")["sqft"] == "1,292"
