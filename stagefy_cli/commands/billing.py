"""`stagefy billing`: the PayFast payment handler (operators), and the checkout output shared by
`credits buy` and `subscription start`."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import command_group

app = command_group("PayFast payment handler (operators).")


@app.callback()
def billing() -> None:
    """PayFast payment handler (operators)."""


def show_checkout(checkout: dict, open_browser: bool, as_json: bool) -> None:
    """The signed link on stdout (JSON with --json), what it buys on stderr, the browser if asked."""
    from stagefy_cli import render

    if as_json:
        render.emit_json(checkout)
    else:
        per = " a month" if checkout["kind"] == "subscription" else ""
        render.notice(
            f"{checkout['item_name']}: {checkout['credits']} credits{per} for "
            f"{render.money(checkout['amount'])}{per}. Pay at PayFast:"
        )
        typer.echo(checkout["url"])
    if open_browser:
        import webbrowser

        if not webbrowser.open(checkout["url"]):
            render.notice("Could not open a browser; open the link above yourself.")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8787, "--port", help="Port to listen on."),
) -> None:
    """Run the PayFast ITN handler: checks each notification and applies it with the service role.

    Reads PAYFAST_MERCHANT_ID, PAYFAST_MERCHANT_KEY, PAYFAST_PASSPHRASE (or PAYFAST_SANDBOX=1),
    SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY from the environment. Point PayFast's notify_url
    (STAGEFY_PAYFAST_NOTIFY_URL) at it.

    Example: stagefy billing serve --host 0.0.0.0 --port 8787
    """
    import logging

    import uvicorn

    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.billing.apply import create_payfast_itn_app
    from stagefy_cli.billing.config import PayFastConfig

    config = PayFastConfig.from_env()
    app_ = create_payfast_itn_app(client.service_client(), config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    mode = "sandbox" if config.sandbox else "live"
    render.notice(f"PayFast ITN handler ({mode}) listening on http://{host}:{port}/")
    uvicorn.run(app_, host=host, port=port, log_level="warning")
