"""Exit codes and hints that tell the truth: cancelling at a prompt, partial failures, where results go."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stagefy_testing import ServerThread, cli_json, make_photo, run_cli, sql
from worker_support import GeminiStandIn

from stagefy_cli.services.workers import load_providers

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


@pytest.mark.slow  # the CLI in a pseudo-terminal, a process each (about 2 s)
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


def test_a_project_where_some_jobs_failed_exits_9_naming_them(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    """Three variations, a provider that gives one result: the result is saved, the two failures are
    named and refunded, and the exit code says the project is only partly done."""
    stand_in = GeminiStandIn([("image", (10, 160, 60)), (400, "INVALID_ARGUMENT")])
    with ServerThread(stand_in.app) as gemini:
        env = {"GEMINI_API_KEY": "k", "GEMINI_BASE_URL": gemini.url}
        job_worker(load_providers(["nano_banana"], env), concurrency=1)
        photo = make_photo(tmp_path / "lounge.jpg")
        args = ["--type", "declutter", "--provider", "nano_banana", "--variations", "3", "--yes"]
        edited = run_cli(["edit", str(photo), *args, "--out", str(tmp_path / "out"), "--json"])
    assert edited.exit_code == 9, (edited.exit_code, edited.stderr)
    project_id = edited.json()["id"]
    [line] = edited.stderr.strip().splitlines()
    assert line.startswith(f"Error: project {project_id[:8]}: 2 of 3 jobs failed and were refunded: "), line
    assert line.count("lounge.jpg variation") == 2 and "The other results were saved." in line
    assert len(edited.json()["files"]) == 1 and Path(edited.json()["files"][0]).exists()
    assert sql(cli_stack, "select credits from public.users where id = %s", signed_in_agent.id) == [(49,)]
    watched = run_cli(["projects", "watch", project_id[:8], "--out", str(tmp_path / "again")])
    assert watched.exit_code == 9 and "2 of 3 jobs failed" in watched.stderr
    assert "9 partly done" in run_cli(["--help"]).stdout.replace(":", "")


def test_resume_hints_keep_where_the_results_go(signed_in_agent, cli_stack, tmp_path):
    out = tmp_path / "edited folder"
    photo = make_photo(tmp_path / "lounge.jpg")
    no_wait = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes", "--out", str(out)])
    assert no_wait.exit_code == 8, no_wait.stderr
    short = no_wait.stdout.strip()[:8]
    assert f"stagefy projects watch {short} --out '{out}'" in no_wait.stderr
    # Without --out the results go next to the photos: the hint says that folder.
    beside = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"])
    assert f"--out {tmp_path}" in beside.stderr

    # `projects watch` stopped with Ctrl-C (no worker runs here: the project stays queued).
    code, shown = answer_in_terminal(
        ["projects", "watch", short, "--out", str(out)], f"Project {short}: queued", b"\x03"
    )
    assert code == 3, shown
    assert f"Resume with: stagefy projects watch {short} --out '{out}'" in " ".join(shown.split()), shown


def test_losing_the_server_while_waiting_prints_the_resume_command(
    signed_in_agent, pg_dsn, stack, tmp_path, monkeypatch
):
    from stagefy_cli.local.ephemeral import gateway

    photo = make_photo(tmp_path / "lounge.jpg")
    with gateway(pg_dsn, tmp_path / "storage", keys=stack.ctx.keys, password_cost=4) as doomed:
        env = {**os.environ, "SUPABASE_URL": doomed.url, "SUPABASE_ANON_KEY": doomed.anon_key}
        waiting = subprocess.Popen(
            [STAGEFY, "edit", str(photo), "--type", "enhance", "--yes"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not sql(stack, "select 1 from public.projects where user_id = %s", signed_in_agent.id):
            assert time.monotonic() < deadline and waiting.poll() is None, waiting.communicate()
            time.sleep(0.1)
    _, stderr = waiting.communicate(timeout=60)
    [project_id] = [
        str(row[0])
        for row in sql(stack, "select id from public.projects where user_id = %s", signed_in_agent.id)
    ]
    assert waiting.returncode == 1, stderr
    assert "lost the server while waiting" in stderr
    assert f"resume with: stagefy projects watch {project_id[:8]} --out {tmp_path}" in stderr
    assert "Traceback" not in stderr


def test_open_without_a_viewer_warns_and_succeeds(
    signed_in_agent, cli_stack, local_worker, tmp_path, monkeypatch
):
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no xdg-open
    monkeypatch.delenv("STAGEFY_VIEWER", raising=False)
    photo = make_photo(tmp_path / "lounge.jpg")
    result = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--open", "--timeout", "90"])
    assert result.exit_code == 0, (result.exit_code, result.stderr)
    assert "Warning: no image viewer found" in result.stderr
    assert (tmp_path / "lounge.enhance.jpg").exists()
