"""The CLI's manners: help, version, exit codes, speed-sensitive imports, generated files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from stagefy_testing import run_cli

from stagefy_cli.cli import COMMANDS, app
from stagefy_cli.entry import HELP_FILE, render_root_help


def test_root_help_file_is_current():
    assert Path(HELP_FILE).read_text(encoding="utf-8") == render_root_help(), (
        "stagefy_cli/root_help.txt is stale: run python -m stagefy_cli.entry --write-help"
    )


def test_help_and_version_do_not_import_heavy_libraries():
    code = (
        "import sys; sys.argv = ['stagefy', '{arg}']; from stagefy_cli.entry import main; main(); "
        "heavy = [m for m in ('supabase', 'replicate', 'PIL', 'httpx', 'typer', 'rich') if m in sys.modules]; "
        "print('HEAVY', heavy)"
    )
    for arg in ("--help", "--version"):
        out = subprocess.run(
            [sys.executable, "-c", code.format(arg=arg)], capture_output=True, text=True, check=True
        ).stdout
        assert "HEAVY []" in out, out


def test_subcommand_help_does_not_import_supabase():
    code = (
        "import sys; from typer.testing import CliRunner; from stagefy_cli.cli import app; "
        "r = CliRunner().invoke(app, ['auth', 'login', '--help']); assert r.exit_code == 0, r.output; "
        "print('HEAVY', [m for m in ('supabase', 'replicate', 'PIL') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out


def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "stagefy_cli.entry", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("stagefy ")


def _walk(command, path=()):
    from typer import _click

    yield path, command
    if hasattr(command, "list_commands"):
        ctx = _click.Context(command)
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), (*path, name))


def test_every_command_has_help_with_an_example():
    import typer

    root = typer.main.get_command(app)
    missing = []
    for path, command in _walk(root):
        if not path or hasattr(command, "list_commands"):
            continue
        text = command.help or ""
        if "Example:" not in text:
            missing.append(" ".join(path))
        for param in command.params:
            if getattr(param, "help", None) in (None, "") and param.name not in ("help",):
                missing.append(f"{' '.join(path)} {param.name}")
    assert not missing, f"commands/options without help text or example: {missing}"


@pytest.mark.parametrize("group", sorted(COMMANDS))
def test_group_help_lists_its_commands(group):
    result = run_cli([group, "--help"])
    assert result.exit_code == 0
    assert "Usage: stagefy" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run_cli(["frobnicate"])
    assert result.exit_code == 2
    assert result.stderr == "Error: No such command 'frobnicate'. See: stagefy --help\n"


def test_bad_option_value_is_one_line():
    result = run_cli(["projects", "list", "--limit", "0"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--limit'")
    assert result.stderr.endswith("See: stagefy projects list --help\n")
    assert result.stderr.count("\n") == 1


def test_completion_scripts_are_current():
    from pathlib import Path

    from stagefy_cli.completions import FILES, script

    directory = Path(__file__).resolve().parents[1] / "completions"
    for shell, name in FILES.items():
        assert (directory / name).read_text(encoding="utf-8") == script(shell), (
            f"completions/{name} is stale: run python -m stagefy_cli.completions"
        )


def test_bash_completion_lists_groups_without_heavy_imports():
    env = {"_STAGEFY_COMPLETE": "complete_bash", "COMP_WORDS": "stagefy cr", "COMP_CWORD": "1"}
    code = (
        "import sys; sys.argv = ['stagefy']; from stagefy_cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('supabase', 'replicate', 'PIL') if m in sys.modules])"
    )
    import os

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}
    ).stdout
    assert "credits" in out
    assert "HEAVY []" in out, out


def test_command_reference_is_current():
    import difflib

    from stagefy_cli.docgen import DOC, render

    current, fresh = DOC.read_text(encoding="utf-8"), render()
    diff = "".join(list(difflib.unified_diff(current.splitlines(True), fresh.splitlines(True)))[:20])
    assert current == fresh, f"docs/commands.md is stale: run python -m stagefy_cli.docgen\n{diff}"
