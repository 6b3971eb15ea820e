"""The commands the fast path serves, and the index of their parameters it parses from.

`python -m stagefy_cli.completions` (which calls `write`) generates `fast_index.py` from the Typer
app; a test fails when it is stale, and another parses many command lines both through the fast path
and through Typer and compares what the command receives. A command is indexed only when every
feature of every parameter is one the fast path implements (see `_refusal`); any other command, or a
parameter gaining such a feature (an `envvar`, a prompt, a count, a custom parser...), is marked to
be handed back to Typer, which then parses it as it always does.
"""

from __future__ import annotations

import functools
import inspect
import typing
from pathlib import Path

EVERYDAY = (
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
)
# `edit`: its start-up is part of the overhead of every photo edit. Its work imports Typer (it
# prompts and exits through it), but not the Typer app, its commands, nor pydantic.
SUBMISSIONS = (("edit",),)
FAST = EVERYDAY + SUBMISSIONS
INDEX_MODULE = "fast_index.py"

_TYPES = {str: "str", int: "int", float: "float", bool: "bool", Path: "Path"}
# Declaration attributes the fast path honours (or that only shape help and completion); a value
# other than the default in any other attribute hands the command back to Typer.
_HANDLED = {
    "default",
    "param_decls",
    "callback",
    "metavar",
    "is_eager",
    "help",
    "hidden",
    "show_default",
    "show_choices",
    "show_envvar",
    "rich_help_panel",
    "autocompletion",
    "shell_complete",
    "min",
    "max",
}
_CHECKS_MODULE = "stagefy_cli.commands.checks"


class _Unsupported(Exception):
    pass


def _check(callback) -> list | None:
    """A callback as the index names it: [module:function, [bound arguments]]."""
    if callback is None:
        return None
    check = getattr(callback, "check", None)
    function, args = (check.func, list(check.args)) if isinstance(check, functools.partial) else (check, [])
    if check is None or getattr(function, "__module__", None) != _CHECKS_MODULE:
        raise _Unsupported(f"callback {getattr(callback, '__qualname__', callback)!r} is not a check")
    return [f"{function.__module__}:{function.__qualname__}", args]


def _names(names: list[str]) -> list[str]:
    for name in names:
        if not (name.startswith("--") and len(name) > 2) and not (len(name) == 2 and name[0] == "-"):
            raise _Unsupported(f"option name {name!r}")
    return list(names)


def _param(param, info, annotation, last: bool) -> dict:
    """One parameter's entry, or _Unsupported naming the feature the fast path lacks."""
    defaults = vars(type(info)())
    extra = sorted(k for k, v in vars(info).items() if k not in _HANDLED and v != defaults.get(k))
    if extra:
        raise _Unsupported(f"{param.name}: {', '.join(extra)}")
    default = info.default
    if default is ...:
        default = None
    if default is not None and type(default) not in (str, int, float, bool):
        raise _Unsupported(f"{param.name}: default {default!r}")
    listed = typing.get_origin(annotation) is list
    kind = _TYPES.get(typing.get_args(annotation)[0] if listed else annotation)
    option = param.param_type_name == "option"
    if kind is None:
        raise _Unsupported(f"{param.name}: type {annotation!r}")
    if option and (
        param.multiple
        or param.count
        or param.nargs != 1
        or param.envvar
        or param.prompt
        or listed
        or bool(param.is_flag) != (kind == "bool")
    ):
        raise _Unsupported(f"{param.name}: option features")
    if not option and (param.envvar or (listed != (param.nargs == -1)) or (listed and not last)):
        raise _Unsupported(f"{param.name}: argument features")
    if not option and kind == "bool":
        raise _Unsupported(f"{param.name}: a bool argument")
    if not param.expose_value:
        raise _Unsupported(f"{param.name}: not exposed")
    return {
        "name": param.name,
        "option": option,
        "on": _names(param.opts) if option else [],
        "off": _names(param.secondary_opts) if option else [],
        "type": kind,
        "list": listed,
        "required": bool(param.required),
        "default": default,
        "min": info.min,
        "max": info.max,
        "eager": bool(param.is_eager),
        "check": _check(param.callback),
    }


def _does_nothing(function) -> bool:
    """A function whose body is only its docstring (a group's callback that just gives its help)."""

    def empty() -> None:
        """Help."""

    return function.__code__.co_code == empty.__code__.co_code


def entry(command, function, groups=(), group_callbacks=()) -> dict:
    """The index entry of a Click command built by Typer from `function` (the registered one), with
    the Click groups above it and their Typer callbacks: its parameters and the function the fast
    path calls, or the reason it is handed back to Typer. The fast path runs no group callback, so
    one that does anything but give its help hands the command back."""
    try:
        for group in groups:
            if group.params:
                raise _Unsupported(f"group {group.name!r} has parameters")
        for callback in group_callbacks:
            if not _does_nothing(callback):
                raise _Unsupported(f"group callback {callback.__qualname__!r} does something")
        if (
            command.context_settings.get("ignore_unknown_options")
            or not command.allow_interspersed_args
            or command.allow_extra_args
            or command.no_args_is_help
        ):
            raise _Unsupported("command settings")
        hints = typing.get_type_hints(function)
        declared = inspect.signature(function).parameters
        params = [p for p in command.params if p.name in declared]
        if len(params) != len(declared) or len(params) != len(command.params):
            raise _Unsupported("parameters the function does not declare")
        arguments = [p for p in params if p.param_type_name == "argument"]
        entries = [
            _param(
                p, declared[p.name].default, hints[p.name], last=p is arguments[-1] if arguments else False
            )
            for p in params
        ]
    except _Unsupported as exc:
        return {"hand_back": str(exc)}
    work = getattr(function, "work", None) or f"{function.__module__}:{function.__qualname__}"
    return {"work": work, "params": entries}


def _registered(app, name: str):
    for info in app.registered_commands:
        if (info.name or info.callback.__name__.lower().replace("_", "-")) == name:
            return info.callback
    raise LookupError(name)


def declared(path: tuple[str, ...]):
    """The Click command Typer builds for `path`, the function registered for it, the Click groups
    above it, and their Typer callbacks."""
    import importlib

    import typer

    from stagefy_cli.cli import COMMANDS

    app = importlib.import_module(COMMANDS[path[0]][0]).app
    command, groups, callbacks = typer.main.get_command(app), [], []
    for group in path[1:-1]:
        callbacks.append(app.registered_callback)
        info = next(info for info in app.registered_groups if info.name == group)
        callbacks.append(info)
        app = info.typer_instance
    if len(path) > 1:
        callbacks.append(app.registered_callback)
    for name in path[1:]:
        groups.append(command)
        command = command.commands[name]
    found = [info.callback for info in callbacks if info is not None and callable(info.callback)]
    return command, _registered(app, path[-1]), groups, found


def build_index() -> dict:
    """{command path: entry} for every command of FAST."""
    return {" ".join(path): entry(*declared(path)) for path in FAST}


def index_source(index: dict) -> str:
    """The text of `fast_index.py` for `index`."""
    import pprint

    return (
        '"""Generated by `python -m stagefy_cli.completions` from the Typer app: do not edit."""\n\n'
        f"INDEX = {pprint.pformat(index, width=110, sort_dicts=True)}\n"
    )


def write() -> None:
    """Rewrite `fast_index.py` and its bytecode (so no command pays for compiling it)."""
    import py_compile

    index_file = Path(__file__).with_name(INDEX_MODULE)
    index_file.write_text(index_source(build_index()), encoding="utf-8")
    py_compile.compile(str(index_file), doraise=True)
