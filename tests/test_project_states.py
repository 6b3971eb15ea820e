"""Projects and admin views say what happened: who ran a job (nobody, for one cancelled in the
queue), a batch cancelled half-way is "cancelled" and its rest can be retried, the net charge of a
refunded project, the real state of an earlier retry, why a project has nothing to download, and
the names results are shared, downloaded and rendered under."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
import web
from PIL import Image
from stagefy_testing import balance, cli_json, library_item, make_photo, run_cli, sql

WORKER = "test-worker:partial"


def _batch(tmp_path, count: int) -> str:
    photos = [str(make_photo(tmp_path / f"room-{n}.jpg")) for n in range(count)]
    queued = run_cli(["edit", *photos, "--type", "enhance", "--yes", "--no-wait"])
    assert queued.exit_code == 8, queued.stderr  # queued: no worker runs for this user yet
    return queued.stdout.strip()


def _finish_some(stack, user_id: str, count: int) -> None:
    """Do what a worker does for `count` of the user's queued jobs: claim, store a result, complete."""
    service = stack.service_client()
    claimed = (
        service.rpc("claim_jobs", {"p_worker": WORKER, "p_limit": count, "p_user_ids": [user_id]})
        .execute()
        .data
    )
    assert len(claimed) == count
    for job in claimed:
        buffer = io.BytesIO()
        Image.new("RGB", (300, 300), (120, 130, 140)).save(buffer, "JPEG")
        path = f"{user_id}/outputs/{job['project_id']}/{job['id']}/attempt-1.jpg"
        service.storage.from_("media").upload(path, buffer.getvalue(), {"content-type": "image/jpeg"})
        done = service.rpc(
            "complete_job",
            {
                "p_job_id": job["id"],
                "p_worker": WORKER,
                "p_output_path": path,
                "p_file_size": len(buffer.getvalue()),
                "p_latency_ms": 5,
            },
        ).execute()
        assert done.data is True


def test_a_job_cancelled_in_the_queue_ran_on_no_provider(signed_in_agent, cli_stack, tmp_path):
    since = datetime.now(UTC).isoformat()
    project_id = _batch(tmp_path, 1)
    assert run_cli(["projects", "cancel", project_id[:8], "--yes"]).exit_code == 0
    [job] = cli_json(["projects", "show", project_id[:8]])["jobs"]
    assert (job["service"], job["model"]) == (None, None)

    sql(cli_stack, "update public.users set role = 'admin' where id = %s", signed_in_agent.id)
    rows = cli_json(["admin", "jobs", "--since", since])
    assert rows == [
        {
            "service": None,
            "model": None,
            "jobs": 1,
            "completed": 0,
            "failed": 0,
            "p50_latency_ms": None,
            "p95_latency_ms": None,
            "api_cost": 0,
            "credits": 0,  # refunded
        }
    ]


def test_a_batch_cancelled_half_way_is_cancelled_and_its_rest_is_retried(
    signed_in_agent, cli_stack, tmp_path
):
    """4 of 10 done, then cancelled: the project is "cancelled" (not "completed"), its 4 results
    download, the list shows what it cost after the refund, and a retry runs the other 6."""
    project_id = _batch(tmp_path, 10)
    _finish_some(cli_stack, signed_in_agent.id, 4)
    cancelled = cli_json(["projects", "cancel", project_id[:8], "--yes"])
    assert (cancelled["cancelled_jobs"], cancelled["refunded"]) == (6, 6)

    shown = cli_json(["projects", "show", project_id[:8]])
    assert shown["status"] == "cancelled"
    assert (shown["credit_cost"], shown["refunded_credits"]) == (10, 6)
    listed = run_cli(["projects", "list"])
    row = next(line for line in listed.stdout.splitlines() if line.startswith(project_id))
    assert row.split("\t")[3:5] == ["cancelled", "4"]  # not "completed", and not the 10 charged
    [listed_json] = cli_json(["projects", "list"])
    assert (listed_json["credit_cost"], listed_json["net_credits"]) == (10, 4)

    saved = cli_json(["projects", "download", project_id[:8], "--out", str(tmp_path / "done")])
    assert len(saved) == 4

    # the rest runs again: 6 photos, 6 credits
    from stagefy_cli.backend.client import signed_in
    from stagefy_cli.services import projects

    # what the question before the retry says it costs: (credits, photos)
    assert projects.retry_cost(projects.get_project(signed_in(), project_id)) == (6, 6)
    before = balance(cli_stack, signed_in_agent.id)
    retried = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait"])
    assert retried.exit_code == 8, retried.stderr
    assert "6 credits charged" in retried.stderr
    new_id = retried.stdout.strip()
    assert balance(cli_stack, signed_in_agent.id) == before - 6
    again = cli_json(["projects", "show", new_id[:8]])
    done_sources = {f"room-{n}.jpg" for n in range(10)} - {j["input"]["filename"] for j in again["jobs"]}
    assert len(again["jobs"]) == 6 and len(done_sources) == 4


def test_a_second_retry_reports_what_became_of_the_first(signed_in_agent, cli_stack, job_worker, tmp_path):
    project_id = _batch(tmp_path, 1)
    assert run_cli(["projects", "cancel", project_id[:8], "--yes"]).exit_code == 0
    first = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait"])
    retry_id = first.stdout.strip()
    sql(  # the retry fails, as a worker would fail it (its photo was removed meanwhile)
        cli_stack,
        "update public.ai_jobs set status = 'failed', error_message = 'the photo cannot be read' "
        "where project_id = %s",
        retry_id,
    )
    sql(cli_stack, "select private.refresh_project(%s)", retry_id)
    second = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait"])
    assert second.exit_code == 2
    assert f"already retried as project {retry_id}, which is failed" in second.stderr
    assert f"stagefy projects retry {retry_id[:8]}" in second.stderr
    assert "queued" not in second.stderr


def test_downloading_a_failed_project_says_it_failed(signed_in_agent, cli_stack, job_worker, tmp_path):
    photo = make_photo(tmp_path / "hall.jpg")
    queued = run_cli(["edit", str(photo), "--type", "declutter", "--yes", "--no-wait"])
    project_id = queued.stdout.strip()
    job_worker()  # local only: it cannot declutter, and fails the job
    run_cli(["projects", "watch", project_id[:8], "--timeout", "60"])
    result = run_cli(["projects", "download", project_id[:8], "--out", str(tmp_path)])
    assert result.exit_code == 5
    line = result.stderr.strip()
    assert line.startswith(f"Error: project {project_id[:8]} failed: the local provider cannot do declutter")
    assert "no results yet" not in line
    assert line.endswith(f"Run it again with: stagefy projects retry {project_id[:8]}")


def test_shared_links_download_under_the_results_name(signed_in_agent, cli_stack, local_worker, tmp_path):
    photo = make_photo(tmp_path / "kitchen.jpg")
    edited = run_cli(
        ["edit", str(photo), "--type", "enhance", "--yes", "--json", "--out", str(tmp_path / "o")]
    )
    assert edited.exit_code == 0, edited.stderr
    project_id = edited.json()["id"] if isinstance(edited.json(), dict) else edited.json()[0]["id"]
    [link] = cli_json(["projects", "share", project_id[:8]])
    response = web.get(link["url"])
    assert response.status_code == 200 and response.content[:3] == b"\xff\xd8\xff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "enhance of kitchen.jpg" in unquote(disposition)
    assert "attempt-1" not in disposition


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="what Linux forbids in a file name")
def test_media_download_keeps_what_linux_allows_in_a_name(signed_in_agent, cli_stack, tmp_path):
    item = library_item(
        cli_stack,
        signed_in_agent.id,
        make_photo(tmp_path / "x.jpg").read_bytes(),
        "Open house 10:30 <Sat>?.jpg",
    )
    saved = cli_json(["media", "download", item["id"][:8], "--out", str(tmp_path / "media")])
    assert [p["path"].rsplit("/", 1)[-1] for p in saved] == ["Open house 10:30 <Sat>?.jpg"]


def test_a_video_of_library_photos_is_named_after_their_listing_or_title(
    signed_in_agent, cli_stack, tmp_path
):
    titled = library_item(
        cli_stack, signed_in_agent.id, make_photo(tmp_path / "a.jpg").read_bytes(), "staged lounge.jpg"
    )
    queued = run_cli(["video", "create", titled["id"][:8], "--yes", "--no-wait"])
    assert queued.exit_code == 8, queued.stderr
    [job] = cli_json(["projects", "show", queued.stdout.strip()[:8]])["jobs"]
    assert job["input"]["filename"] == "staged-lounge"

    listing = cli_json(["crm", "listings", "add", "--address", "12 Oak Street", "--city", "Durban"])
    assert run_cli(["media", "link", titled["id"][:8], "--listing", listing["id"][:8]]).exit_code == 0
    queued = run_cli(["video", "create", titled["id"][:8], "--yes", "--no-wait"])
    [job] = cli_json(["projects", "show", queued.stdout.strip()[:8]])["jobs"]
    assert job["input"]["filename"] == "12-oak-street"


def test_the_failed_photos_of_a_finished_batch_can_be_retried(signed_in_agent, cli_stack, tmp_path):
    project_id = _batch(tmp_path, 3)
    _finish_some(cli_stack, signed_in_agent.id, 1)
    service = cli_stack.service_client()
    for job in (
        service.rpc("claim_jobs", {"p_worker": WORKER, "p_limit": 2, "p_user_ids": [signed_in_agent.id]})
        .execute()
        .data
    ):
        service.rpc(
            "fail_job", {"p_job_id": job["id"], "p_worker": WORKER, "p_error": "the provider refused it"}
        ).execute()
    shown = cli_json(["projects", "show", project_id[:8]])
    assert shown["status"] == "completed" and shown["refunded_credits"] == 2
    retried = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait"])
    assert retried.exit_code == 8, retried.stderr
    again = cli_json(["projects", "show", retried.stdout.strip()[:8]])
    assert sorted(j["input"]["filename"] for j in again["jobs"]) == ["room-1.jpg", "room-2.jpg"]
    assert again["credit_cost"] == 2
    # a batch with nothing left to run is refused, nothing charged
    done = _batch(tmp_path, 1)
    _finish_some(cli_stack, signed_in_agent.id, 1)
    before = balance(cli_stack, signed_in_agent.id)
    refused = run_cli(["projects", "retry", done[:8], "--yes"])
    assert refused.exit_code == 2 and "only failed or cancelled work can be retried" in refused.stderr
    assert balance(cli_stack, signed_in_agent.id) == before
