"""`stagefy credits`: balance (and, with billing, history, prices and packs)."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, command_group

app = command_group("Your credit balance, history and prices.")


@app.callback()
def credits() -> None:
    """Your credit balance, history and prices."""


@app.command()
def balance(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show how many credits you have.

    Example: stagefy credits balance --json
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import account

    info = account.balance(client.signed_in())
    if as_json:
        render.emit_json(info, fields)
        return
    if render.stdout_is_tty():
        render.console().print(f"[bold]{info['credits']}[/bold] credits ({info['subscription_tier']} plan)")
    else:
        typer.echo(info["credits"])


@app.command()
def prices(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show what each kind of work costs, in credits (the server's price list).

    Example: stagefy credits prices --json
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import edits

    rows = edits.prices(client.signed_in())
    if as_json:
        render.emit_json(rows, fields)
        return
    render.print_table(
        rows,
        [
            render.Column("code", "WORK"),
            render.Column("credits", "CREDITS"),
            render.Column("description", "WHAT"),
        ],
    )
