"""The fast path (fast_path.py) parses exactly as Typer does, or hands the command line back.

For every command of its index, many command lines generated from the command's own declarations
(values of every type, `--opt=value`, short options with attached values, repeated options, `--`,
bundled flags, missing and extra arguments, bad and out-of-range values, help) are parsed both ways:
through the fast path, and through Typer with the same declarations, recording what the command
would receive. Wherever the fast path accepts a command line, Typer accepts it too and gives the
command the same values of the same types; the everyday spellings are served by the fast path.
"""

from __future__ import annotations

import functools
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from stagefy_cli import fast_commands, fast_path
from stagefy_cli.fast_index import INDEX

SAMPLES = {
    "str": ["abc", "", "-", "--json", "a b", "-x", "--help", "ünï"],
    "int": ["5", "0", "-1", "1", "10000", "10001", "1.5", "abc", " 5", "+5", "5_0", "007", "", "٣"],
    "float": ["1.5", "-2", "0", "7", "1e3", "inf", "nan", ".5", "5.", "abc", "", "1_0", "٣"],
    "Path": ["p.jpg", "", "-", "a/b.png", "--x"],
}


@functools.cache
def typer_command(function) -> tuple[object, list[dict]]:
    """The Click command Typer builds from `function`'s declarations (built once: Typer reads every
    signature again for each build), and the list where it records what it was called with."""
    seen: list[dict] = []

    @functools.wraps(function)
    def record(**values):
        seen.append(values)

    app = typer.Typer(add_completion=False, context_settings={"help_option_names": ["-h", "--help"]})
    app.command()(record)
    return typer.main.get_command(app), seen


def typer_values(function, argv: list[str]) -> dict | None:
    """What the command receives when Typer parses `argv` with the same declarations; None when
    Typer refuses it."""
    command, seen = typer_command(function)
    seen.clear()
    try:
        command.main(argv, prog_name="stagefy")  # standalone, as the CLI runs: it ends in an exit
    except SystemExit as exited:
        return seen[0] if exited.code in (0, None) and seen else None
    except Exception:  # noqa: BLE001 - a parameter callback's own check refused the value
        return None
    raise AssertionError(f"{argv}: Typer returned without exiting")


def fast_values(entry: dict, argv: list[str]) -> dict | None:
    try:
        return fast_path.parse(entry, argv)
    except fast_path.HandBack:
        return None


def typed(values: dict) -> dict:
    """Values with their types, so 5 and 5.0 (or a str and a Path) differ."""
    return {name: (type(value).__name__, value) for name, value in values.items()}


def good_value(param: dict) -> str:
    if param["check"] and param["check"][1]:
        return param["check"][1][0][0]  # the first value of a fixed set
    return {"str": "abc", "int": "5", "float": "1.5", "Path": "p.jpg"}[param["type"]]


def base_argv(entry: dict) -> list[str]:
    """The shortest command line Typer accepts: the required arguments and options."""
    argv = []
    for param in entry["params"]:
        if param["required"] and param["option"]:
            argv += [param["on"][0], good_value(param)]
        elif param["required"]:
            argv.append(good_value(param))
    return argv


def cases(entry: dict) -> tuple[list[list[str]], list[list[str]]]:
    """(command lines the fast path must serve, command lines it may hand back)."""
    base = base_argv(entry)
    served, others = [base], [[], [*base, "--"], [*base, "extra"], [*base, "--", "-x"], ["--", *base]]
    others += [[*base, "--help"], [*base, "-h"], [*base, "--nope"], [*base, "-Z"], ["-", *base]]
    options = [p for p in entry["params"] if p["option"]]
    for param in entry["params"]:
        if not param["option"]:
            others += [[*base, value] for value in SAMPLES[param["type"]]]
            continue
        if param["type"] == "bool":
            for name in param["on"] + param["off"]:
                served += [[*base, name], [name, *base], [*base, name, name]]
                others += [[*base, f"{name}=1"], [*base, f"{name}="], [*base, f"{name}=true"]]
            continue
        values = [good_value(param), *SAMPLES[param["type"]]]
        if param["check"] and param["check"][1]:
            values += [*param["check"][1][0], "bogus"]
        for name, value in itertools.product(param["on"], values):
            others += [[*base, name, value], [name, value, *base]]
            others += [[*base, f"{name}={value}"] if name.startswith("--") else [*base, f"{name}{value}"]]
        first = param["on"][0]
        served += [[*base, first, good_value(param)], [*base, f"{first}={good_value(param)}"]]
        if param["name"] == "fields":
            served.remove([*base, first, good_value(param)])  # --fields alone is refused
            served.remove([*base, f"{first}={good_value(param)}"])
            served += [[*base, "--json", first, "id"], [*base, first, "id", "--json"]]
        others += [[*base, first], [*base, first, "a", first, good_value(param)], [first, *base]]
    flags = [name for p in options if p["type"] == "bool" for name in p["on"] if len(name) == 2]
    shorts = [name for p in options for name in p["on"] if len(name) == 2]
    others += [[*base, a + b[1:]] for a, b in itertools.permutations(flags + shorts, 2)]
    return served, others


@pytest.mark.parametrize("path", sorted(INDEX))
def test_fast_path_parses_as_typer_does(path):
    entry = INDEX[path]
    assert "hand_back" not in entry, entry
    _, function, _, _ = fast_commands.declared(tuple(path.split()))
    served, others = cases(entry)
    for argv in served + others:
        fast, reference = fast_values(entry, argv), typer_values(function, argv)
        if fast is not None:
            assert reference is not None, f"{path} {argv}: the fast path accepts what Typer refuses"
            assert typed(fast) == typed(reference), f"{path} {argv}"
    for argv in served:
        assert fast_values(entry, argv) is not None, f"{path} {argv}: handed back"


def test_an_option_feature_the_fast_path_lacks_hands_the_command_back(monkeypatch):
    app = typer.Typer(add_completion=False)

    @app.command()
    def show(
        region: str = typer.Option(None, "--region", envvar="STAGEFY_TEST_REGION"),
        limit: int = typer.Option(30, "--limit", count=True),
    ) -> None:
        """Two options, one read from the environment."""

    entry = fast_commands.entry(typer.main.get_command(app), show)
    assert entry == {"hand_back": "region: envvar"}
    assert fast_values(entry, ["--region", "x"]) is None
    monkeypatch.setenv("STAGEFY_TEST_REGION", "eu")
    assert typer_values(show, [])["region"] == "eu"  # what the fast path would have missed


def test_the_fast_index_is_current():
    current = (Path(fast_commands.__file__).with_name(fast_commands.INDEX_MODULE)).read_text(encoding="utf-8")
    assert current == fast_commands.index_source(fast_commands.build_index()), (
        "stagefy_cli/fast_index.py is stale: run python -m stagefy_cli.completions"
    )


def test_everyday_reads_import_no_typer(tmp_path):
    """Not signed in to a hosted project, every everyday read ends on the fast path (exit 4)
    without importing Typer or the CLI's Typer app."""
    code = (
        "import sys; from stagefy_cli.fast_path import run\n"
        "codes = [run(args) for args in (%r)]\n"
        "print(codes, sorted(m for m in ('typer', 'stagefy_cli.cli') if m in sys.modules))"
    )
    commands = [list(path) for path in fast_commands.EVERYDAY if path != ("auth", "status")]
    commands = [[*c, "abc"] if c[-1] == "show" and c[0] != "profile" else c for c in commands]
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "SUPABASE_URL": "http://127.0.0.1:9",  # nothing listens there, and nothing is asked
        "SUPABASE_PUBLISHABLE_KEY": "sb_publishable_test",
    }
    done = subprocess.run([sys.executable, "-c", code % (commands,)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{[4] * len(commands)} []", done.stderr


def test_signed_in_reads_import_no_typer_http_client_or_inspect(signed_in_agent):
    """What keeps an everyday read near a bare start, signed in on the local stack: no Typer, no
    `http.client` (it imports `email` and `ssl`), no `dataclasses` (it imports `inspect`)."""
    code = (
        "import sys; from stagefy_cli.entry import main\n"
        "for args in (['credits', 'balance'], ['projects', 'list'], ['media', 'list'], ['crm', 'contacts', 'list']):\n"
        "    sys.argv = ['stagefy', *args]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
        "heavy = ('typer', 'http.client', 'email', 'ssl', 'dataclasses', 'inspect', 'uuid', 'subprocess')\n"
        "sys.stderr.write(repr(sorted(m for m in heavy if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("[]"), done.stderr


def test_a_group_callback_that_does_something_hands_the_command_back():
    app = typer.Typer(add_completion=False)

    @app.command()
    def show() -> None:
        """Nothing to parse."""

    def only_help() -> None:
        """The group's help."""

    def remembers() -> None:
        """The group's help, and a side effect the fast path would skip."""
        app.info.name = "seen"

    command = typer.main.get_command(app)
    assert fast_commands.entry(command, show, (), [only_help]) == {
        "work": f"{__name__}:{show.__qualname__}",
        "params": [],
    }
    assert "hand_back" in fast_commands.entry(command, show, (), [remembers])
