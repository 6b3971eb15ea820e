"""Prices print in the listing's currency (the agent's market's when the listing names none), by
one money formatter, in tables, piped rows, templates and video cards."""

from __future__ import annotations

from stagefy_testing import cli_json, make_photo, run_cli, sign_in
from test_output_safety import run_in_terminal

from stagefy_cli.imaging.templates.content import listing_text
from stagefy_cli.imaging.templates.render import check_template_request


def test_listing_prices_in_tables_use_the_listing_currency(signed_in_agent):
    rand = cli_json(["crm", "listings", "add", "--address", "1 Rand Rd", "--price", "3995000.50"])
    dollars = cli_json(
        ["crm", "listings", "add", "--address", "2 Dollar Dr", "--price", "2450000", "--currency", "usd"]
    )
    assert (rand["currency"], dollars["currency"]) == ("ZAR", "USD")  # no market: South Africa's

    code, output = run_in_terminal(["crm", "listings", "list"])
    assert code == 0, output
    assert "R 3 995 000.50" in output and "$2,450,000" in output
    code, output = run_in_terminal(["crm", "listings", "show", dollars["id"][:8]])
    assert "$2,450,000" in output

    piped = run_cli(["crm", "listings", "list"])
    prices = {line.split("\t")[1]: line.split("\t")[3] for line in piped.stdout.splitlines()}
    assert prices == {"1 Rand Rd": "3995000.5", "2 Dollar Dr": "2450000"}

    bad = run_cli(["crm", "listings", "update", rand["id"][:8], "--currency", "rands"])
    assert bad.exit_code == 2, bad.stderr


def test_a_listing_without_a_currency_takes_the_agents_market(cli_stack, make_agent):
    agent = make_agent("Us Agent")
    sign_in(agent)
    assert run_cli(["profile", "update", "--market", "Austin, United States"]).exit_code == 0
    listing = cli_json(["crm", "listings", "add", "--address", "9 Elm St", "--price", "500000"])
    assert listing["currency"] == "USD"


def test_the_listing_currency_wins_over_the_templates(signed_in_agent, tmp_path):
    """The built-in custom template says ZAR; a dollar listing's price is still in dollars."""
    listing = cli_json(
        [
            "crm",
            "listings",
            "add",
            "--address",
            "2 Dollar Dr",
            "--city",
            "Austin",
            "--beds",
            "3",
            "--price",
            "2450000",
            "--currency",
            "USD",
        ]
    )
    custom = next(
        t for t in cli_json(["templates", "list", "--public", "--type", "custom"]) if t["user_id"] is None
    )
    photo = make_photo(tmp_path / "front.jpg")
    result = run_cli(
        [
            "templates",
            "use",
            custom["id"][:8],
            "--listing",
            listing["id"][:8],
            "--photo",
            str(photo),
            "--yes",
            "--no-wait",
            "--json",
        ]
    )
    assert result.exit_code == 8, result.stderr
    project = cli_json(["projects", "show", result.json()["project_id"][:8]])
    prompt = project["jobs"][0]["input"]["prompt"]
    assert "$2,450,000" in prompt and "R 2" not in prompt


def test_a_us_letter_flyer_prints_a_rand_listing_in_rand():
    listing = {"address": "12 Beach Rd", "price": 2_450_000, "currency": "ZAR"}
    settings = {"paper": "letter", "currency": "USD"}  # the built-in US Letter flyer's settings
    design = check_template_request("open_house", listing, {}, settings, {"date": "Sat", "time": "10:00"}, 1)
    assert listing_text(listing, {}, design, "open_house").price == "R 2 450 000"


def test_floor_area_is_stored_once_and_shown_in_the_markets_unit(signed_in_agent):
    """Stored in square feet whatever the agent typed; printed in m² for a rand listing and in sq ft
    for a dollar one, on screen and in marketing text."""
    rand = cli_json(["crm", "listings", "add", "--address", "1 Rand Rd", "--sqm", "120"])
    dollars = cli_json(
        ["crm", "listings", "add", "--address", "2 Dollar Dr", "--sqft", "1850", "--currency", "USD"]
    )
    assert (rand["sqft"], dollars["sqft"]) == (1292, 1850)  # 120 m² = 1 291.67 sq ft

    code, output = run_in_terminal(["crm", "listings", "show", rand["id"][:8]])
    assert code == 0, output
    assert "120 m²" in output and "sq ft" not in output
    code, output = run_in_terminal(["crm", "listings", "show", dollars["id"][:8]])
    assert "1,850 sq ft" in output and "m²" not in output
    piped = run_cli(["crm", "listings", "show", rand["id"][:8]])
    assert "sqft\t1292" in piped.stdout.splitlines()

    updated = cli_json(["crm", "listings", "update", dollars["id"][:8], "--sqm", "200"])
    assert updated["sqft"] == 2153
    both = run_cli(["crm", "listings", "update", rand["id"][:8], "--sqm", "90", "--sqft", "900"])
    assert both.exit_code == 2
    assert both.stderr.strip() == "Error: give the floor area once: --sqft or --sqm, not both."
    assert cli_json(["crm", "listings", "show", rand["id"][:8]])["sqft"] == 1292

    design = check_template_request("open_house", rand, {}, {}, {"date": "Sat", "time": "10:00"}, 1)
    assert listing_text(rand, {}, design, "open_house").facts == "120 m²"
    us = {**dollars, "sqft": 2153}
    design = check_template_request("open_house", us, {}, {}, {"date": "Sat", "time": "10:00"}, 1)
    assert listing_text(us, {}, design, "open_house").facts == "2,153 sq ft"
