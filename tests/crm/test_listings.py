"""`stagefy crm listings`: CRUD, filters, the linked contact and media, through the CLI."""

from __future__ import annotations

from crm_support import add_contact, add_listing, cli_json, make_media
from stagefy_testing import run_cli


def test_add_show_update_delete_a_listing(signed_in_agent, cli_stack):
    seller = add_contact(name="Pieter Seller", type="seller")
    listing = add_listing(
        address="12 Beach Rd",
        city="Cape Town",
        state="Western Cape",
        zip="8005",
        price="2450000.50",
        beds="3",
        baths="2.5",
        sqft="1800",
        contact=seller["id"][:8],
        status="pending",
        notes="Sea view; north facing",
    )
    assert listing["address"] == "12 Beach Rd"
    assert listing["city"] == "Cape Town"
    assert listing["state"] == "Western Cape"
    assert listing["zip_code"] == "8005"
    assert listing["price"] == 2450000.5
    assert listing["bedrooms"] == 3
    assert listing["bathrooms"] == 2.5
    assert listing["sqft"] == 1800
    assert listing["status"] == "pending"
    assert listing["contact_id"] == seller["id"]
    assert listing["user_id"] == signed_in_agent.id

    photo = make_media(cli_stack, signed_in_agent.id, listing_id=listing["id"])
    shown = cli_json(["crm", "listings", "show", listing["id"][:8]])
    assert shown["contact"]["name"] == "Pieter Seller"
    assert [m["id"] for m in shown["media"]] == [photo["id"]]

    updated = cli_json(
        [
            "crm",
            "listings",
            "update",
            listing["id"][:8],
            "--status",
            "sold",
            "--price",
            "2390000",
            "--no-contact",
            "--city",
            "",
        ]
    )
    assert updated["status"] == "sold"
    assert updated["price"] == 2390000
    assert updated["contact_id"] is None
    assert updated["city"] is None
    assert updated["address"] == "12 Beach Rd"

    relinked = cli_json(["crm", "listings", "update", listing["id"][:8], "--contact", seller["id"][:8]])
    assert relinked["contact_id"] == seller["id"]

    refused = run_cli(["crm", "listings", "delete", listing["id"][:8]])
    assert refused.exit_code == 2
    cli_json(["crm", "listings", "delete", listing["id"][:8], "--yes"])
    assert run_cli(["crm", "listings", "show", listing["id"][:8]]).exit_code == 5
    # The media stays in the library, unlinked.
    kept = cli_json(["media", "show", photo["id"][:8]])
    assert kept["listing_id"] is None


def test_listing_filters(signed_in_agent):
    add_listing(address="1 Cheap St", city="Durban", price="900000", status="active")
    add_listing(address="2 Mid St", city="Cape Town", price="2500000", status="active")
    add_listing(address="3 Dear St", city="cape town", price="7500000", status="sold")
    add_listing(address="4 Nopr St", city="Cape_Town", status="off_market")

    def addresses(*args):
        return sorted(item["address"] for item in cli_json(["crm", "listings", "list", *args]))

    assert addresses() == ["1 Cheap St", "2 Mid St", "3 Dear St", "4 Nopr St"]
    assert addresses("--status", "active") == ["1 Cheap St", "2 Mid St"]
    assert addresses("--city", "CAPE TOWN") == ["2 Mid St", "3 Dear St"]  # any case; '_' is not a wildcard
    assert addresses("--min-price", "2000000") == ["2 Mid St", "3 Dear St"]
    assert addresses("--max-price", "2500000") == ["1 Cheap St", "2 Mid St"]
    assert addresses("--min-price", "1000000", "--max-price", "3000000", "--city", "cape town") == [
        "2 Mid St"
    ]
    assert [item["address"] for item in cli_json(["crm", "listings", "list"])][
        0
    ] == "4 Nopr St"  # newest first
    bad = run_cli(["crm", "listings", "list", "--status", "rented"])
    assert bad.exit_code == 2
    assert "active, pending, sold, off_market" in bad.stderr


def test_invalid_listing_values(signed_in_agent):
    assert "--address must not be empty" in run_cli(["crm", "listings", "add", "--address", " "]).stderr
    negative = run_cli(["crm", "listings", "add", "--address", "x", "--price", "-5"])
    assert negative.exit_code == 2
    assert "--price must be between" in negative.stderr
    unknown = run_cli(["crm", "listings", "add", "--address", "x", "--contact", "0123"])
    assert unknown.exit_code == 5
    assert "no contact with ID 0123" in unknown.stderr
    assert cli_json(["crm", "listings", "list"]) == []
