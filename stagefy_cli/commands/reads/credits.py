"""`stagefy credits balance` and `credits history`."""

from __future__ import annotations


def balance(as_json: bool, fields: str | None) -> None:
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
        render.line(str(info["credits"]))


def history(tx_type: str | None, since: str | None, limit: int, as_json: bool, fields: str | None) -> None:
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
