"""A finishing job hands its slot to the next one in the same call (`complete_and_claim`), and
claims carry a token so a call repeated after a lost answer neither completes twice nor strands jobs."""

from __future__ import annotations

import threading
import time
import uuid
from decimal import Decimal

from stagefy_testing import make_photo, run_cli, sql

from stagefy_cli.ai.base import EditRequest, EditResult
from stagefy_cli.backend.client import service_rest


def submit_photos(tmp_path, count: int) -> str:
    photos = [str(make_photo(tmp_path / f"room-{n}.jpg", color=(100 + n, 120, 140))) for n in range(count)]
    submitted = run_cli(["edit", *photos, "--type", "enhance", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    return submitted.stdout.strip()


def jobs_of(stack, project_id: str) -> dict[str, tuple[str, int]]:
    rows = sql(
        stack, "select id::text, status::text, attempts from public.ai_jobs where project_id = %s", project_id
    )
    return {job_id: (status, attempts) for job_id, status, attempts in rows}


def test_a_repeated_complete_and_claim_completes_once_and_hands_back_the_same_job(
    signed_in_agent, cli_stack, tmp_path
):
    project_id = submit_photos(tmp_path, 3)
    api = service_rest(cli_stack.url, cli_stack.service_role_key)
    terms = {"p_worker": "w-repeat", "p_lease_seconds": 600, "p_user_ids": [signed_in_agent.id]}
    first_claim = {**terms, "p_limit": 1, "p_claim_token": str(uuid.uuid4())}
    [job] = api.rpc("claim_jobs", first_claim).execute().data
    assert [again["id"] for again in api.rpc("claim_jobs", first_claim).execute().data] == [job["id"]]

    completion = {
        **terms,
        "p_job_id": job["id"],
        "p_output_path": f"{signed_in_agent.id}/outputs/{project_id}/{job['id']}/attempt-1.jpg",
        "p_file_size": 10,
        "p_latency_ms": 5,
        "p_attempt": 1,
        "p_claim_limit": 1,
        "p_claim_token": str(uuid.uuid4()),
    }
    answers = [api.rpc("complete_and_claim", completion).execute().data for _ in range(2)]
    assert answers[0]["won"] is True and answers[1]["won"] is True
    [handed] = answers[0]["claimed"]
    assert [claimed["id"] for claimed in answers[1]["claimed"]] == [handed["id"]]

    jobs = jobs_of(cli_stack, project_id)
    assert jobs[job["id"]] == ("completed", 1)
    assert jobs[handed["id"]] == ("processing", 1)
    assert sorted(state for state, _ in jobs.values()) == ["completed", "processing", "queued"]
    media = sql(cli_stack, "select count(*) from public.media_items where project_id = %s", project_id)[0][0]
    assert media == 1


class CountingProvider:
    """The local provider's name; returns the photo unchanged after a short pause, counting how many
    of its runs overlap."""

    name = "local"

    def __init__(self):
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0

    def supports(self, edit_type: str) -> bool:
        return True

    def model_for(self, edit_type: str) -> str:
        return "counting"

    def run(self, request: EditRequest, *, on_submitted=None, timeout: float = 300) -> EditResult:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)
        with self._lock:
            self.running -= 1
        return EditResult(
            image=request.image, mime_type=request.mime_type, model="counting", api_cost=Decimal(0)
        )

    def cancel(self, provider_job_id: str) -> None:
        """Nothing runs elsewhere."""


def test_a_worker_handing_slots_over_never_runs_more_jobs_than_its_concurrency(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    project_id = submit_photos(tmp_path, 12)
    provider = CountingProvider()
    worker = job_worker({"local": provider}, start=False, concurrency=3)
    assert worker.run(once=True) == 12
    assert 1 < provider.most <= 3
    assert set(jobs_of(cli_stack, project_id).values()) == {("completed", 1)}
    media = sql(
        cli_stack, "select count(distinct url) from public.media_items where project_id = %s", project_id
    )
    assert media[0][0] == 12
