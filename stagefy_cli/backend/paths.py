"""Where Stagefy keeps its files.

`STAGEFY_HOME=DIR` moves everything (config, sessions, local stack data) under DIR, so tests and
several installs can live side by side. Without it, platformdirs decides per OS.
"""

from __future__ import annotations

import os
from pathlib import Path


def _home() -> Path | None:
    value = os.environ.get("STAGEFY_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir("stagefy", appauthor=False))


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir("stagefy", appauthor=False))


def local_stack_dir() -> Path:
    """The embedded local stack: Postgres data, storage blobs, keys, pid and log files."""
    return data_dir() / "local"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable only by the user."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 from the first byte (no window where others can read)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
