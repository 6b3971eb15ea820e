"""`stagefy auth`: sign up, sign in, sign out, status, token."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, choice, command_group, read_password
from stagefy_cli.commands.reads import account as reads
from stagefy_cli.commands.reads import runs
from stagefy_cli.models import USE_CASES

app = command_group("Sign up, sign in and out, and see who you are.")


def _show_signed_in(profile: dict, as_json: bool, fields: str | None, verb: str) -> None:
    from stagefy_cli import render

    render.output(profile, as_json=as_json, fields=fields, show=lambda: _print_signed_in(profile, verb))


def _print_signed_in(profile: dict, verb: str) -> None:
    from stagefy_cli import render

    if profile.get("confirmation_required"):
        render.notice(f"Check {profile['email']} for a confirmation link, then run: stagefy auth login")
        return
    render.success(
        f"{verb} as {profile['email']} ({profile['full_name']}). Balance: {profile['credits']} credits."
    )


@app.command()
def signup(
    email: str = typer.Option(..., "--email", "-e", help="Your email address."),
    name: str = typer.Option(..., "--name", "-n", help="Your full name, as clients see it."),
    brokerage: str = typer.Option(None, "--brokerage", help="Your brokerage."),
    market: str = typer.Option(None, "--market", help="The area you sell in, e.g. 'Cape Town'."),
    use_case: str = choice(USE_CASES, "--use-case", help="{values}.", refuse=False),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Create a Stagefy account (50 free credits) and sign in.

    Example: stagefy auth signup --email thandi@example.com --name "Thandi Mokoena" --brokerage "Coastal Realty"
    """
    from stagefy_cli.services import account

    password = read_password(password_stdin, confirm=True)
    profile = account.sign_up(email, password, name, brokerage=brokerage, market=market, use_case=use_case)
    _show_signed_in(profile, as_json, fields, "Signed up")


@app.command()
def login(
    email: str = typer.Option(..., "--email", "-e", help="Your email address."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Sign in; the session is kept in your OS keyring and refreshed automatically.

    Example: echo "$PASSWORD" | stagefy auth login --email thandi@example.com --password-stdin
    """
    from stagefy_cli.services import account

    profile = account.sign_in(email, read_password(password_stdin))
    _show_signed_in(profile, as_json, fields, "Signed in")


@app.command()
def logout() -> None:
    """Sign out: revoke the session and forget it on this machine.

    Example: stagefy auth logout
    """
    from stagefy_cli import render
    from stagefy_cli.services import account

    if account.sign_out():
        render.success("Signed out.")
    else:
        render.notice("Not signed in.")


@app.command()
@runs(reads.status)
def status(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show who is signed in, on which profile.

    Example: stagefy auth status --json
    """


@app.command()
@runs(reads.token)
def token() -> None:
    """Print the current access token, for scripting (it is a secret: do not share it).

    Example: curl -H "Authorization: Bearer $(stagefy auth token)" ...
    """
