"""Options shared by many commands, defined once so every command spells them the same way."""

from __future__ import annotations

import functools

import typer

from stagefy_cli.commands import checks


def checked(check):
    """A Typer callback running `check` (a function of `checks`, or a partial of one): a refusal
    becomes Typer's `BadParameter`. The check is kept on the callback for the fast path's index."""

    def callback(ctx: typer.Context, value):
        try:
            return check(value, ctx.params)
        except checks.Refused as exc:
            raise typer.BadParameter(str(exc)) from None

    callback.check = check
    return callback


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
    fast path (fast_path.py) reads plain `str` options and runs the same check itself, and the
    message stays the one the services give for the same mistake."""
    return typer.Option(
        default,
        *decls,
        help=help.format(values=one_of(values)),
        autocompletion=complete_from(values),
        callback=checked(functools.partial(checks.one_of, values, decls[0], refuse)),
    )


# eager: read before --fields whatever the order on the command line, so checks.needs_json sees it
JSON = typer.Option(
    False, "--json", is_eager=True, help="Print JSON (the schema's column names) instead of a table."
)
FIELDS = typer.Option(
    None,
    "--fields",
    help="With --json, only these comma-separated fields.",
    metavar="A,B",
    callback=checked(checks.needs_json),
)
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
# the download policy (docs/downloads.md): never overwrite a file unless asked
FORCE = typer.Option(False, "--force", help="Overwrite files of the same name instead of adding -2, -3.")
LIMIT = typer.Option(30, "--limit", "-L", min=1, max=10000, help="Show at most this many rows.")
TIMEOUT = typer.Option(None, "--timeout", min=0, help="Stop waiting after this many seconds (exit 8).")

# `--preview` and `--open` (before_after.py draws and opens the comparison)
PREVIEW = typer.Option(
    False,
    "--preview",
    help="Draw each result beside its original in the terminal (images in kitty, iTerm2, WezTerm "
    "and sixel terminals, coloured blocks elsewhere; STAGEFY_PREVIEW=kitty|iterm2|sixel|blocks|off overrides).",
)
OPEN = typer.Option(
    False,
    "--open",
    help="Open a before/after comparison image in the system viewer (STAGEFY_VIEWER overrides).",
)


def id_to_delete(noun: str):
    """The ID argument of a command that deletes: at least 4 characters of it."""
    return typer.Argument(
        ..., help=f"{noun} ID (at least its first 4 characters).", callback=checked(checks.prefix_to_delete)
    )


def out_folder(help: str, default=None):
    """The `--out FOLDER` option of every command that saves results, checked before anything runs."""
    return typer.Option(default, "--out", "-o", help=help, callback=checked(checks.folder))


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
