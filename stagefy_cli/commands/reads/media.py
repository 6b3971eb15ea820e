"""`stagefy media list`."""

from __future__ import annotations


def list_media(
    listing: str | None,
    contact: str | None,
    media_type: str | None,
    favorites: bool,
    tag: str | None,
    limit: int,
    as_json: bool,
    fields: str | None,
) -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.commands.tables import media_columns
    from stagefy_cli.services import media

    rows, total = media.list_media(
        client.signed_in(),
        listing_ref=listing,
        contact_ref=contact,
        media_type=media_type,
        favorites=favorites,
        tag=tag,
        limit=limit,
    )
    render.output(rows, media_columns(), as_json=as_json, fields=fields, total=total)
