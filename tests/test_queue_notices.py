"""The local stack's worker claims a queued job at once: PostgreSQL notifies the queue's listener,
which wakes the worker out of its idle poll (which backs off to seconds while the queue is empty)."""

from __future__ import annotations

import threading
import time

from stagefy_testing import make_photo, run_cli, sql

from stagefy_cli.local.queue_notices import wake_on_queued_jobs


def submit(tmp_path, name: str) -> str:
    photo = make_photo(tmp_path / f"{name}.jpg")
    submitted = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    return submitted.stdout.strip()


def status(stack, project_id: str) -> str:
    return sql(stack, "select status::text from public.projects where id = %s", project_id)[0][0]


def wait_for(stack, project_id: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while status(stack, project_id) != "completed" and time.monotonic() < deadline:
        time.sleep(0.05)
    return status(stack, project_id)


def test_a_queued_job_wakes_the_listener_and_a_cancel_does_not(signed_in_agent, cli_stack, tmp_path):
    woken = threading.Event()
    stop = threading.Event()
    wake_on_queued_jobs(cli_stack.dsn, woken.set, stop)
    try:
        project = submit(tmp_path, "hall")
        assert woken.wait(10)
        woken.clear()
        assert run_cli(["projects", "cancel", project[:8], "--yes"]).exit_code == 0
        assert not woken.wait(1.0)
    finally:
        stop.set()


def test_an_idle_worker_claims_a_new_job_at_once_not_at_its_next_poll(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    worker = job_worker(poll_interval=60.0, max_poll_interval=60.0)  # unwoken, it would sleep a minute
    stop = threading.Event()
    wake_on_queued_jobs(cli_stack.dsn, worker.wake, stop)
    try:
        first = submit(tmp_path, "porch")
        assert wait_for(cli_stack, first, 30) == "completed"
        time.sleep(1.0)  # the worker found the queue empty again and sleeps its 60 s poll
        second = submit(tmp_path, "garden")
        assert wait_for(cli_stack, second, 20) == "completed"
    finally:
        stop.set()
