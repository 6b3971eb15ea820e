"""The import contracts (`lint-imports`, run by scripts/test) cover every command group: a new group
left out of the independence contract could import another unnoticed."""

from __future__ import annotations

import tomllib
from pathlib import Path

from stagefy_cli.cli import COMMANDS

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_every_command_group_is_in_the_independence_contract():
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    independent = next(c for c in contracts if c["type"] == "independence")
    assert sorted(independent["modules"]) == sorted(module for module, _ in COMMANDS.values())
