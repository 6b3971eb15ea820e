"""Shell completion for bash, zsh and fish: the scripts, and the answers they ask `stagefy` for.

`python -m stagefy_cli.completions` rewrites `completions/` and `completion_index.json`; a test
fails when either is stale. The scripts call back into `stagefy` (with `_STAGEFY_COMPLETE` set).
Building the Typer commands to answer would import pydantic (several times the whole time budget of
a keystroke), so the answers come from `completion_index.json`: every command's subcommands,
options and fixed values, generated from the Typer app. `answer()` follows Click's completion
rules (a test compares its answers with Typer's own for every command).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

FILES = {"bash": "stagefy.bash", "zsh": "_stagefy", "fish": "stagefy.fish"}
COMPLETE_VAR = "_STAGEFY_COMPLETE"
INDEX = Path(__file__).with_name("completion_index.json")


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="stagefy", complete_var=COMPLETE_VAR, shell=shell) + "\n"


# -- the index ----------------------------------------------------------------------------------


def _option(param, ctx) -> dict:
    desc = getattr(param, "type_descriptor", None)
    choices = None
    if desc is not None and desc.is_choice and desc.choices is not None:
        from typer.core import choice_as_str

        choices = [choice_as_str(c) for c in desc.choices]
    elif getattr(param, "_custom_shell_complete", None) is not None:
        # every completer in this app offers a fixed set (`options.choices`): record all of it
        choices = [item.value for item in param.shell_complete(ctx, "")]
    names = [*param.opts, *param.secondary_opts]
    if param.name == "help":  # Click makes the help option's names from a set: fix their order
        names.sort(key=lambda name: (len(name), name))
    return {
        "names": names,
        "help": param.help,
        "flag": bool(getattr(param, "is_flag", False) or getattr(param, "count", False)),
        "multiple": bool(param.multiple),
        "choices": choices,
        "file": bool(desc is not None and desc.is_file),
    }


def build_index() -> dict:
    """{command path ("" for the root): its subcommands ([name, short help]), options, arguments}."""
    import typer
    from typer import _click

    from stagefy_cli.cli import COMMANDS, app
    from stagefy_cli.docgen import walk

    root = typer.main.get_command(app)
    index = {}
    for path, command in walk(root, ()):
        ctx = _click.Context(command, **root.context_settings)  # -h/--help, as every command inherits
        entry: dict = {"options": [], "arguments": []}
        for param in command.get_params(ctx):
            if getattr(param, "hidden", False):
                continue
            if param.param_type_name == "option":
                entry["options"].append(_option(param, ctx))
            else:
                entry["arguments"].append(_option(param, ctx))
        if hasattr(command, "list_commands"):
            entry["commands"] = [
                [name, COMMANDS[name][1] if not path else command.get_command(ctx, name).get_short_help_str()]
                for name in command.list_commands(ctx)
                if not command.get_command(ctx, name).hidden
            ]
        index[" ".join(path)] = entry
    return index


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for shell, name in FILES.items():
        (directory / name).write_text(script(shell), encoding="utf-8")
    INDEX.write_text(json.dumps(build_index(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


# -- answering ----------------------------------------------------------------------------------


def _context(index: dict, args: list[str]) -> tuple[dict, set[str], int, str | None]:
    """Walk the complete words: the command reached, the options given, how many arguments were
    given, and the option still waiting for its value (if the last word is one)."""
    entry, used, given, waiting = index[""], set(), 0, None
    path: list[str] = []
    words = iter(args)
    for word in words:
        waiting = None
        if word.startswith("-") and word != "-":
            name, has_value, _ = word.partition("=")
            option = next((o for o in entry["options"] if name in o["names"]), None)
            if option is None:
                continue
            used.add(option["names"][0])
            if not option["flag"] and not has_value and next(words, None) is None:
                waiting = option["names"][0]  # the last word: its value is being typed
            continue
        if word in dict(entry.get("commands", ())):
            path.append(word)
            entry, used, given = index[" ".join(path)], set(), 0
            continue
        given += 1
    return entry, used, given, waiting


def completions(index: dict, args: list[str], incomplete: str) -> list[tuple[str, str | None]]:
    """(value, help) pairs, as Click's completion would give them."""
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete.startswith("-"):
        name, _, incomplete = incomplete.partition("=")
        args = [*args, name]
    entry, used, given, waiting = _context(index, args)
    if "--" not in args and incomplete.startswith("-"):
        return [
            (name, option["help"])
            for option in entry["options"]
            if option["multiple"] or option["names"][0] not in used
            for name in option["names"]
            if name.startswith(incomplete)
        ]
    if waiting is not None:
        option = next(o for o in entry["options"] if o["names"][0] == waiting)
        return _values(option, incomplete)
    arguments = entry["arguments"]
    if given < len(arguments) or (arguments and arguments[-1]["multiple"]):
        return _values(arguments[min(given, len(arguments) - 1)], incomplete)
    return [(name, text) for name, text in entry.get("commands", ()) if name.startswith(incomplete)]


def _values(param: dict, incomplete: str) -> list[tuple[str, str | None]]:
    if param["choices"] is not None:
        return [(c, None) for c in param["choices"] if c.startswith(incomplete)]
    return [(incomplete, None)] if param["file"] else []


def _zsh_escape(text: str) -> str:
    return (
        text.replace('"', '""')
        .replace("'", "''")
        .replace("$", "\\$")
        .replace("`", "\\`")
        .replace(":", r"\\:")
    )


def _one_line(text: str) -> str:
    return re.sub(r"\s", " ", text)


def _split(line: str) -> list[str]:
    """Words as the shell sees them; an unclosed quote (still being typed) ends the last word."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:
        words.append(lexer.token)
    return words


def answer(environ=os.environ) -> tuple[str, int]:
    """What the completion script asked for (`_STAGEFY_COMPLETE=complete_SHELL`): the text to print
    and the exit code, as Typer's completion classes format them."""
    shell = environ.get(COMPLETE_VAR, "").removeprefix("complete_")
    if shell == "bash":
        words = _split(environ.get("COMP_WORDS", ""))
        cword = int(environ.get("COMP_CWORD", "0"))
        args, incomplete = words[1:cword], (words[cword] if cword < len(words) else "")
    else:
        line = environ.get("_TYPER_COMPLETE_ARGS", "")
        args = _split(line)[1:]
        incomplete = args.pop() if args and not line.endswith(" ") else ""
    index = json.loads(INDEX.read_text(encoding="utf-8"))
    items = completions(index, args, incomplete)
    if shell == "bash":
        return "\n".join(value for value, _ in items), 0
    if shell == "zsh":
        shown = [f'"{_zsh_escape(v)}":"{_zsh_escape(h)}"' if h else f'"{_zsh_escape(v)}"' for v, h in items]
        return (f"_arguments '*: :(({chr(10).join(shown)}))'" if shown else "_files"), 0
    if shell == "fish":
        action = environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return "", 0 if items else 1
        return "\n".join(f"{v}\t{_one_line(h)}" if h else v for v, h in items), 0
    return "", 1


if __name__ == "__main__":
    write(Path(__file__).resolve().parents[1] / "completions")
