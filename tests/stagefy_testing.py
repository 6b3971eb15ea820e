"""Helpers shared by the tests (imported as `stagefy_testing`; fixtures live in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from stagefy_cli.local.ephemeral import EphemeralStack, ServerThread, free_port  # noqa: F401 - re-exported

PASSWORD = "correct-horse-battery"


Stack = EphemeralStack


@dataclass
class Agent:
    """A signed-up user with a signed-in supabase-py client."""

    id: str
    email: str
    password: str
    client: object


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        import json

        return json.loads(self.stdout)


def run_cli(args: list[str], input: str | None = None, env: dict | None = None) -> CliResult:
    """Run `stagefy ARGS` in-process through the real Typer app, stdout and stderr kept apart."""
    from typer.testing import CliRunner

    from stagefy_cli.backend import config
    from stagefy_cli.cli import app

    config.select_profile(None)
    result = CliRunner().invoke(app, args, input=input, env=env, prog_name="stagefy")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def make_photo(path: Path, size=(800, 600), color=(170, 140, 110), fmt="JPEG") -> Path:
    """A small synthetic photo with some structure, saved at `path`."""
    from PIL import Image

    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some structure so edits have something to work on
        image.paste((90, 80, 70), (x, size[1] // 2, x + 20, size[1] // 2 + 80))
    image.save(path, fmt)
    return path
