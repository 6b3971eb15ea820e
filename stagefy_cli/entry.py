"""The `stagefy` console script.

Importing Typer costs ~10x a bare `python -c pass` on these machines, so the two answers users ask
for most often and expect instantly -- `stagefy --help` (or no arguments) and `stagefy --version` --
are served without importing it: the root help is rendered from the Typer app into `root_help.txt`
(`python -m stagefy_cli.entry --write-help`; a test fails when it is stale). Everything else goes
through the Typer app in `cli.py`, except tab completion (answered by `completions.py` from a
generated index) and the everyday read commands, which `fast_path.py` runs without building the
Typer app (no pydantic import).
"""

from __future__ import annotations

import os
import sys

HELP_FILE = os.path.join(os.path.dirname(__file__), "root_help.txt")  # os.path: pathlib costs ~20 ms


def render_root_help() -> str:
    """The root help exactly as the Typer app prints it (80 columns, plain text)."""
    from typer.testing import CliRunner

    from stagefy_cli.cli import app

    result = CliRunner().invoke(app, ["--help"], prog_name="stagefy", env={"COLUMNS": "80", "TERM": "dumb"})
    return result.output


def main() -> None:
    try:
        try:
            _main(sys.argv[1:])
        finally:  # a closed pipe often shows only when the last buffered output is flushed
            sys.stdout.flush()
    except BrokenPipeError:  # `stagefy crm contacts list | head -1`
        from stagefy_cli.render import exit_closed_pipe

        exit_closed_pipe()


def _main(args: list[str]) -> None:
    if args == ["--version"]:
        from stagefy_cli import __version__

        sys.stdout.write(f"stagefy {__version__}\n")
        return
    if args in ([], ["--help"], ["-h"]) and not os.environ.get("_STAGEFY_COMPLETE"):
        with open(HELP_FILE, encoding="utf-8") as help_text:
            sys.stdout.write(help_text.read())
        return
    if args == ["--write-help"]:
        with open(HELP_FILE, "w", encoding="utf-8") as help_text:
            help_text.write(render_root_help())
        return
    if os.environ.get("_STAGEFY_COMPLETE", "").startswith("complete_"):
        from stagefy_cli.completions import answer

        text, code = answer()
        if text:
            sys.stdout.write(text + "\n")
        sys.exit(code)
    if not os.environ.get("_STAGEFY_COMPLETE"):
        from stagefy_cli.fast_path import run

        code = run(args)
        if code is not None:
            sys.exit(code)
    from stagefy_cli.cli import main as typer_main

    typer_main()


if __name__ == "__main__":
    main()
