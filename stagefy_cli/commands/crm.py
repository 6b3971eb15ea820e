"""`stagefy crm`: your contacts and listings."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.commands.options import FIELDS, JSON, LIMIT, YES, choice, command_group, id_to_delete
from stagefy_cli.commands.reads import crm as reads
from stagefy_cli.commands.reads import runs
from stagefy_cli.models import CONTACT_STATUSES, CONTACT_TYPES, LISTING_STATUSES, ON_DUPLICATE

app = command_group("Your contacts and listings: the people and properties behind your media.")
contacts_app = command_group("Buyers, sellers and investors: add, find, import and export.")
listings_app = command_group("Properties you market: price, rooms, status and linked contact.")
app.add_typer(contacts_app, name="contacts")
app.add_typer(listings_app, name="listings")

CONTACT_ID = typer.Argument(..., help="Contact ID (or its first characters).")
LISTING_ID = typer.Argument(..., help="Listing ID (or its first characters).")


# -- rendering --------------------------------------------------------------------------------


def _show_listing(listing: dict, as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render

    render.output(listing, as_json=as_json, fields=fields, show=lambda: _print_listing(listing))


def _print_listing(listing: dict) -> None:
    from stagefy_cli import render

    contact = listing.get("contact")
    listing = {**listing, "contact_name": contact and f"{contact['name']} ({contact['id'][:8]})"}
    render.print_detail(
        listing,
        [
            render.Column("id", "ID"),
            render.Column("address", "Address"),
            render.Column("city", "City"),
            render.Column("state", "State"),
            render.Column("zip_code", "Postal code"),
            render.Column("price", "Price", format_row=render.row_money("price")),
            render.Column("bedrooms", "Bedrooms"),
            render.Column("bathrooms", "Bathrooms"),
            render.Column("sqft", "Size", format_row=render.row_area()),
            render.Column("status", "Status"),
            render.Column("contact_name", "Contact"),
            render.Column("notes", "Notes"),
            render.Column("created_at", "Created", render.local_time),
            render.Column("updated_at", "Updated", render.local_time),
        ],
    )
    if listing.get("media"):
        from stagefy_cli.commands.tables import media_columns

        render.line()
        render.print_table(listing["media"], media_columns(), title="Media")


# -- contacts ---------------------------------------------------------------------------------


@contacts_app.command("list")
@runs(reads.contacts_list)
def contacts_list(
    contact_type: str = choice(CONTACT_TYPES, "--type", help="Only this type: {values}."),
    status: str = choice(CONTACT_STATUSES, "--status", help="Only this status: {values}."),
    tag: str = typer.Option(None, "--tag", help="Only contacts with this tag."),
    search: str = typer.Option(
        None, "--search", "-s", help="Only contacts whose name, email, phone or notes contain this text."
    ),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List your contacts by name.

    Example: stagefy crm contacts list --type buyer --status active --search smith
    """


@contacts_app.command("add")
def contacts_add(
    name: str = typer.Option(..., "--name", help="The contact's full name."),
    email: str = typer.Option(None, "--email", help="Email address."),
    phone: str = typer.Option(
        None, "--phone", help="Phone number (7 to 15 digits; +, spaces, dashes allowed)."
    ),
    contact_type: str = choice(CONTACT_TYPES, "--type", help="{values} (default other).", refuse=False),
    status: str = choice(CONTACT_STATUSES, "--status", help="{values} (default lead).", refuse=False),
    tags: list[str] = typer.Option(None, "--tag", help="A tag; repeat for more."),
    notes: str = typer.Option(None, "--notes", help="Free-form notes."),
    allow_duplicate: bool = typer.Option(
        False, "--allow-duplicate", help="Add it even if a contact already has this email."
    ),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Add a contact (one whose email is already a contact's is refused unless --allow-duplicate).

    Example: stagefy crm contacts add --name "Thandi Nkosi" --email thandi@example.com --type buyer --tag vip
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    contact = crm.add_contact(
        client.signed_in(),
        {
            "name": name,
            "email": email,
            "phone": phone,
            "type": contact_type,
            "status": status,
            "tags": tags or None,
            "notes": notes,
        },
        allow_duplicate=allow_duplicate,
    )
    render.output(
        contact,
        as_json=as_json,
        fields=fields,
        done=f"Added contact {contact['name']} ({contact['id'][:8]}).",
    )


@contacts_app.command("show")
@runs(reads.contacts_show)
def contacts_show(contact: str = CONTACT_ID, as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show a contact and its listings.

    Example: stagefy crm contacts show 3f2a9c
    """


@contacts_app.command("update")
def contacts_update(
    contact: str = CONTACT_ID,
    name: str = typer.Option(None, "--name", help="New full name."),
    email: str = typer.Option(None, "--email", help='New email address ("" clears it).'),
    phone: str = typer.Option(None, "--phone", help='New phone number ("" clears it).'),
    contact_type: str = choice(CONTACT_TYPES, "--type", help="New type: {values}.", refuse=False),
    status: str = choice(CONTACT_STATUSES, "--status", help="New status: {values}.", refuse=False),
    tags: list[str] = typer.Option(
        None, "--tag", help='Replace the tags; repeat for more (--tag "" clears them).'
    ),
    notes: str = typer.Option(None, "--notes", help='New notes ("" clears them).'),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Change a contact; only the options you pass change.

    Example: stagefy crm contacts update 3f2a9c --status active --tag vip --tag cash-buyer
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    updated = crm.update_contact(
        client.signed_in(),
        contact,
        {
            "name": name,
            "email": email,
            "phone": phone,
            "type": contact_type,
            "status": status,
            "tags": tags or None,
            "notes": notes,
        },
    )
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Updated contact {updated['name']} ({updated['id'][:8]}).",
    )


@contacts_app.command("touch")
def contacts_touch(contact: str = CONTACT_ID, as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Record that you were in touch with a contact just now.

    Example: stagefy crm contacts touch 3f2a9c
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    updated = crm.touch_contact(client.signed_in(), contact)
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Last contact with {updated['name']}: {render.local_time(updated['last_contacted_at'])}.",
    )


@contacts_app.command("delete")
def contacts_delete(contact: str = id_to_delete("Contact"), yes: bool = YES, as_json: bool = JSON) -> None:
    """Delete a contact; its listings stay, without the link.

    Example: stagefy crm contacts delete 3f2a9c --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import crm

    ctx = client.signed_in()
    found = crm.get_contact(ctx, contact)
    if not render.confirm(f"Delete contact {found['name']} ({found['id'][:8]})?", yes):
        raise Cancelled("nothing was deleted.")
    deleted = crm.delete_contact(ctx, found["id"])
    render.output(deleted, as_json=as_json, done=f"Deleted contact {deleted['name']} ({deleted['id'][:8]}).")


@contacts_app.command("import")
def contacts_import(
    file: Path = typer.Argument(
        ..., help="CSV file with a header row (name required; tags separated by ';')."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and report; import nothing."),
    on_duplicate: str = choice(
        ON_DUPLICATE,
        "--on-duplicate",
        help="A row whose email is already one of your contacts: skip it, or update that contact.",
        default="skip",
    ),
    as_json: bool = JSON,
) -> None:
    """Import contacts from a CSV file: every row is checked first, then all are imported or none.

    Columns: name, email, phone, type, status, tags, notes, last_contacted_at (any order; name required).
    Rows are matched to your contacts by email (any case), so importing an export again adds nothing.

    Example: stagefy crm contacts import contacts.csv --dry-run
    """
    from stagefy_cli import render
    from stagefy_cli.errors import UsageError
    from stagefy_cli.services import csv_io

    parsed = csv_io.read_contacts_file(file)
    report = {
        "rows": parsed.rows,
        "valid": len(parsed.contacts),
        "errors": [{"line": p.line, "message": p.message} for p in parsed.problems],
        "imported": 0,
        "updated": 0,
        "skipped": 0,
        "dry_run": dry_run,
    }
    if parsed.problems:
        render.output(report, as_json=as_json, show=lambda: _print_problems(parsed.problems))
        bad_lines = len({p.line for p in parsed.problems})
        raise UsageError(f"{bad_lines} of {parsed.rows} row(s) have errors; nothing was imported.")
    if not dry_run:
        from stagefy_cli.backend import client
        from stagefy_cli.services import crm

        report.update(crm.import_contacts(client.signed_in(), parsed.contacts, on_duplicate))
    render.output(report, as_json=as_json, done=_import_done(report, dry_run, on_duplicate))


def _print_problems(problems) -> None:
    from stagefy_cli import render

    for problem in problems:
        render.notice(f"line {problem.line}: {problem.message}")


def _import_done(report: dict, dry_run: bool, on_duplicate: str) -> str:
    """The line that sums up an import (or a --dry-run check)."""
    if dry_run:
        return f"{report['rows']} contact(s) are valid; nothing imported (--dry-run)."
    duplicates = (
        f"; updated {report['updated']}" if on_duplicate == "update" else f"; skipped {report['skipped']}"
    )
    return (
        f"Imported {report['imported']} contact(s)"
        + (
            duplicates + " already in your contacts (same email)"
            if report["updated"] or report["skipped"]
            else ""
        )
        + "."
    )


@contacts_app.command("export")
def contacts_export(
    export_format: str = typer.Option(
        "csv", "--format", "-f", help="csv (importable columns) or json (all)."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Write to this file instead of standard output."
    ),
) -> None:
    """Export all your contacts (streamed page by page, so any number fits).

    Example: stagefy crm contacts export --format csv -o contacts.csv
    """
    import sys

    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import UsageError
    from stagefy_cli.services import crm, csv_io

    if output is not None and not output.parent.is_dir():
        raise UsageError(f"no folder {output.parent} to write {output.name} into; create it first.")
    rows = crm.iter_contacts(client.signed_in())
    if output is None:
        csv_io.write_contacts(rows, sys.stdout, export_format)
        return
    part = output.with_name(f".{output.name}.part")
    try:
        with part.open("w", encoding="utf-8", newline="") as out:
            count = csv_io.write_contacts(rows, out, export_format)
        part.replace(output)
    finally:
        part.unlink(missing_ok=True)
    render.success(f"Exported {count} contact(s) to {output}.")


# -- listings ---------------------------------------------------------------------------------


@listings_app.command("list")
@runs(reads.listings_list)
def listings_list(
    status: str = choice(LISTING_STATUSES, "--status", help="Only this status: {values}."),
    city: str = typer.Option(None, "--city", help="Only listings in this city (any case)."),
    min_price: float = typer.Option(None, "--min-price", help="Only listings priced at least this."),
    max_price: float = typer.Option(None, "--max-price", help="Only listings priced at most this."),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List your listings, newest first.

    Example: stagefy crm listings list --status active --city "Cape Town" --max-price 3500000
    """


@listings_app.command("add")
def listings_add(
    address: str = typer.Option(..., "--address", help="Street address."),
    city: str = typer.Option(None, "--city", help="City."),
    state: str = typer.Option(None, "--state", help="State or province."),
    zip_code: str = typer.Option(None, "--zip", help="Postal code."),
    price: float = typer.Option(None, "--price", help="Asking price."),
    currency: str = typer.Option(
        None, "--currency", help="ISO 4217 code of the price, e.g. ZAR or USD (default: your market's)."
    ),
    bedrooms: int = typer.Option(None, "--beds", help="Number of bedrooms."),
    bathrooms: float = typer.Option(None, "--baths", help="Number of bathrooms (halves allowed: 2.5)."),
    sqft: int = typer.Option(None, "--sqft", help="Floor area in square feet."),
    sqm: float = typer.Option(None, "--sqm", help="Floor area in square metres (instead of --sqft)."),
    contact: str = typer.Option(
        None, "--contact", help="ID of the seller or buyer contact (or its first characters)."
    ),
    status: str = choice(LISTING_STATUSES, "--status", help="{values} (default active)."),
    notes: str = typer.Option(None, "--notes", help="Free-form notes."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Add a listing, optionally linked to one of your contacts.

    Example: stagefy crm listings add --address "12 Beach Rd" --city "Cape Town" --price 2450000 --beds 3 --contact 3f2a
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    listing = crm.add_listing(
        client.signed_in(),
        {
            "address": address,
            "city": city,
            "state": state,
            "zip_code": zip_code,
            "price": price,
            "currency": currency,
            "bedrooms": bedrooms,
            "bathrooms": bathrooms,
            "sqft": sqft,
            "sqm": sqm,
            "status": status,
            "notes": notes,
        },
        contact_ref=contact,
    )
    render.output(
        listing,
        as_json=as_json,
        fields=fields,
        done=f"Added listing {listing['address']} ({listing['id'][:8]}).",
    )


@listings_app.command("show")
def listings_show(listing: str = LISTING_ID, as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show a listing with its contact and its media.

    Example: stagefy crm listings show 7b1e04
    """
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    _show_listing(crm.get_listing(client.signed_in(), listing), as_json, fields)


@listings_app.command("update")
def listings_update(
    listing: str = LISTING_ID,
    address: str = typer.Option(None, "--address", help="New street address."),
    city: str = typer.Option(None, "--city", help='New city ("" clears it).'),
    state: str = typer.Option(None, "--state", help='New state or province ("" clears it).'),
    zip_code: str = typer.Option(None, "--zip", help='New postal code ("" clears it).'),
    price: float = typer.Option(None, "--price", help="New asking price."),
    currency: str = typer.Option(None, "--currency", help="New ISO 4217 code of the price, e.g. USD."),
    bedrooms: int = typer.Option(None, "--beds", help="New number of bedrooms."),
    bathrooms: float = typer.Option(None, "--baths", help="New number of bathrooms."),
    sqft: int = typer.Option(None, "--sqft", help="New floor area in square feet."),
    sqm: float = typer.Option(None, "--sqm", help="New floor area in square metres (instead of --sqft)."),
    contact: str = typer.Option(
        None, "--contact", help="Link this contact instead (ID or its first characters)."
    ),
    no_contact: bool = typer.Option(False, "--no-contact", help="Remove the link to the contact."),
    status: str = choice(LISTING_STATUSES, "--status", help="New status: {values}."),
    notes: str = typer.Option(None, "--notes", help='New notes ("" clears them).'),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Change a listing; only the options you pass change.

    Example: stagefy crm listings update 7b1e04 --status sold --price 2390000
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    updated = crm.update_listing(
        client.signed_in(),
        listing,
        {
            "address": address,
            "city": city,
            "state": state,
            "zip_code": zip_code,
            "price": price,
            "currency": currency,
            "bedrooms": bedrooms,
            "bathrooms": bathrooms,
            "sqft": sqft,
            "sqm": sqm,
            "status": status,
            "notes": notes,
        },
        contact_ref=contact,
        clear_contact=no_contact,
    )
    render.output(
        updated,
        as_json=as_json,
        fields=fields,
        done=f"Updated listing {updated['address']} ({updated['id'][:8]}).",
    )


@listings_app.command("delete")
def listings_delete(listing: str = id_to_delete("Listing"), yes: bool = YES, as_json: bool = JSON) -> None:
    """Delete a listing; its media stay in your library, without the link.

    Example: stagefy crm listings delete 7b1e04 --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import crm

    ctx = client.signed_in()
    found = crm.get_listing(ctx, listing)
    if not render.confirm(f"Delete listing {found['address']} ({found['id'][:8]})?", yes):
        raise Cancelled("nothing was deleted.")
    deleted = crm.delete_listing(ctx, found["id"])
    render.output(
        deleted, as_json=as_json, done=f"Deleted listing {deleted['address']} ({deleted['id'][:8]})."
    )
