"""Tables that more than one command group shows (command groups do not import each other)."""

from __future__ import annotations


def media_columns():
    """The columns of a media table: `media list`, and a listing's media in `crm listings show`."""
    from stagefy_cli import render

    return [
        render.Column("id", "ID", lambda v: v[:8]),
        render.Column("type", "TYPE"),
        render.Column("title", "TITLE", max_width=36),
        render.Column("is_favorite", "FAV", lambda v: "★" if v else ""),
        render.Column("tags", "TAGS", lambda v: ", ".join(v), max_width=24),
        render.Column("listing_id", "LISTING", lambda v: v[:8]),
        render.Column("file_size", "SIZE", render.file_size),
        render.Column("created_at", "CREATED", render.local_time),
    ]
