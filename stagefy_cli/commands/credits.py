"""`stagefy credits`: balance, history, prices, and buying packs through PayFast."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, LIMIT, choice, command_group
from stagefy_cli.models import TRANSACTION_TYPES

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
    render.output(info, as_json=as_json, fields=fields, show=lambda: _print_balance(info))


def _print_balance(info: dict) -> None:
    """The balance, and the plan on a terminal; only the number when piped."""
    from stagefy_cli import render

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
    from stagefy_cli.services import ledger

    rows = ledger.prices(client.signed_in())
    render.output(
        rows,
        [
            render.Column("code", "WORK"),
            render.Column("credits", "CREDITS"),
            render.Column("description", "WHAT"),
        ],
        as_json=as_json,
        fields=fields,
    )


@app.command()
def history(
    tx_type: str = choice(TRANSACTION_TYPES, "--type", help="Only this kind: {values}."),
    since: str = typer.Option(None, "--since", help="Only from this date (YYYY-MM-DD) or ISO time on."),
    limit: int = LIMIT,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Show your credit ledger, newest first: what came in and what was spent.

    Example: stagefy credits history --type purchase --since 2026-01-01
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import ledger

    rows, total = ledger.history(client.signed_in(), tx_type=tx_type, since=since, limit=limit)
    render.output(
        rows,
        [
            render.Column("created_at", "WHEN", render.local_time),
            render.Column("amount", "CREDITS", lambda v: f"{v:+d}"),
            render.Column("type", "TYPE"),
            render.Column("description", "WHAT", max_width=60),
        ],
        as_json=as_json,
        fields=fields,
        total=total,
    )


@app.command()
def packs(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show the credit packs for sale (price in ZAR).

    Example: stagefy credits packs --json
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import billing

    rows = billing.packs(client.signed_in())
    render.output(rows, as_json=as_json, fields=fields, show=lambda: _print_packs(rows))


def _print_packs(rows: list[dict]) -> None:
    from stagefy_cli import render

    render.print_table(
        rows,
        [
            render.Column("code", "PACK"),
            render.Column("name", "NAME"),
            render.Column("credits", "CREDITS"),
            render.Column("price_zar", "PRICE", render.money),
        ],
    )
    render.notice("Buy one with: stagefy credits buy PACK")


@app.command()
def buy(
    pack: str = typer.Argument(..., help="The pack's code (see: stagefy credits packs)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the payment page in your browser."),
    as_json: bool = JSON,
) -> None:
    """Print a signed PayFast payment link for a credit pack; credits arrive once PayFast confirms.

    Example: stagefy credits buy starter --open
    """
    from stagefy_cli.backend import client
    from stagefy_cli.commands.checkout import show_checkout
    from stagefy_cli.services import billing

    show_checkout(billing.pack_checkout(client.signed_in(), pack), open_browser, as_json)
