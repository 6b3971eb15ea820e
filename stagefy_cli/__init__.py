"""Stagefy: AI media, CRM and credits for real-estate agents, from the command line."""

import os

__version__ = "0.1.0"

# Typer reads TYPER_USE_RICH when it is first imported, so it is set here, where every entry point
# passes before importing Typer. Typer's Rich help costs more start-up time than the start-up budget
# allows (docs/architecture.md), so it is off unless a user sets TYPER_USE_RICH=1; our own tables and
# progress still use Rich.
os.environ.setdefault("TYPER_USE_RICH", "0")
