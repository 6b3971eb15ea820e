"""How the backend tells the user what it does on its own: starting the local stack on first use,
keeping a session in a file where there is no OS keyring.

Nothing below the commands prints, so each CLI command points `announce` at `render.notice`
(`cli.begin_command`); elsewhere (the worker, tests, scripts) it stays silent. A module of its own,
so that every backend module can reach it without importing the client.
"""

from __future__ import annotations

from collections.abc import Callable


def _silent(message: str) -> None:
    del message


announce: Callable[[str], None] = _silent
