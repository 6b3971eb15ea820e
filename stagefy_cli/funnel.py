"""What every command starts and ends with, whether the Typer app (cli.py) or the fast path
(fast_path.py) runs it: the profile it uses, and failures as one line with their exit code.

Without Typer, so the fast path can use it: a quick command should not import a framework to print
one line.
"""

from __future__ import annotations

import os
import sys

from stagefy_cli import render


def begin_command(profile: str | None) -> None:
    """The profile the command uses, no session left from an earlier command (tests run many in
    one process), and what the backend does on its own (starting the local stack) shown on stderr."""
    from stagefy_cli.backend import client, notices
    from stagefy_cli.backend.config import select_profile

    select_profile(profile)
    client.last_context = None
    notices.announce = render.notice


def _error_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def cancelled() -> int:
    """Ctrl-C (or Ctrl-D at a prompt): say so, exit 3."""
    _error_line("\nCancelled.")
    return 3


def report_error(exc: Exception, options: dict[str, list[str]] | None = None) -> int:
    """Print a failure as one line (the traceback too under STAGEFY_DEBUG=1); its exit code. A
    service's error about a field (`FieldError`) names it as the command spells it: `options` maps
    the command's parameters to their flags (commands name parameters after the fields they pass on:
    `edit_type` is `--type`); a field without one reads as itself."""
    from stagefy_cli.backend.api_errors import as_stagefy_error
    from stagefy_cli.errors import FieldError

    error = as_stagefy_error(exc)
    if os.environ.get("STAGEFY_DEBUG") == "1":
        import traceback

        traceback.print_exc()
    message = error.message
    if isinstance(error, FieldError):
        message = error.naming(lambda field: _flag((options or {}).get(field, ())) or field)
    _error_line(f"Error: {render.visible(message)}")
    return error.exit_code


def _flag(flags) -> str | None:
    return next((flag for flag in flags if flag.startswith("--")), None)
