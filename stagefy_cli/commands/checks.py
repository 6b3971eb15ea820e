"""The checks that options and arguments run before a command does, without Typer.

Each check takes the value and the parameters read before it (`ctx.params` under Typer), and returns
the value or refuses it. `options.py` hands them to Typer as callbacks (a `Refused` becomes Typer's
`BadParameter`); the fast path (fast_path.py) runs the same functions, named in its generated index,
and leaves any refusal to Typer, which runs the check again and reports it.
"""

from __future__ import annotations

from stagefy_cli.errors import UsageError


class Refused(Exception):
    """A value a check refuses, reported by Typer as `Invalid value for '--flag': <message>`."""


def one_of(values: tuple[str, ...], flag: str, refuse: bool, value, params: dict):
    """With `refuse`, any value outside `values` is refused as `unknown --flag 'x'. Choose one of: ...`
    (exit 2, the message the services give for the same mistake)."""
    if refuse:
        from stagefy_cli.services.fields import check_choice

        check_choice(value, values, flag)
    return value


def needs_json(value, params: dict):
    """`--fields` narrows `--json` output; alone it would be silently ignored, so it is refused."""
    if value and not params.get("as_json"):
        raise Refused("it narrows --json output; add --json")
    return value


def folder(value, params: dict):
    """`--out` names a folder (made when missing); an existing file is refused before any work."""
    if value is not None and value.exists() and not value.is_dir():
        raise Refused(f"{value} is a file, not a folder")
    return value


def prefix_to_delete(value: str, params: dict) -> str:
    from stagefy_cli.services.ids import check_prefix_to_delete

    try:
        return check_prefix_to_delete(value)
    except UsageError as exc:
        raise Refused(exc.message.rstrip(".")) from None
