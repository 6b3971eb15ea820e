"""`stagefy plans`: the monthly plans for sale."""

from __future__ import annotations

from stagefy_cli.commands.options import FIELDS, JSON, command_group

app = command_group("Monthly plans: price and credits.")


@app.command()
def plans(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show the monthly plans (price in ZAR, credits each month).

    Example: stagefy plans --json
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import billing

    rows = billing.plans(client.signed_in())
    if as_json:
        render.emit_json(rows, fields)
        return
    render.print_table(
        rows,
        [
            render.Column("code", "PLAN"),
            render.Column("name", "NAME"),
            render.Column("monthly_credits", "CREDITS/MONTH"),
            render.Column("price_zar", "PRICE/MONTH", render.money),
        ],
    )
    render.notice("Subscribe with: stagefy subscription start PLAN")
