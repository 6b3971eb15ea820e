"""`stagefy local`: the embedded local stack (PostgreSQL + API gateway + worker) on 127.0.0.1."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, YES, command_group

app = command_group("Run the embedded local stack (database, API, worker).")

PORT = typer.Option(
    None, "--port", envvar="STAGEFY_LOCAL_PORT", help="Port of the API gateway (default 54321)."
)


@app.command()
def start(port: int = PORT, as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Start PostgreSQL, apply migrations and serve the API and Edge Functions in the background.

    Example: stagefy local start --port 54321
    """
    from stagefy_cli import render
    from stagefy_cli.local.stack import LocalStack

    stack = LocalStack()
    was_running = stack.is_running()
    if not as_json and not was_running:
        render.notice("Starting the local stack...")
    state = stack.start(port)
    render.output(
        _status(stack),
        as_json=as_json,
        fields=fields,
        done=("Already running" if was_running else "Local stack running") + f" at {state.api_url}",
    )


def _status(stack) -> dict:
    state = stack.state()
    running = stack.is_running()
    keys = stack.keys() if stack.keys_path.exists() else None
    return {
        "running": running,
        "api_url": state.api_url if state and running else None,
        "publishable_key": keys.publishable_key if keys else None,
        "secret_key": keys.secret_key if keys else None,
        "anon_key": keys.anon_key if keys else None,
        "service_role_key": keys.service_role_key if keys else None,
        "db_url": state.db_url if state and running else None,
        "data_dir": str(stack.root),
    }


@app.command()
def status(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show whether the stack runs, its URLs and keys, new and legacy (like `supabase status`).

    Example: stagefy local status --json
    """
    from stagefy_cli import render
    from stagefy_cli.local.stack import LocalStack

    info = _status(LocalStack())
    render.output(info, [render.Column(k) for k in info], as_json=as_json, fields=fields)
    if not info["running"]:
        raise typer.Exit(1)


@app.command()
def stop() -> None:
    """Stop the local stack (its data is kept).

    Example: stagefy local stop
    """
    from stagefy_cli import render
    from stagefy_cli.local.stack import LocalStack

    if LocalStack().stop():
        render.success("Local stack stopped.")
    else:
        render.notice("The local stack was not running.")


@app.command()
def reset(yes: bool = YES) -> None:
    """Stop the stack and delete all of its data (database, files, keys).

    Example: stagefy local reset --yes
    """
    from stagefy_cli import render
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.local.stack import LocalStack

    stack = LocalStack()
    if not render.confirm(f"Delete everything under {stack.root}?", yes):
        raise Cancelled("nothing deleted.")
    stack.reset()
    render.success("Local stack data deleted.")


@app.command()
def mail(
    to: str = typer.Option(None, "--to", help="Only the messages to this address."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Show the e-mails the local stack caught instead of sending (sign-up confirmations, password
    recovery, sign-in links), newest first, with their links and codes.

    Open a link (or fetch it) to confirm the address or sign in, as a user would from their inbox.

    Example: stagefy local mail --to ada@example.com --json
    """
    from stagefy_cli import render
    from stagefy_cli.local.mailbox import Mailbox
    from stagefy_cli.local.stack import LocalStack

    messages = Mailbox(LocalStack().mail_dir).messages(to)
    render.output(
        messages,
        [
            render.Column("sent_at", "SENT", render.local_time),
            render.Column("to", "TO"),
            render.Column("subject", "SUBJECT"),
            render.Column("code", "CODE"),
            render.Column("link", "LINK"),
        ],
        as_json=as_json,
        fields=fields,
    )


payfast = command_group("Play PayFast's part on the local stack: finish a checkout offline.")
app.add_typer(payfast, name="payfast")

FAIL = typer.Option(False, "--fail", help="Send a failed payment instead of a completed one.")


def _show_notice(sent: dict, as_json: bool) -> None:
    from stagefy_cli import render

    what = (
        "a replay of a notice already applied: nothing changed"
        if sent["replay"]
        else f"Stagefy recorded: {sent['outcome']}"
    )
    render.output(
        sent,
        as_json=as_json,
        done=f"PayFast (simulated) sent {sent['payment_status']} for {sent['m_payment_id']} "
        f"({render.money(sent['amount_gross'])}, pf_payment_id {sent['pf_payment_id']}); "
        f"the payment function answered {sent['function_answer']}, {what}.",
    )


@payfast.command()
def complete(
    m_payment_id: str = typer.Argument(
        ..., help="The m_payment_id that `credits buy` or `subscription start` printed."
    ),
    fail: bool = FAIL,
    as_json: bool = JSON,
) -> None:
    """Send the payment notification PayFast would send for a checkout (local stack only).

    Signed as PayFast signs it, from an address the local stack trusts; the stack also answers the
    function's validation postback. Sending it twice is a replay: nothing is credited twice.

    Example: stagefy local payfast complete pack-3f2a9c0d1e2f3a4b5c6d
    """
    from stagefy_cli.local.payfast import notify

    _show_notice(notify(m_payment_id, fail=fail), as_json)


@payfast.command()
def renew(
    m_payment_id: str = typer.Argument(..., help="The m_payment_id of the subscription's checkout."),
    fail: bool = FAIL,
    as_json: bool = JSON,
) -> None:
    """Send the notification of a subscription's next monthly payment (local stack only).

    Example: stagefy local payfast renew subscription-3f2a9c0d1e2f3a4b5c6d
    """
    from stagefy_cli.local.payfast import notify

    _show_notice(notify(m_payment_id, fail=fail, renew=True), as_json)
