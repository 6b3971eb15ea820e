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
    render.output(rows, as_json=as_json, fields=fields, show=lambda: _print_plans(rows))


def _print_plans(rows: list[dict]) -> None:
    from stagefy_cli import render

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
