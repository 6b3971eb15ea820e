"""`stagefy notifications list`."""

from __future__ import annotations


def list_notifications(unread: bool, limit: int, as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import notifications

    rows, total = notifications.list_notifications(client.signed_in(), unread=unread, limit=limit)
    render.output(
        rows,
        [
            render.Column("id", "ID", lambda v: v[:8]),
            render.Column("read", "", lambda v: "" if v else "●"),
            render.Column("type", "TYPE"),
            render.Column("title", "TITLE", max_width=30),
            render.Column("message", "MESSAGE", max_width=60),
            render.Column("created_at", "WHEN", render.local_time),
        ],
        as_json=as_json,
        fields=fields,
        total=total,
    )
