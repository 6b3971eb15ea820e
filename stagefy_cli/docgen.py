"""Generate docs/commands.md from the `--help` of every command (a test fails when it is stale).

Run: python -m stagefy_cli.docgen
"""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "commands.md"


def walk(command, path):
    """(path, command) for the command and every command under it."""
    yield path, command
    if hasattr(command, "list_commands"):
        from typer import _click

        ctx = _click.Context(command)
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), (*path, name))


def render() -> str:
    import typer
    from typer.testing import CliRunner

    from stagefy_cli.cli import app

    root = typer.main.get_command(app)
    parts = [
        "# Command reference",
        "",
        "Generated from `--help` by `python -m stagefy_cli.docgen`; do not edit.",
        "",
    ]
    runner = CliRunner()
    for path, _command in walk(root, ()):
        result = runner.invoke(
            app, [*path, "--help"], prog_name="stagefy", env={"COLUMNS": "100", "TERM": "dumb"}
        )
        title = " ".join(("stagefy", *path))
        parts += [f"## {title}", "", "```", result.output.rstrip(), "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
