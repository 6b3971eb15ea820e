"""`stagefy crm contacts list`, `contacts show` and `listings list`, and the tables they share with
the other crm commands."""

from __future__ import annotations


def contact_columns():
    from stagefy_cli import render

    return [
        render.Column("id", "ID", lambda v: v[:8], nowrap=True),
        render.Column("name", "NAME", max_width=28),
        render.Column("email", "EMAIL", nowrap=True),
        render.Column("phone", "PHONE", nowrap=True),
        render.Column("type", "TYPE"),
        render.Column("status", "STATUS"),
        render.Column("tags", "TAGS", lambda v: ", ".join(v), max_width=24),
        render.Column("last_contacted_at", "LAST CONTACT", render.local_time, nowrap=True),
        render.Column("notes", "NOTES", max_width=30),
    ]


def listing_columns():
    from stagefy_cli import render

    return [
        render.Column("id", "ID", lambda v: v[:8]),
        render.Column("address", "ADDRESS", max_width=36),
        render.Column("city", "CITY", max_width=18),
        render.Column("price", "PRICE", format_row=render.row_money("price")),
        render.Column("bedrooms", "BEDS"),
        render.Column("bathrooms", "BATHS"),
        render.Column("status", "STATUS"),
        render.Column("notes", "NOTES", max_width=30),
        render.Column("updated_at", "UPDATED", render.local_time),
    ]


def show_contact(contact: dict, as_json: bool, fields: str | None) -> None:
    """A contact as `contacts show`, `add`, `update` and `touch` print it."""
    from stagefy_cli import render

    render.output(contact, as_json=as_json, fields=fields, show=lambda: _print_contact(contact))


def _print_contact(contact: dict) -> None:
    from stagefy_cli import render

    render.print_detail(
        contact,
        [
            render.Column("id", "ID"),
            render.Column("name", "Name"),
            render.Column("email", "Email"),
            render.Column("phone", "Phone"),
            render.Column("type", "Type"),
            render.Column("status", "Status"),
            render.Column("tags", "Tags", lambda v: ", ".join(v)),
            render.Column("notes", "Notes"),
            render.Column("last_contacted_at", "Last contact", render.local_time),
            render.Column("created_at", "Created", render.local_time),
            render.Column("updated_at", "Updated", render.local_time),
        ],
    )
    if contact.get("listings"):
        render.line()
        render.print_table(contact["listings"], listing_columns(), title="Listings")


def contacts_list(
    contact_type: str | None,
    status: str | None,
    tag: str | None,
    search: str | None,
    limit: int,
    as_json: bool,
    fields: str | None,
) -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    rows, total = crm.list_contacts(
        client.signed_in(), contact_type=contact_type, status=status, tag=tag, search=search, limit=limit
    )
    render.output(rows, contact_columns(), as_json=as_json, fields=fields, total=total)


def contacts_show(contact: str, as_json: bool, fields: str | None) -> None:
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    show_contact(crm.get_contact(client.signed_in(), contact), as_json, fields)


def listings_list(
    status: str | None,
    city: str | None,
    min_price: float | None,
    max_price: float | None,
    limit: int,
    as_json: bool,
    fields: str | None,
) -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import crm

    rows, total = crm.list_listings(
        client.signed_in(), status=status, city=city, min_price=min_price, max_price=max_price, limit=limit
    )
    render.output(rows, listing_columns(), as_json=as_json, fields=fields, total=total)
