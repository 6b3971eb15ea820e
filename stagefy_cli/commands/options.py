"""Options shared by many commands, defined once so every command spells them the same way."""

from __future__ import annotations

import typer

JSON = typer.Option(False, "--json", help="Print JSON (the schema's column names) instead of a table.")
FIELDS = typer.Option(None, "--fields", help="With --json, only these comma-separated fields.", metavar="A,B")
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
LIMIT = typer.Option(30, "--limit", "-L", min=1, max=10000, help="Show at most this many rows.")
TIMEOUT = typer.Option(None, "--timeout", min=0, help="Stop waiting after this many seconds (exit 8).")


def _folder(value):
    """`--out` names a folder (made when missing); an existing file is refused before any work."""
    if value is not None and value.exists() and not value.is_dir():
        raise typer.BadParameter(f"{value} is a file, not a folder")
    return value


def out_folder(help: str, default=None):
    """The `--out FOLDER` option of every command that saves results, checked before anything runs."""
    return typer.Option(default, "--out", "-o", help=help, callback=_folder)


def read_password(password_stdin: bool, *, confirm: bool = False) -> str:
    """The password from stdin (`--password-stdin`) or a no-echo prompt on a terminal."""
    import sys

    from stagefy_cli.errors import UsageError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("no password on standard input.")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password on; pipe it in with --password-stdin.")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=confirm, err=True)


def command_group(help: str) -> typer.Typer:
    """A command group as every Stagefy group is made: help text, help when run bare, no
    per-group completion installers (completion is installed once, from the root)."""
    return typer.Typer(help=help, no_args_is_help=True, add_completion=False)
