"""`stagefy crm contacts`: CRUD, filters and search through the CLI against the local stack."""

from __future__ import annotations

import psycopg
from crm_support import add_contact, add_listing, cli_json
from stagefy_testing import run_cli


def test_add_show_update_delete_a_contact(signed_in_agent):
    added = add_contact(
        name="Thandi Nkosi",
        email="thandi@example.com",
        phone="+27 82 555 0101",
        type="buyer",
        status="active",
        tag=["vip", "cash"],
        notes="Wants a sea view",
    )
    assert added["name"] == "Thandi Nkosi"
    assert added["email"] == "thandi@example.com"
    assert added["phone"] == "+27 82 555 0101"
    assert added["type"] == "buyer"
    assert added["status"] == "active"
    assert added["tags"] == ["vip", "cash"]
    assert added["notes"] == "Wants a sea view"
    assert added["user_id"] == signed_in_agent.id
    assert added["last_contacted_at"] is None

    shown = cli_json(["crm", "contacts", "show", added["id"][:8]])
    assert shown["id"] == added["id"]
    assert shown["listings"] == []

    updated = cli_json(
        [
            "crm",
            "contacts",
            "update",
            added["id"][:6],
            "--status",
            "closed",
            "--email",
            "",
            "--tag",
            "past-client",
        ]
    )
    assert updated["status"] == "closed"
    assert updated["email"] is None
    assert updated["tags"] == ["past-client"]
    assert updated["name"] == "Thandi Nkosi"
    assert updated["updated_at"] > added["updated_at"]

    touched = cli_json(["crm", "contacts", "touch", added["id"][:8]])
    assert touched["last_contacted_at"] is not None

    result = run_cli(["crm", "contacts", "delete", added["id"][:8]])
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    deleted = cli_json(["crm", "contacts", "delete", added["id"][:8], "--yes"])
    assert deleted["id"] == added["id"]
    missing = run_cli(["crm", "contacts", "show", added["id"][:8]])
    assert missing.exit_code == 5
    assert missing.stderr.strip() == f"Error: no contact with ID {added['id'][:8]}."


def test_defaults_and_plain_output(signed_in_agent):
    added = add_contact(name="Sipho Dlamini")
    assert (added["type"], added["status"], added["tags"]) == ("other", "lead", [])
    result = run_cli(["crm", "contacts", "list"])
    assert result.exit_code == 0
    assert result.stdout.split("\n")[0].split("\t")[:2] == [
        added["id"],
        "Sipho Dlamini",
    ]  # full IDs when piped


def test_invalid_values_are_usage_errors(signed_in_agent):
    cases = [
        (["--name", "A", "--email", "not-an-email"], "'not-an-email' is not an email address"),
        (["--name", "A", "--type", "landlord"], "unknown type 'landlord'"),
        (["--name", "A", "--status", "hot"], "unknown status 'hot'"),
        (["--name", "A", "--phone", "call me"], "is not a phone number"),
        (["--name", "  "], "name is required"),
    ]
    for args, message in cases:
        result = run_cli(["crm", "contacts", "add", *args])
        assert result.exit_code == 2, args
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert cli_json(["crm", "contacts", "list"]) == []
    assert run_cli(["crm", "contacts", "update", "abc"]).exit_code == 2  # nothing to update


def test_filters_search_tags_and_limit(signed_in_agent):
    add_contact(name="Anna Buyer", type="buyer", status="lead", tag=["vip"], email="anna@coast.co.za")
    add_contact(name="Ben Seller", type="seller", status="active", notes="Selling the Smith house, (urgent)")
    add_contact(
        name="Cara Investor", type="investor", status="active", tag=["vip", "portfolio"], phone="021 555 0199"
    )
    add_contact(name="Dan Other")

    def names(*args):
        return [c["name"] for c in cli_json(["crm", "contacts", "list", *args])]

    assert names() == ["Anna Buyer", "Ben Seller", "Cara Investor", "Dan Other"]
    assert names("--type", "buyer") == ["Anna Buyer"]
    assert names("--status", "active") == ["Ben Seller", "Cara Investor"]
    assert names("--status", "active", "--type", "investor") == ["Cara Investor"]
    assert names("--tag", "vip") == ["Anna Buyer", "Cara Investor"]
    assert names("--tag", "portfolio") == ["Cara Investor"]
    assert names("--search", "COAST") == ["Anna Buyer"]  # email, any case
    assert names("--search", "smith house, (urgent") == ["Ben Seller"]  # notes; commas and brackets are text
    assert names("--search", "555 0199") == ["Cara Investor"]  # phone
    assert names("--search", "other") == ["Dan Other"]
    assert names("--search", "nobody") == []
    assert names("--limit", "2") == ["Anna Buyer", "Ben Seller"]

    more = run_cli(["crm", "contacts", "list", "--limit", "2"])
    assert "Showing 2 of 4" in more.stderr
    narrowed = cli_json(["crm", "contacts", "list", "--type", "buyer", "--fields", "name,type"])
    assert narrowed == [{"name": "Anna Buyer", "type": "buyer"}]
    bad = run_cli(["crm", "contacts", "list", "--type", "landlord"])
    assert bad.exit_code == 2
    assert "Choose one of: buyer, seller, investor, other" in bad.stderr


def test_deleting_a_contact_keeps_its_listings_unlinked(signed_in_agent):
    contact = add_contact(name="Lindiwe Seller", type="seller")
    listing = add_listing(address="12 Beach Rd", contact=contact["id"][:8])
    assert listing["contact_id"] == contact["id"]
    shown = cli_json(["crm", "contacts", "show", contact["id"]])
    assert [item["id"] for item in shown["listings"]] == [listing["id"]]

    cli_json(["crm", "contacts", "delete", contact["id"], "--yes"])
    kept = cli_json(["crm", "listings", "show", listing["id"]])
    assert kept["contact_id"] is None
    assert kept["contact"] is None


def test_ambiguous_and_malformed_ids(signed_in_agent, cli_stack):
    first = add_contact(name="One")
    with psycopg.connect(cli_stack.dsn, autocommit=True) as conn:
        # Two contacts whose IDs share the first characters, as prefixes eventually do.
        conn.execute(
            "insert into public.crm_contacts (id, user_id, name) values "
            "('abcd0000-0000-4000-8000-000000000001', %s, 'Twin A'), "
            "('abcd0000-0000-4000-8000-000000000002', %s, 'Twin B')",
            (signed_in_agent.id, signed_in_agent.id),
        )
    ambiguous = run_cli(["crm", "contacts", "show", "abcd"])
    assert ambiguous.exit_code == 2
    assert "ambiguous" in ambiguous.stderr
    assert cli_json(["crm", "contacts", "show", "abcd0000-0000-4000-8000-000000000002"])["name"] == "Twin B"
    malformed = run_cli(["crm", "contacts", "show", "not-hex"])
    assert malformed.exit_code == 2
    assert cli_json(["crm", "contacts", "show", first["id"][:10]])["name"] == "One"
