"""The everyday read commands, and `edit`, run without Typer.

Importing Typer and building its commands (Typer coerces every parameter through pydantic) costs
several times a bare Python start: more than the whole budget of a command people run dozens of
times a day. For the commands in `fast_index.py` (generated from the Typer app by `fast_commands.py`),
this module parses the command line as Click's parser does, from the index, and calls the command's
work (a function without Typer, in `commands/reads/`) through the same start and error funnel as the
Typer app. It parses only what it is sure of: anything else (help, an unknown or malformed option,
bundled short flags, a value it does not convert exactly as Typer would, a missing or extra
argument, a value a check refuses) is handed back to Typer, so every message and exit code stays
Typer's own. tests/test_fast_path_parse.py proves the two parsers give the command the same values.
"""

from __future__ import annotations

import sys


class HandBack(Exception):
    """The arguments need Typer (help, an error to report, something this parser does not do)."""


def _split_profile(argv: list[str]) -> tuple[str | None, list[str]]:
    """The root's `--profile NAME` / `-p NAME` in front of the command, and the rest."""
    if argv[:1] in (["--profile"], ["-p"]) and len(argv) > 1:
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--profile="):
        return argv[0].split("=", 1)[1], argv[1:]
    return None, argv


def _number(text: str, kind: str, param: dict):
    """An int (`-12`) or a float (`-1.5`, `2`) written plainly, inside the declared range; any
    other spelling (`1e3`, ` 5`, `+5`, `5_000`, `inf`) is left to Typer."""
    whole, dot, fraction = text.removeprefix("-").partition(".")
    plain = whole.isascii() and whole.isdigit()
    if kind == "float" and dot:
        plain = plain and fraction.isascii() and fraction.isdigit()
    elif dot:
        plain = False
    if not plain:
        raise HandBack
    value = int(text) if kind == "int" else float(text)
    if (param["min"] is not None and value < param["min"]) or (
        param["max"] is not None and value > param["max"]
    ):
        raise HandBack
    return value


def _convert(text: str, param: dict):
    kind = param["type"]
    if kind == "str":
        return text
    if kind == "Path":
        if not text:
            raise HandBack
        from pathlib import Path

        return Path(text)
    return _number(text, kind, param)


def parse(entry: dict, args: list[str]) -> dict:
    """The values the command receives for `args`, as Typer would give them; HandBack otherwise."""
    if "hand_back" in entry:
        raise HandBack
    params = entry["params"]
    flags = {}
    for param in params:
        for name in param["on"]:
            flags[name] = (param, True)
        for name in param["off"]:
            flags[name] = (param, False)
    given: dict[str, object] = {}  # option name -> its last value, in Click's order
    order: list[str] = []  # parameters in the order the command line first gives them
    positional: list[str] = []
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        if token == "--":
            positional.extend(tokens)
            break
        if not token.startswith("-") or len(token) == 1:
            positional.append(token)
            continue
        name, equals, inline = token.partition("=")
        if name in flags and (name.startswith("--") or not equals):
            param, on = flags[name]
            if param["type"] == "bool":
                if equals:
                    raise HandBack  # `--json=1`: Click refuses it
                value = on
            elif equals:
                value = inline
            elif tokens:
                value = tokens.pop(0)  # even when it starts with a dash, as Click takes it
            else:
                raise HandBack  # the value is missing
        elif token[:2] in flags and flags[token[:2]][0]["type"] != "bool":
            param, value = flags[token[:2]][0], token[2:]  # `-L5`
        else:
            raise HandBack  # --help, an unknown option, bundled short flags
        given[param["name"]] = value
        if param["name"] not in order:
            order.append(param["name"])
    return _values(params, given, order, positional)


def _values(params: list[dict], given: dict, order: list[str], positional: list[str]) -> dict:
    arguments = [param for param in params if not param["option"]]
    raw: dict[str, object] = {}
    for index, param in enumerate(arguments):
        if param["list"]:
            raw[param["name"]] = positional[index:] or None
        elif index < len(positional):
            raw[param["name"]] = positional[index]
    if len(positional) > len(arguments) and not (arguments and arguments[-1]["list"]):
        raise HandBack  # an extra argument
    order = order + [param["name"] for param in arguments]

    def processing(param: dict) -> tuple[bool, float]:  # Click's iter_params_for_processing
        name = param["name"]
        return not param["eager"], order.index(name) if name in order else float("inf")

    values: dict[str, object] = {}
    for param in sorted(params, key=processing):
        name = param["name"]
        if not param["option"]:
            text = raw.get(name)
            value = None if text is None else _convert_all(text, param)
        elif name in given:
            value = given[name] if param["type"] == "bool" else _convert(given[name], param)
        else:
            value = param["default"]
        if value is None and param["required"]:
            raise HandBack  # Typer says which is missing
        values[name] = _checked(param, value, values)
    return {param["name"]: values[param["name"]] for param in params}


def _convert_all(text, param: dict):
    return [_convert(item, param) for item in text] if param["list"] else _convert(text, param)


def _checked(param: dict, value, values: dict):
    """The value after the parameter's check (what Typer's callback returns); a refusal is left to
    Typer, which runs the check again and reports it."""
    if param["check"] is None:
        return value
    function, args = param["check"]
    try:
        return _function(function)(*args, value, dict(values))
    except Exception:  # noqa: BLE001 - Typer gives the refusal its proper message and exit code
        raise HandBack from None


def _function(name: str):
    import importlib

    module, _, qualname = name.partition(":")
    return getattr(importlib.import_module(module), qualname)


def run(argv: list[str]) -> int | None:
    """Run `argv` when it is a command of the index this module can parse; its exit code, or None
    when Typer must handle it."""
    from stagefy_cli.fast_index import INDEX

    profile, rest = _split_profile(argv)
    path = next((" ".join(rest[:n]) for n in (3, 2, 1) if " ".join(rest[:n]) in INDEX), None)
    if path is None:
        return None
    entry = INDEX[path]
    try:
        kwargs = parse(entry, rest[len(path.split()) :])
    except HandBack:
        return None
    return _invoke(_function(entry["work"]), kwargs, profile, rest, entry["params"])


def option_flags(params: list[dict]) -> dict[str, list[str]]:
    """{parameter name: its flags} from a command's index entry: how the funnel names a field."""
    return {param["name"]: [*param["on"], *param["off"]] for param in params}


def _invoke(work, kwargs: dict, profile: str | None, args: list[str], params: list[dict]) -> int:
    from stagefy_cli import funnel, render
    from stagefy_cli.services.notifications import unread_notice

    funnel.begin_command(profile)
    try:
        work(**kwargs)
    except BrokenPipeError:  # `stagefy crm contacts list | head -1`: quiet, as cli.py does
        render.exit_closed_pipe()
    except KeyboardInterrupt:
        return funnel.cancelled()
    except Exception as exc:  # every error reaches the user as one line, as in cli.py
        typer = sys.modules.get("typer")  # `edit` exits and is cancelled through Typer
        if typer is not None and isinstance(exc, typer.Exit):
            return exc.exit_code
        if typer is not None and isinstance(exc, typer.Abort):  # Ctrl-D at a prompt
            return funnel.cancelled()
        return funnel.report_error(exc, option_flags(params))
    render.quick_notice(unread_notice(args))
    return 0
