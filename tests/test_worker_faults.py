"""Faults an operator meets, with real worker processes: a worker stalled past its lease (SIGSTOP),
PostgreSQL stopped mid-job, SIGTERM during a job. Whatever happens, a paid job ends with one
output that downloads, one charge and one media row."""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager

import pytest
from PIL import Image
from stagefy_testing import PASSWORD, Agent, ServerThread, make_photo, run_cli, sign_in, sql
from worker_support import GeminiStandIn, WorkerProcess, wait_for

BLUE, ORANGE = (20, 40, 200), (230, 120, 10)


def gemini_env(server) -> dict:
    return {"GEMINI_API_KEY": "test-gemini-key", "GEMINI_BASE_URL": server.url}


def submit_declutter(tmp_path, name="hall.jpg") -> str:
    photo = make_photo(tmp_path / name, size=(800, 600))  # the stand-in's size: its colour comes back as sent
    submitted = run_cli(["edit", str(photo), "--type", "declutter", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    return submitted.stdout.strip()


def job_row(stack, project_id: str) -> dict:
    [row] = sql(
        stack,
        "select id::text, status::text, attempts, completed_attempt, output_url, worker_id, "
        "lease_expires_at < now() from public.ai_jobs where project_id = %s",
        project_id,
    )
    keys = ("id", "status", "attempts", "completed_attempt", "output_url", "worker_id", "lease_expired")
    return dict(zip(keys, row, strict=True))


def assert_one_result(stack, tmp_path, project_id: str, color) -> None:
    """The project downloads one file with `color`, was charged once and has one media row."""
    watched = run_cli(["projects", "watch", project_id[:8], "--out", str(tmp_path / "out"), "--json"])
    assert watched.exit_code == 0, watched.stderr
    [path] = watched.json()["files"]
    with Image.open(path) as result:
        assert result.convert("RGB").getpixel((5, 5)) == color
    ledger = sql(
        stack,
        "select type::text, amount from public.credit_transactions where project_id = %s",
        project_id,
    )
    assert ledger == [("usage", -1)]
    assert sql(stack, "select count(*) from public.media_items where project_id = %s", project_id) == [(1,)]


def stored_files(stack, job_id: str) -> list[str]:
    rows = sql(stack, "select name from storage.objects where name like %s order by name", f"%/{job_id}/%")
    return [row[0] for row in rows]


@pytest.mark.slow  # waits out a lease (about 12 s)
def test_a_worker_stalled_past_its_lease_never_destroys_the_winners_output(
    signed_in_agent, cli_stack, tmp_path
):
    stand_in = GeminiStandIn([("hold", ORANGE), ("image", BLUE)])
    project_id = submit_declutter(tmp_path)
    home = tmp_path / "workers"
    with ServerThread(stand_in.app) as gemini:
        env = gemini_env(gemini)
        stalled = WorkerProcess(
            cli_stack, home, "--providers", "nano_banana", "--lease", "10", env=env, users=[signed_in_agent]
        )
        try:
            wait_for(
                lambda: stand_in.requests == 1, 60, "the first worker to call the provider", workers=[stalled]
            )
            stalled.signal(signal.SIGSTOP)  # a GC pause, a laptop lid, a slow network...
            stand_in.release.set()  # its answer waits in the stopped worker's socket
            wait_for(lambda: job_row(cli_stack, project_id)["lease_expired"], 30, "the lease to lapse")

            second = WorkerProcess(
                cli_stack,
                home,
                "--providers",
                "nano_banana",
                "--lease",
                "10",
                env=env,
                users=[signed_in_agent],
            )
            try:
                wait_for(
                    lambda: job_row(cli_stack, project_id)["status"] == "completed",
                    60,
                    "the takeover",
                    workers=[second],
                )
                second.signal(signal.SIGTERM)
                assert second.wait(60) == 0, second.log()
            finally:
                second.kill()
            job = job_row(cli_stack, project_id)
            assert (job["attempts"], job["completed_attempt"]) == (2, 2)

            stalled.signal(signal.SIGCONT)  # it resumes with the first answer in hand
            wait_for(
                lambda: "lost the job" in stalled.log() or "no longer ours" in stalled.log(),
                60,
                "the stalled worker to notice it lost the job",
            )
            stalled.signal(signal.SIGTERM)
            assert stalled.wait(60) == 0, stalled.log()
        finally:
            stalled.kill()

    job = job_row(cli_stack, project_id)
    assert job["status"] == "completed" and job["output_url"].endswith("/attempt-2.png")
    assert stored_files(cli_stack, job["id"]) == [job["output_url"]]
    assert_one_result(cli_stack, tmp_path, project_id, BLUE)


@contextmanager
def outage_stack(monkeypatch, tmp_path, email: str):
    """A stack of the test's own (its PostgreSQL is stopped) with an agent signed in to it."""
    from stagefy_cli.local.ephemeral import ephemeral_stack

    with ephemeral_stack(tmp_path / "stack") as stack:
        monkeypatch.setenv("SUPABASE_URL", stack.url)
        monkeypatch.setenv("SUPABASE_ANON_KEY", stack.anon_key)
        signup = run_cli(
            ["auth", "signup", "--email", email, "--name", "Outage Agent", "--password-stdin"],
            input=PASSWORD + "\n",
        )
        assert signup.exit_code == 0, signup.stderr
        sign_in(Agent(id="", email=email, password=PASSWORD, client=None))
        yield stack


def postgres_down_for(tmp_path, seconds: float) -> None:
    """Stop the stack's PostgreSQL for `seconds`, then start it again on the same data."""
    from stagefy_cli.local.postgres import EmbeddedPostgres, stop_data_dir

    data_dir = tmp_path / "stack" / "pg" / "data"
    assert stop_data_dir(data_dir)
    time.sleep(seconds)
    EmbeddedPostgres(data_dir)._server.ensure_postgres_running()  # the wheel caches one handle per data dir


@pytest.mark.slow  # stops and restarts PostgreSQL (about 34 s)
def test_postgres_stopped_mid_job_loses_nothing_and_runs_the_provider_once(monkeypatch, tmp_path):
    with outage_stack(monkeypatch, tmp_path, "pg-outage@example.com") as stack:
        stand_in = GeminiStandIn([("hold", BLUE)])
        project_id = submit_declutter(tmp_path)
        with ServerThread(stand_in.app) as gemini:
            worker = WorkerProcess(
                stack, tmp_path / "workers", "--providers", "nano_banana", env=gemini_env(gemini)
            )
            try:
                wait_for(
                    lambda: stand_in.requests == 1, 60, "the worker to call the provider", workers=[worker]
                )
                stand_in.release.set()  # the provider answers while the database is down
                postgres_down_for(tmp_path, 15)
                wait_for(
                    lambda: job_row(stack, project_id)["status"] == "completed", 120, "the job to complete"
                )
                worker.signal(signal.SIGTERM)
                assert worker.wait(60) == 0, worker.log()
            finally:
                worker.kill()
        assert stand_in.requests == 1
        job = job_row(stack, project_id)
        assert job["attempts"] == 1 and stored_files(stack, job["id"]) == [job["output_url"]]
        assert_one_result(stack, tmp_path, project_id, BLUE)


def lease_ends_at(stack, project_id: str):
    return sql(stack, "select lease_expires_at from public.ai_jobs where project_id = %s", project_id)[0][0]


@pytest.mark.slow  # an outage longer than a lease (about 60 s)
def test_an_outage_longer_than_the_lease_leaves_the_running_job_to_its_worker(monkeypatch, tmp_path):
    """Slow (about 30 s, a third of it the outage): the database must stay down longer than the
    shortest lease the worker takes (10 s). When it is back, the worker's heartbeat or its own claim
    (which takes the job again: the attempt it was running goes on as the new one) holds the job;
    the provider is asked once, the heartbeat keeps the lease, and it completes with one result and
    one charge."""
    with outage_stack(monkeypatch, tmp_path, "long-outage@example.com") as stack:
        stand_in = GeminiStandIn([("hold", BLUE)])
        project_id = submit_declutter(tmp_path)
        with ServerThread(stand_in.app) as gemini:
            worker = WorkerProcess(
                stack,
                tmp_path / "workers",
                "--providers",
                "nano_banana",
                "--lease",
                "10",
                env=gemini_env(gemini),
            )
            try:
                wait_for(
                    lambda: stand_in.requests == 1, 60, "the worker to call the provider", workers=[worker]
                )
                postgres_down_for(tmp_path, 12)  # the lease lapses meanwhile
                # When the database is back, the worker's heartbeat renews the lapsed lease of the
                # attempt it runs, or its own claim takes the job again first (attempt 2, the case
                # that used to strand the new attempt): either way it keeps running the job.
                wait_for(
                    lambda: (row := job_row(stack, project_id))["attempts"] == 2 or not row["lease_expired"],
                    60,
                    "the worker to hold the job again",
                    workers=[worker],
                )
                claimed_until = lease_ends_at(stack, project_id)
                wait_for(
                    lambda: lease_ends_at(stack, project_id) > claimed_until,
                    15,
                    "a heartbeat for the new attempt",
                    workers=[worker],
                )
                stand_in.release.set()
                wait_for(
                    lambda: job_row(stack, project_id)["status"] == "completed",
                    60,
                    "the job to complete",
                    workers=[worker],
                )
                worker.signal(signal.SIGTERM)
                assert worker.wait(60) == 0, worker.log()
            finally:
                worker.kill()
        assert stand_in.requests == 1, worker.log()
        job = job_row(stack, project_id)
        assert job["attempts"] in (1, 2) and job["completed_attempt"] == job["attempts"]
        assert job["output_url"].endswith(f"/attempt-{job['attempts']}.png")
        assert stored_files(stack, job["id"]) == [job["output_url"]]
        assert_one_result(stack, tmp_path, project_id, BLUE)


@pytest.mark.slow  # two worker processes in turn (about 2-4 s)
def test_sigterm_during_a_job_releases_it_and_another_worker_completes_it(
    signed_in_agent, cli_stack, tmp_path
):
    stand_in = GeminiStandIn([("hold", ORANGE), ("image", BLUE)])
    project_id = submit_declutter(tmp_path)
    home = tmp_path / "workers"
    with ServerThread(stand_in.app) as gemini:
        env = gemini_env(gemini)
        first = WorkerProcess(
            cli_stack, home, "--providers", "nano_banana", "--grace", "1", env=env, users=[signed_in_agent]
        )
        try:
            wait_for(
                lambda: stand_in.requests == 1, 60, "the first worker to call the provider", workers=[first]
            )
            first.signal(signal.SIGTERM)
            assert first.wait(60) == 0, first.log()
        finally:
            first.kill()
            stand_in.release.set()
        job = job_row(cli_stack, project_id)
        assert (job["status"], job["worker_id"]) == ("queued", None)  # released: no lease to wait out
        assert "released 1 job(s)" in first.log()

        second = WorkerProcess(
            cli_stack, home, "--providers", "nano_banana", env=env, users=[signed_in_agent]
        )
        try:
            wait_for(
                lambda: job_row(cli_stack, project_id)["status"] == "completed",
                60,
                "the second worker",
                workers=[second],
            )
            second.signal(signal.SIGINT)
            assert second.wait(60) == 0, second.log()
        finally:
            second.kill()
    assert job_row(cli_stack, project_id)["attempts"] == 2
    assert_one_result(cli_stack, tmp_path, project_id, BLUE)
