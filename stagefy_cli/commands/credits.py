"""`stagefy credits`: balance, history, prices, and buying packs through PayFast."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, LIMIT, choice, command_group
from stagefy_cli.commands.reads import credits as reads
from stagefy_cli.commands.reads import runs
from stagefy_cli.models import TRANSACTION_TYPES

app = command_group("Your credit balance, history and prices.")


@app.callback()
def credits() -> None:
    """Your credit balance, history and prices."""


@app.command()
@runs(reads.balance)
def balance(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show how many credits you have.

    Example: stagefy credits balance --json
    """


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
@runs(reads.history)
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
