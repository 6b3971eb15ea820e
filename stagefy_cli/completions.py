"""Shell completion scripts for bash, zsh and fish, generated from the Typer app.

`python -m stagefy_cli.completions` rewrites `completions/`; a test fails when they are stale.
The scripts call back into `stagefy` (with `_STAGEFY_COMPLETE` set), so completions always follow
the installed commands.
"""

from __future__ import annotations

from pathlib import Path

FILES = {"bash": "stagefy.bash", "zsh": "_stagefy", "fish": "stagefy.fish"}
COMPLETE_VAR = "_STAGEFY_COMPLETE"


def script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="stagefy", complete_var=COMPLETE_VAR, shell=shell) + "\n"


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for shell, name in FILES.items():
        (directory / name).write_text(script(shell), encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).resolve().parents[1] / "completions")
