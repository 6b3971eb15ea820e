"""`stagefy notifications`: what happened while you were away."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, LIMIT, command_group
from stagefy_cli.commands.reads import notifications as reads
from stagefy_cli.commands.reads import runs

app = command_group("What happened while you were away: finished jobs, low credits, payments.")


@app.command("list")
@runs(reads.list_notifications)
def list_(
    unread: bool = typer.Option(False, "--unread", help="Only notifications you have not read."),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """List your notifications, newest first.

    Example: stagefy notifications list --unread
    """


@app.command()
def read(
    notification_ids: list[str] = typer.Argument(None, help="Notification IDs (or their first characters)."),
    all_: bool = typer.Option(False, "--all", help="Mark every unread notification read."),
    as_json: bool = JSON,
) -> None:
    """Mark notifications read.

    Example: stagefy notifications read --all
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import UsageError
    from stagefy_cli.services import notifications

    if bool(notification_ids) == all_:
        raise UsageError("give notification IDs or --all (one of the two).")
    ctx = client.signed_in()
    count = notifications.mark_all_read(ctx) if all_ else len(notifications.mark_read(ctx, notification_ids))
    render.output({"marked_read": count}, as_json=as_json, done=f"Marked {count} notification(s) read.")
