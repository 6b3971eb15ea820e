"""Exit codes and hints that tell the truth: cancelling at a prompt, partial failures, where results go."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest
from stagefy_testing import cli_json, make_photo, sql

STAGEFY = str(Path(sys.executable).with_name("stagefy"))


def _read_until(fd: int, wanted: str | None, output: bytearray, deadline: float) -> None:
    """Read the terminal into `output` until `wanted` appears (or it closes, for None)."""
    while wanted is None or wanted not in output.decode("utf-8", "replace"):
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise AssertionError(f"waited for {wanted!r}; so far: {bytes(output)!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the terminal closed with the process
            chunk = b""
        if not chunk:
            if wanted is None:
                return
            raise AssertionError(f"closed before {wanted!r}; output: {bytes(output)!r}")
        output += chunk


def answer_in_terminal(args: list[str], prompt: str, keys: bytes) -> tuple[int, str]:
    """`stagefy ARGS` on a terminal of its own (a session leader, so Ctrl-C is a SIGINT as at a
    shell): wait for `prompt`, type `keys`; its exit code and everything it showed."""
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the new terminal is its controlling terminal
        os.execve(STAGEFY, [STAGEFY, *args], env)
    output = bytearray()
    deadline = time.monotonic() + 90
    try:
        _read_until(fd, prompt, output, deadline)
        time.sleep(0.5)  # a password prompt turns echo off (flushing what was typed) after showing itself
        os.write(fd, keys)
        _read_until(fd, None, output, deadline)
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.parametrize("keys", [b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-d"])
def test_cancelling_a_confirmation_is_cancelled_exit_3(signed_in_agent, cli_stack, tmp_path, keys):
    """Each kind of prompt (a paid edit's quote, a deletion, a password) says "Cancelled." and exits
    3, as documented, and nothing is charged or deleted."""
    contact = cli_json(["crm", "contacts", "add", "--name", "Keep Me"])
    photo = make_photo(tmp_path / "room.jpg")
    for args, prompt in (
        (["edit", str(photo), "--type", "enhance"], "[y/N]"),
        (["crm", "contacts", "delete", contact["id"]], "[y/N]"),
        (["auth", "login", "--email", signed_in_agent.email], "Password"),
    ):
        code, shown = answer_in_terminal(args, prompt, keys)
        assert code == 3, (args, code, shown)
        assert "Cancelled." in shown, (args, shown)
        assert "Abort" not in shown and "unexpected" not in shown, (args, shown)
    assert sql(cli_stack, "select credits from public.users where id = %s", signed_in_agent.id) == [(50,)]
    assert [c["id"] for c in cli_json(["crm", "contacts", "list"])] == [contact["id"]]
