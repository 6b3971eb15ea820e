"""Run the embedded local stack in the background: start, status, stop, reset.

`start` spawns `python -m stagefy_cli.local.serve` as a detached process (its own session, output to
`gateway.log`) and returns once `/health` answers. The serve process writes `stack.json` (pid, port,
URLs) when it is up; `stop` sends it SIGTERM and then stops PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import NamedTuple

from stagefy_cli.backend.paths import local_stack_dir, write_private_file
from stagefy_cli.errors import StagefyError, require_extras

DEFAULT_PORT = 54321
START_TIMEOUT_S = 90.0


class StackState(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    pid: int
    port: int
    api_url: str
    db_url: str


def default_port() -> int:
    return int(os.environ.get("STAGEFY_LOCAL_PORT") or DEFAULT_PORT)


class LocalStack:
    def __init__(self, root: Path | None = None):
        self.root = root or local_stack_dir()

    # files ------------------------------------------------------------------------------
    @property
    def pgdata(self) -> Path:
        return self.root / "postgres"

    @property
    def storage_root(self) -> Path:
        return self.root / "storage"

    @property
    def mail_dir(self) -> Path:
        """The mail catcher's messages (`stagefy_cli.local.mailbox`)."""
        return self.root / "mail"

    @property
    def secrets_dir(self) -> Path:
        """Keys and state, readable only by the user. The stack root itself must stay traversable:
        run as root, pgserver runs PostgreSQL as its own `pgserver` user under `postgres/`."""
        return self.root / "secrets"

    @property
    def keys_path(self) -> Path:
        return self.secrets_dir / "keys.json"

    @property
    def state_path(self) -> Path:
        return self.secrets_dir / "stack.json"

    @property
    def log_path(self) -> Path:
        return self.root / "gateway.log"

    def keys(self):
        from stagefy_cli.local.keys import load_or_create

        self.root.mkdir(parents=True, exist_ok=True)
        return load_or_create(self.keys_path)

    def write_state(self, state: StackState) -> None:
        write_private_file(self.state_path, json.dumps(state._asdict()))

    def state(self) -> StackState | None:
        try:
            return StackState(**json.loads(self.state_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    # life cycle -------------------------------------------------------------------------
    def is_running(self) -> bool:
        state = self.state()
        return state is not None and _alive(state.pid) and _healthy(state.api_url)

    def start(self, port: int | None = None) -> StackState:
        if self.is_running():
            return self.state()  # type: ignore[return-value]
        require_extras("the embedded local stack", "local", "worker")  # its server runs a worker
        port = port or default_port()
        _check_port_free(port)
        self.keys()
        self.state_path.unlink(missing_ok=True)
        import subprocess  # here: every command on the local profile asks for the stack, few start it

        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "stagefy_cli.local.serve",
                    "--root",
                    str(self.root),
                    "--port",
                    str(port),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                last = self.log_tail(1).strip() or "no log"
                raise StagefyError(
                    f"the local stack failed to start (exit {process.returncode}): {last}. "
                    f"See the log: {self.log_path}"
                )
            state = self.state()
            if state and _healthy(state.api_url):
                return state
            time.sleep(0.1)
        process.terminate()
        raise StagefyError(
            f"the local stack did not answer within {START_TIMEOUT_S:.0f} s. See {self.log_path}"
        )

    def stop(self) -> bool:
        from stagefy_cli.local.postgres import stop_data_dir

        state = self.state()
        stopped = False
        if state and _alive(state.pid):
            os.kill(state.pid, signal.SIGTERM)
            _wait_gone(state.pid, 15)
            stopped = True
        stopped = stop_data_dir(self.pgdata) or stopped
        self.state_path.unlink(missing_ok=True)
        return stopped

    def reset(self) -> None:
        import shutil

        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _check_port_free(port: int) -> None:
    """Refuse a port another program listens on, before starting anything (the server would fail
    with an errno in its log)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise StagefyError(
                f"port {port} is in use by another program. Choose another with: stagefy local start "
                f"--port {port + 1} (or set STAGEFY_LOCAL_PORT)."
            ) from None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


def _healthy(api_url: str) -> bool:
    # the CLI's own HTTP connection rather than urllib.request or http.client (which import email
    # and ssl): every command on the local profile asks this first
    from urllib.parse import urlsplit

    from stagefy_cli.backend.http11 import Connection

    parts = urlsplit(api_url)
    connection = Connection(parts.hostname, parts.port, timeout=2)
    try:
        return connection.request("GET", "/health").status == 200
    except OSError:
        return False
    finally:
        connection.close()
