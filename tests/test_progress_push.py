"""Waiting for a project follows Realtime's pushes instead of polling: few reads while it waits, the
end noticed at once, a fallback that backs off when Realtime is unavailable, and nothing missed while
the socket reconnects. A counting proxy stands between the CLI and the gateway, as a hosted
project's API would see the CLI."""

from __future__ import annotations

import threading
import time

import pytest
from counting_proxy import CountingProxy
from stagefy_testing import make_photo, run_cli, sql

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def queued_edit(signed_in_agent, tmp_path):
    """An enhance of one photo, queued with no worker running yet: (project id, output folder)."""
    photo = make_photo(tmp_path / "room.jpg")
    out = tmp_path / "out"
    result = run_cli(["edit", str(photo), "--type", "enhance", "--provider", "local", "--yes", "--no-wait"])
    assert result.exit_code == 8, result.stderr
    return result.stdout.strip().splitlines()[0], out


def _watch_in_thread(project_id: str, out, env: dict | None = None):
    outcome: dict = {}

    def watch() -> None:
        outcome["result"] = run_cli(["projects", "watch", project_id, "--out", str(out)], env=env)
        outcome["ended"] = time.time()

    thread = threading.Thread(target=watch)
    thread.start()
    return thread, outcome


def _completed_at(stack, project_id: str) -> float:
    return sql(
        stack, "select extract(epoch from completed_at) from public.projects where id = %s", project_id
    )[0][0]


@pytest.mark.slow  # watches a job through several quiet seconds (about 3 s)
def test_a_waiting_watch_reads_its_project_only_when_told(stack, queued_edit, job_worker, monkeypatch):
    project_id, out = queued_edit
    with CountingProxy(stack.url) as proxy:
        monkeypatch.setenv("SUPABASE_URL", proxy.url)
        thread, outcome = _watch_in_thread(project_id, out)
        time.sleep(3.0)  # three seconds of waiting: polling at 0.2 s would have read 15 times
        reads_while_waiting = proxy.reads
        job_worker()
        thread.join(60)
    assert outcome["result"].exit_code == 0, outcome["result"].stderr
    assert reads_while_waiting <= 2  # the read after joining (and the watch's own look-up)
    assert list(out.iterdir())
    # the end is pushed: noticed well before the next safety read (a minute) would have seen it
    assert outcome["ended"] - float(_completed_at(stack, project_id)) < 3.0


@pytest.mark.slow  # waits through the polling back-off (about 10 s)
def test_without_realtime_the_wait_polls_backing_off_and_says_so_once(
    stack, queued_edit, job_worker, monkeypatch
):
    project_id, out = queued_edit
    with CountingProxy(stack.url) as proxy:
        proxy.refuse_realtime = True
        monkeypatch.setenv("SUPABASE_URL", proxy.url)
        thread, outcome = _watch_in_thread(project_id, out, env={"STAGEFY_DEBUG": "1"})
        time.sleep(8.0)
        reads_while_waiting = proxy.reads
        job_worker()
        thread.join(60)
    result = outcome["result"]
    assert result.exit_code == 0, result.stderr
    # backing off from 0.05 s towards 5 s: about a dozen reads in 8 s, not the 40 of a 0.2 s poll
    assert 3 <= reads_while_waiting <= 16
    assert result.stderr.count("debug: Realtime progress unavailable; polling") == 1


@pytest.mark.slow  # waits out a socket reconnect (about 2 s)
def test_a_change_made_while_the_socket_reconnects_is_seen_after_it(
    stack, queued_edit, job_worker, monkeypatch
):
    """No polling to fall back on (its first read a minute away): only the read that follows the
    rejoin can see the completion the lost socket missed."""
    from stagefy_cli.services import projects

    monkeypatch.setattr(projects, "POLL_FIRST_S", 60.0)
    monkeypatch.setattr(projects, "POLL_MAX_S", 60.0)
    project_id, out = queued_edit
    with CountingProxy(stack.url) as proxy:
        monkeypatch.setenv("SUPABASE_URL", proxy.url)
        thread, outcome = _watch_in_thread(project_id, out)
        time.sleep(1.5)
        proxy.refuse_realtime = True  # the socket drops and cannot come back at once
        proxy.drop_realtime()
        worker = job_worker()  # the job completes while there is no socket: its push is lost
        deadline = time.monotonic() + 30
        while sql(stack, "select status from public.projects where id = %s", project_id)[0][0] != "completed":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        worker.stop()
        proxy.refuse_realtime = False  # Realtime is back: the rejoin's read finds the completed project
        back = time.time()
        thread.join(60)
    assert outcome["result"].exit_code == 0, outcome["result"].stderr
    assert list(out.iterdir())
    assert outcome["ended"] - back < 15  # the rejoin (backing off to at most 10 s), not a minute's poll
