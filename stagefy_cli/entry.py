"""The `stagefy` console script.

Importing Typer costs ~10x a bare `python -c pass` on these machines, so the two answers users ask
for most often and expect instantly -- `stagefy --help` (or no arguments) and `stagefy --version` --
are served without importing it: the root help is rendered from the Typer app into `root_help.txt`
(`python -m stagefy_cli.entry --write-help`; a test fails when it is stale). Everything else goes
through the Typer app in `cli.py`, except tab completion (answered by `completions.py` from a
generated index) and the everyday read commands (and `edit`), which `fast_path.py` parses from a
generated index of their declarations and runs without importing Typer.
"""

from __future__ import annotations

import contextlib
import os
import sys

HELP_FILE = os.path.join(os.path.dirname(__file__), "root_help.txt")  # os.path: pathlib costs ~20 ms


def render_root_help() -> str:
    """The root help exactly as the Typer app prints it (80 columns, plain text)."""
    from typer.testing import CliRunner

    from stagefy_cli.cli import app

    result = CliRunner().invoke(app, ["--help"], prog_name="stagefy", env={"COLUMNS": "80", "TERM": "dumb"})
    return result.output


def run() -> None:
    """The console script: `main`, then the process ends without the interpreter's teardown."""
    try:
        main()
    except SystemExit as done:
        _exit_without_teardown(done.code)
    _exit_without_teardown(0)


def main() -> None:
    try:
        try:
            _main(sys.argv[1:])
        finally:  # a closed pipe often shows only when the last buffered output is flushed
            sys.stdout.flush()
    except BrokenPipeError:  # `stagefy crm contacts list | head -1`
        from stagefy_cli.render import exit_closed_pipe

        exit_closed_pipe()


def _exit_without_teardown(code) -> None:
    """End the process once its work is done, without the interpreter's teardown.

    Freeing every module and object of a CLI process that imported Typer, Rich and an HTTP client
    costs 100-200 ms on these machines, after the answer is printed and before the shell gets its
    prompt back (a waiting `stagefy edit` could not end within 0.3 s of its last job). Nothing is
    left to do by then: the atexit functions still run (logging, temporary files), both output
    streams are flushed, and the exit status is what `sys.exit` would give.
    """
    import atexit

    if code is None:
        code = 0
    elif not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    atexit._run_exitfuncs()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away after all: as `exit_closed_pipe` says
        from stagefy_cli.errors import CLOSED_PIPE_EXIT

        code = CLOSED_PIPE_EXIT
    except (OSError, ValueError):
        pass
    os._exit(code)


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
