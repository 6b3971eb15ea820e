"""Options shared by many commands, defined once so every command spells them the same way."""

from __future__ import annotations

import typer


def complete_from(values: tuple[str, ...]):
    """Shell completion for an option or argument that takes one of a fixed set of values."""
    return lambda incomplete: [value for value in values if value.startswith(incomplete)]


def one_of(values: tuple[str, ...]) -> str:
    """`a, b or c`: a set of values as help text lists it."""
    return f"{', '.join(values[:-1])} or {values[-1]}" if len(values) > 1 else values[0]


def choice(values: tuple[str, ...], *decls: str, help: str, default=None, refuse: bool = True):
    """An option that takes one of `values` (a set from `stagefy_cli.models`): `{values}` in `help`
    lists them, the shell completes them, and with `refuse` any other value is refused before the
    command runs, as `unknown --flag 'x'. Choose one of: ...` (exit 2). `refuse=False` leaves the
    refusal to a service whose own message reports every problem of a record at once.

    A validating callback rather than `click.Choice` or an Enum annotation: the everyday commands'
    fast path (fast_path.py) reads plain `str` options and runs their callbacks itself, and the
    message stays the one the services give for the same mistake."""
    flag = decls[0]

    def check(value):
        if refuse:
            from stagefy_cli.services.fields import check_choice

            check_choice(value, values, flag)
        return value

    return typer.Option(
        default,
        *decls,
        help=help.format(values=one_of(values)),
        autocompletion=complete_from(values),
        callback=check,
    )


def _needs_json(ctx: typer.Context, value):
    """`--fields` narrows `--json` output; alone it would be silently ignored, so it is refused."""
    if value and not ctx.params.get("as_json"):
        raise typer.BadParameter("it narrows --json output; add --json")
    return value


# eager: read before --fields whatever the order on the command line, so _needs_json sees it
JSON = typer.Option(
    False, "--json", is_eager=True, help="Print JSON (the schema's column names) instead of a table."
)
FIELDS = typer.Option(
    None,
    "--fields",
    help="With --json, only these comma-separated fields.",
    metavar="A,B",
    callback=_needs_json,
)
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
# the download policy (docs/downloads.md): never overwrite a file unless asked
FORCE = typer.Option(False, "--force", help="Overwrite files of the same name instead of adding -2, -3.")
LIMIT = typer.Option(30, "--limit", "-L", min=1, max=10000, help="Show at most this many rows.")
TIMEOUT = typer.Option(None, "--timeout", min=0, help="Stop waiting after this many seconds (exit 8).")


def _folder(value):
    """`--out` names a folder (made when missing); an existing file is refused before any work."""
    if value is not None and value.exists() and not value.is_dir():
        raise typer.BadParameter(f"{value} is a file, not a folder")
    return value


def _prefix_to_delete(value: str) -> str:
    from stagefy_cli.errors import UsageError
    from stagefy_cli.services.ids import check_prefix_to_delete

    try:
        return check_prefix_to_delete(value)
    except UsageError as exc:
        raise typer.BadParameter(exc.message.rstrip(".")) from None


def id_to_delete(noun: str):
    """The ID argument of a command that deletes: at least 4 characters of it."""
    return typer.Argument(
        ..., help=f"{noun} ID (at least its first 4 characters).", callback=_prefix_to_delete
    )


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
