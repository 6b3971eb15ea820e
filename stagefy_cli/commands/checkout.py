"""The checkout output shared by `credits buy` and `subscription start`."""

from __future__ import annotations

import typer


def show_checkout(checkout: dict, open_browser: bool, as_json: bool) -> None:
    """The signed link on stdout (JSON with --json), what it buys on stderr, the browser if asked."""
    from stagefy_cli import render

    render.output(checkout, as_json=as_json, show=lambda: _print_checkout(checkout))
    if open_browser:
        import webbrowser

        if not webbrowser.open(checkout["url"]):
            render.notice("Could not open a browser; open the link above yourself.")


def _print_checkout(checkout: dict) -> None:
    from stagefy_cli import render

    per = " a month" if checkout["kind"] == "subscription" else ""
    render.notice(
        f"{checkout['item_name']}: {checkout['credits']} credits{per} for "
        f"{render.money(checkout['amount'])}{per}. Pay at PayFast:"
    )
    typer.echo(checkout["url"])
    payment = checkout["m_payment_id"]
    if "/payfast-sandbox/" in checkout["url"]:  # the local stack plays PayFast: no money moves
        render.notice(
            f"Payment {payment}. This stack plays PayFast itself; finish the payment with: "
            f"stagefy local payfast complete {payment}"
        )
    else:
        render.notice(
            f"Payment {payment}. The credits arrive once PayFast confirms it; see: stagefy credits balance"
        )
