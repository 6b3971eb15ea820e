"""Opening a file in the system's viewer: `open` on macOS, the default app on Windows, `xdg-open`
elsewhere; `STAGEFY_VIEWER="command args"` chooses another (the file's path is added last)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from stagefy_cli.errors import StagefyError


def _command() -> list[str] | None:
    custom = os.environ.get("STAGEFY_VIEWER", "").strip()
    if custom:
        return shlex.split(custom)
    if sys.platform == "darwin":
        return ["open"]
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_file(path: Path) -> None:
    """Start the viewer on `path` and return without waiting for it."""
    if sys.platform == "win32" and not os.environ.get("STAGEFY_VIEWER"):
        os.startfile(path)  # the documented way to open a file with its default app
        return
    command = _command()
    if not command:
        raise StagefyError(
            f"no image viewer found (xdg-open is not installed). Open {path} yourself, "
            'or set STAGEFY_VIEWER="your-viewer".'
        )
    try:
        subprocess.Popen(
            [*command, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise StagefyError(
            f"cannot start the viewer '{command[0]}' ({exc.strerror}). Open {path} yourself."
        ) from None
