"""Retries that mean it, and limits the worker enforces: a rate-limited provider (a local server
speaking Gemini's API) is retried through the queue with backoff up to the attempt limit; a job
past its kind's time limit is stopped in a real worker process and refunded; a photo whose
header declares too many pixels fails at once."""

from __future__ import annotations

import io
import signal

import pytest
from PIL import Image
from stagefy_testing import ServerThread, make_photo, run_cli, sql
from worker_support import GeminiStandIn, WorkerProcess, wait_for

from stagefy_cli.services.workers import load_providers

GREEN = (10, 160, 60)


def project_state(stack, project_id: str) -> str:
    return sql(stack, "select status::text from public.projects where id = %s", project_id)[0][0]


def run_until_done(job_worker, stack, project_id: str, providers: dict, **config) -> None:
    """Start the test's worker with quick retries and wait until the project is finished."""
    job_worker(providers, poll_interval=0.05, max_poll_interval=0.1, retry_base=0.2, **config)
    wait_for(lambda: project_state(stack, project_id) in ("completed", "failed"), 60, "the project to finish")


def submit(tmp_path, edit_type="declutter", photo=None) -> str:
    photo = photo or make_photo(tmp_path / "lounge.jpg")
    submitted = run_cli(["edit", str(photo), "--type", edit_type, "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    return submitted.stdout.strip()


def job_and_ledger(stack, project_id: str):
    job = sql(
        stack,
        "select status::text, attempts, error_message, run_after from public.ai_jobs where project_id = %s",
        project_id,
    )[0]
    ledger = sql(
        stack,
        "select type::text, amount from public.credit_transactions where project_id = %s order by created_at",
        project_id,
    )
    return job, ledger


def test_rate_limited_twice_then_success_completes_on_the_third_attempt_charged_once(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    stand_in = GeminiStandIn([(429, "RESOURCE_EXHAUSTED"), (429, "RESOURCE_EXHAUSTED"), ("image", GREEN)])
    project_id = submit(tmp_path)
    with ServerThread(stand_in.app) as gemini:
        env = {"GEMINI_API_KEY": "k", "GEMINI_BASE_URL": gemini.url}
        run_until_done(job_worker, cli_stack, project_id, load_providers(["nano_banana"], env))
    (status, attempts, error, run_after), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts, error, run_after) == ("completed", 3, None, None)
    assert stand_in.requests == 3
    assert ledger == [("usage", -1)]
    watched = run_cli(["projects", "watch", project_id[:8], "--out", str(tmp_path / "out"), "--json"])
    with Image.open(watched.json()["files"][0]) as result:
        assert result.convert("RGB").getpixel((3, 3)) == GREEN


def test_a_rate_limit_that_persists_fails_after_the_attempt_limit_and_refunds_once(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    stand_in = GeminiStandIn([(429, "RESOURCE_EXHAUSTED")])
    project_id = submit(tmp_path)
    with ServerThread(stand_in.app) as gemini:
        env = {"GEMINI_API_KEY": "k", "GEMINI_BASE_URL": gemini.url}
        run_until_done(
            job_worker, cli_stack, project_id, load_providers(["nano_banana"], env), max_attempts=3
        )
    (status, attempts, error, _), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts) == ("failed", 3)
    assert "rate limited" in error
    assert stand_in.requests == 3
    assert ledger == [("usage", -1), ("refund", 1)]


def test_a_refusal_is_not_retried(signed_in_agent, cli_stack, job_worker, tmp_path):
    stand_in = GeminiStandIn([(400, "INVALID_ARGUMENT")])
    project_id = submit(tmp_path)
    with ServerThread(stand_in.app) as gemini:
        env = {"GEMINI_API_KEY": "k", "GEMINI_BASE_URL": gemini.url}
        run_until_done(job_worker, cli_stack, project_id, load_providers(["nano_banana"], env))
    (status, attempts, error, _), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts, stand_in.requests) == ("failed", 1, 1)
    assert "INVALID_ARGUMENT (stand-in)" in error
    assert ledger == [("usage", -1), ("refund", 1)]


def test_a_photo_declaring_88_megapixels_fails_fast_with_a_refund(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    """Uploaded through the API (the CLI would refuse it): the worker reads the header only."""
    from stagefy_cli.backend.client import UserContext
    from stagefy_cli.services import edits

    huge = io.BytesIO()
    Image.new("1", (11_000, 8_000)).save(huge, "PNG", optimize=True)  # 88 MP in a few kilobytes
    agent = signed_in_agent
    path = f"{agent.id}/uploads/huge.png"
    agent.client.storage.from_("media").upload(path, huge.getvalue(), {"content-type": "image/png"})
    ctx = UserContext(agent.client, agent.id, agent.email)
    photo = {"path": path, "filename": "huge.png", "size": len(huge.getvalue()), "mime_type": "image/png"}
    project_id = edits.submit(ctx, [photo], edits.EditOptions("enhance"))["project_id"]

    run_until_done(job_worker, cli_stack, project_id, load_providers(["local"], {}))
    (status, attempts, error, _), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts) == ("failed", 1)
    assert error == "huge.png is 11000x8000 pixels (88 megapixels); at most 60 megapixels."
    assert ledger == [("usage", -1), ("refund", 1)]


@pytest.fixture
def one_second_videos(stack):
    """Videos may run for one second (the operator's setting in public.job_kinds), for this test."""
    sql(stack, "update public.job_kinds set max_run_seconds = 1 where kind = 'video'")
    yield
    sql(stack, "update public.job_kinds set max_run_seconds = 1800 where kind = 'video'")


def test_a_video_past_its_time_limit_is_stopped_and_refunded(
    signed_in_agent, cli_stack, tmp_path, one_second_videos
):
    photos = [str(make_photo(tmp_path / f"room{i}.jpg", size=(1600, 1200))) for i in range(4)]
    submitted = run_cli(["video", "create", *photos, "--no-wait", "--yes", "--json"])
    assert submitted.exit_code == 8, submitted.stderr
    project_id = submitted.json()["project_id"]

    worker = WorkerProcess(cli_stack, tmp_path / "worker", "--providers", "local", users=[signed_in_agent])
    try:
        wait_for(
            lambda: project_state(cli_stack, project_id) == "failed", 60, "the time limit", workers=[worker]
        )
        assert worker.process.poll() is None  # the worker itself goes on
        worker.signal(signal.SIGTERM)
        assert worker.wait(60) == 0, worker.log()
    finally:
        worker.kill()
    (status, attempts, error, _), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts) == ("failed", 1)
    assert error == "stopped after 1 s: a video job may run at most 1 s"
    assert [row[0] for row in ledger] == ["usage", "refund"] and sum(row[1] for row in ledger) == 0


class BrokenProvider:
    """A provider with a bug: it raises something that is not a ProviderError."""

    name = "local"

    def supports(self, edit_type: str) -> bool:
        return True

    def model_for(self, edit_type: str) -> str:
        return "broken"

    def run(self, request, *, on_submitted=None, timeout: float = 300):
        raise KeyError("candidates")

    def cancel(self, provider_job_id: str) -> None:
        """Nothing to cancel."""


def test_an_unexpected_error_is_logged_with_its_traceback_and_fails_once(
    signed_in_agent, cli_stack, job_worker, tmp_path, caplog
):
    project_id = submit(tmp_path, edit_type="enhance")
    with caplog.at_level("INFO", logger="stagefy.worker"):
        run_until_done(job_worker, cli_stack, project_id, {"local": BrokenProvider()})
    (status, attempts, error, _), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts) == ("failed", 1)
    assert error == "internal error in the worker (KeyError: 'candidates')"
    [record] = [r for r in caplog.records if "unexpected error" in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert ledger == [("usage", -1), ("refund", 1)]


def test_heartbeats_never_extend_a_lease_past_the_jobs_time_limit(signed_in_agent, cli_stack, tmp_path):
    project_id = submit(tmp_path, edit_type="enhance")
    service = cli_stack.service_client()
    claimed = (
        service.rpc(
            "claim_jobs",
            {"p_worker": "w-cap", "p_limit": 1, "p_lease_seconds": 3600, "p_user_ids": [signed_in_agent.id]},
        )
        .execute()
        .data
    )
    [job] = [j for j in claimed if j["project_id"] == project_id]
    service.rpc(
        "heartbeat_jobs", {"p_worker": "w-cap", "p_job_ids": [job["id"]], "p_lease_seconds": 86400}
    ).execute()
    [(limit, lease_past_deadline)] = sql(
        cli_stack,
        "select extract(epoch from deadline_at - claimed_at), extract(epoch from lease_expires_at - deadline_at) "
        "from public.ai_jobs where id = %s",
        job["id"],
    )
    assert limit == 900  # an edit's maximum run time (public.job_kinds)
    assert lease_past_deadline == 30  # the margin in which the worker reports the time-out itself


@pytest.fixture
def small_bucket(stack):
    """The media bucket takes 5 kB files for this test (photos are uploaded before it applies)."""
    yield lambda: sql(stack, "update storage.buckets set file_size_limit = 5000 where id = 'media'")
    sql(stack, "update storage.buckets set file_size_limit = 50 * 1024 * 1024 where id = 'media'")


def test_a_result_larger_than_the_bucket_takes_fails_clearly_with_a_refund(
    signed_in_agent, cli_stack, job_worker, tmp_path, small_bucket
):
    project_id = submit(tmp_path, edit_type="enhance")
    small_bucket()
    run_until_done(job_worker, cli_stack, project_id, load_providers(["local"], {}))
    (status, attempts, error, _), ledger = job_and_ledger(cli_stack, project_id)
    assert (status, attempts) == ("failed", 1)
    assert error.startswith("the result is ") and "more than the storage bucket takes" in error
    assert ledger == [("usage", -1), ("refund", 1)]
