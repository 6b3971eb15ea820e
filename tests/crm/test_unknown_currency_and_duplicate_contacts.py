"""A listing in a currency the database does not know, and a contact whose email is already a
contact's: one clear line, nothing written."""

from __future__ import annotations

from stagefy_testing import cli_json, run_cli


def test_an_unknown_currency_names_the_known_ones(signed_in_agent):
    for args in (
        ["crm", "listings", "add", "--address", "1 Main Rd", "--currency", "XYZ"],
        ["crm", "listings", "update", "PLACEHOLDER", "--currency", "xyz"],
    ):
        if "PLACEHOLDER" in args:
            listing = cli_json(["crm", "listings", "add", "--address", "2 Main Rd", "--currency", "USD"])
            args = [listing["id"][:8] if a == "PLACEHOLDER" else a for a in args]
        result = run_cli(args)
        assert result.exit_code == 2, (result.exit_code, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("Error: unknown currency XYZ. Known currencies: ZAR, USD, EUR, GBP"), line
        assert "XAF" in line and "foreign key" not in line and "violates" not in line
    assert [(row["address"], row["currency"]) for row in cli_json(["crm", "listings", "list"])] == [
        ("2 Main Rd", "USD")
    ]
    assert (
        cli_json(["crm", "listings", "add", "--address", "3 Main Rd", "--currency", "chf"])["currency"]
        == "CHF"
    )


def test_a_contact_with_an_existing_email_is_refused_unless_allowed(signed_in_agent):
    first = cli_json(["crm", "contacts", "add", "--name", "Anna", "--email", "Anna_1@Example.com"])
    again = run_cli(["crm", "contacts", "add", "--name", "Anna B", "--email", "anna_1@example.COM"])
    assert again.exit_code == 2, (again.exit_code, again.stderr)
    assert f"Anna ({first['id'][:8]}) already has the email Anna_1@Example.com" in again.stderr
    assert "--allow-duplicate" in again.stderr
    # LIKE's wildcards in an email are matched literally: annax1 is another address
    other = run_cli(["crm", "contacts", "add", "--name", "Other", "--email", "annax1@example.com"])
    assert other.exit_code == 0, other.stderr
    allowed = cli_json(
        ["crm", "contacts", "add", "--name", "Anna B", "--email", "anna_1@example.com", "--allow-duplicate"]
    )
    names = sorted(c["name"] for c in cli_json(["crm", "contacts", "list"]))
    assert names == ["Anna", "Anna B", "Other"] and allowed["email"] == "anna_1@example.com"
