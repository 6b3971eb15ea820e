"""The everyday read commands, and `edit`, run without building the Typer app.

Building a Typer command imports pydantic (Typer coerces every parameter through a pydantic
TypeAdapter), about 10x a bare Python start on these machines: more than the whole budget of a
command people run dozens of times a day. For the commands in EVERYDAY, this module reads the
options straight from the command function's own `typer.Option`/`typer.Argument` declarations and
calls it, through the same error funnel as `cli.py`, after the options' validation callbacks.
Anything it does not fully understand (help, an unknown or malformed option, a value out of range,
a missing argument, a value a callback refuses) is left to Typer, so every message and exit code
stays Typer's own. `edit` is here too: its start-up is part of the overhead of every photo edit,
which should cost little beyond the edit itself.
"""

from __future__ import annotations

import importlib
import inspect

EVERYDAY = frozenset(
    {
        ("auth", "status"),
        ("auth", "token"),
        ("credits", "balance"),
        ("credits", "history"),
        ("crm", "contacts", "list"),
        ("crm", "contacts", "show"),
        ("crm", "listings", "list"),
        ("media", "list"),
        ("notifications", "list"),
        ("profile", "show"),
        ("projects", "list"),
        ("projects", "show"),
    }
)
SUBMISSIONS = frozenset({("edit",)})
FAST = EVERYDAY | SUBMISSIONS
_CONVERTERS = {"str": str, "int": int, "float": float, "Path": None}  # Path: imported when used
_LISTS = {f"list[{kind}]": kind for kind in _CONVERTERS}


class _NotMine(Exception):
    """The arguments need Typer (help, an error to report, an option this parser does not know)."""


def _split_profile(argv: list[str]) -> tuple[str | None, list[str]]:
    """The root's `--profile NAME` / `-p NAME` in front of the command, and the rest."""
    if argv[:1] in (["--profile"], ["-p"]) and len(argv) > 1:
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--profile="):
        return argv[0].split("=", 1)[1], argv[1:]
    return None, argv


def _command(path: tuple[str, ...]):
    from stagefy_cli.cli import COMMANDS

    app = importlib.import_module(COMMANDS[path[0]][0]).app
    for group in path[1:-1]:
        app = next(info.typer_instance for info in app.registered_groups if info.name == group)
    for info in app.registered_commands:
        if (info.name or info.callback.__name__.lower().replace("_", "-")) == path[-1]:
            return info.callback
    raise _NotMine


def _options(function) -> tuple[dict, list, dict]:
    """{flag: parameter}, [positional parameters], {name: default} from the declarations. Of the
    list types only a positional `list[...]`, the last one, is understood (`edit PHOTO...`)."""
    from typer.models import ArgumentInfo, OptionInfo

    flags, positional, values = {}, [], {}
    for parameter in inspect.signature(function).parameters.values():
        info = parameter.default
        annotation = parameter.annotation  # a string under `from __future__ import annotations`
        kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", None)
        if kind not in (*_CONVERTERS, "bool") and not (kind in _LISTS and isinstance(info, ArgumentInfo)):
            raise _NotMine
        if isinstance(info, OptionInfo):
            for decl in info.param_decls:
                if "/" in decl:
                    raise _NotMine
                flags[decl] = (parameter.name, kind, info)
        elif isinstance(info, ArgumentInfo):
            if positional and positional[-1][1] in _LISTS:
                raise _NotMine  # an argument after a list of them
            positional.append((parameter.name, kind, info))
        else:
            raise _NotMine
        values[parameter.name] = info.default
    return flags, positional, values


def _convert(kind: str, text: str, info):
    if kind == "Path":
        from pathlib import Path

        return Path(text)
    try:
        value = _CONVERTERS[kind](text)
    except ValueError:
        raise _NotMine from None
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _NotMine
    return value


def _parse(function, args: list[str]) -> dict:
    flags, positional, values = _options(function)
    tokens = list(args)
    given = []
    while tokens:
        token = tokens.pop(0)
        if token.startswith("-") and token != "-":
            name, _, inline = token.partition("=")
            if name not in flags:
                raise _NotMine  # --help, --, bundled short flags, unknown options
            key, kind, info = flags[name]
            if kind == "bool":
                if inline:
                    raise _NotMine
                values[key] = True
                continue
            if not inline and not tokens:
                raise _NotMine
            values[key] = _convert(kind, inline or tokens.pop(0), info)
        else:
            given.append(token)
    variadic = positional and positional[-1][1] in _LISTS
    if len(given) > len(positional) and not variadic:
        raise _NotMine
    for index, (key, kind, info) in enumerate(positional):
        if kind in _LISTS:
            texts = given[index:]
            if texts:
                values[key] = [_convert(_LISTS[kind], text, info) for text in texts]
        elif index < len(given):
            values[key] = _convert(kind, given[index], info)
    if any(value is ... for value in values.values()):
        raise _NotMine  # a required argument is missing: Typer says which
    _run_callbacks(function, values)
    return values


def _run_callbacks(function, values: dict) -> None:
    """Each option's validation callback, with what Typer would pass it: a context whose `params`
    are the parsed values (parameters annotated `typer.Context`) and the value. Whatever a callback
    refuses, or needs beyond that, is left to Typer, which runs it again and reports it."""
    from types import SimpleNamespace

    for parameter in inspect.signature(function).parameters.values():
        callback = getattr(parameter.default, "callback", None)
        if callback is None:
            continue
        ctx = SimpleNamespace(params=dict(values))
        arguments = []
        for declared in inspect.signature(callback).parameters.values():
            annotation = str(declared.annotation)
            arguments.append(ctx if annotation.endswith("Context") else values[parameter.name])
        try:
            values[parameter.name] = callback(*arguments)
        except Exception:  # noqa: BLE001 - Typer gives the refusal its proper message and exit code
            raise _NotMine from None


def run(argv: list[str]) -> int | None:
    """Run `argv` when it is a command of FAST this module can parse; its exit code, or None
    when Typer must handle it."""
    profile, rest = _split_profile(argv)
    path = next((tuple(rest[:n]) for n in (3, 2, 1) if tuple(rest[:n]) in FAST), None)
    if path is None:
        return None
    try:
        function = _command(path)
        kwargs = _parse(function, rest[len(path) :])
    except _NotMine:
        return None
    return _invoke(function, kwargs, profile, rest)


def _invoke(function, kwargs: dict, profile: str | None, args: list[str]) -> int:
    from stagefy_cli import cli
    from stagefy_cli.services.notifications import unread_notice

    cli.begin_command(profile)
    try:
        function(**kwargs)
    except cli.typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:  # `stagefy crm contacts list | head -1`: quiet, as cli.py does
        cli.render.exit_closed_pipe()
    except (KeyboardInterrupt, cli.typer.Abort):  # Ctrl-C, or Ctrl-D at a prompt
        return cli.cancelled()
    except Exception as exc:  # every error reaches the user as one line, as in cli.py
        return cli.report_error(exc, function)
    cli.render.quick_notice(unread_notice(args))
    return 0
