"""Photo edits end to end through the CLI, the SQL functions and a real worker over the gateway."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from PIL import Image
from stagefy_testing import make_photo, run_cli, sql


def ledger(stack, user_id: str):
    return sql(
        stack,
        "select type::text, amount, project_id, ai_job_id from public.credit_transactions where user_id = %s order by created_at",
        user_id,
    )


def assert_invariant(stack):
    bad = sql(
        stack,
        "select u.id from public.users u left join public.credit_transactions t on t.user_id = u.id "
        "group by u.id, u.credits having u.credits <> coalesce(sum(t.amount), 0)",
    )
    assert bad == []


def test_edit_end_to_end(signed_in_agent, cli_stack, local_worker, tmp_path):
    photo = make_photo(tmp_path / "living-room.jpg")
    prices = run_cli(["credits", "prices", "--json"]).json()
    price = {p["code"]: p["credits"] for p in prices}["edit:enhance"]

    result = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--json", "--timeout", "90"])
    assert result.exit_code == 0, result.stderr
    project = result.json()
    assert project["status"] == "completed"
    assert project["credit_cost"] == price
    [job] = project["jobs"]
    assert job["service"] == "local"
    assert job["status"] == "completed"
    assert job["latency_ms"] is not None

    output = tmp_path / "living-room.enhance.jpg"
    assert project["files"] == [str(output)]
    with Image.open(output) as edited:
        assert edited.size == Image.open(photo).size
    assert photo.read_bytes() != output.read_bytes()

    balance = run_cli(["credits", "balance", "--json"]).json()["credits"]
    assert balance == 50 - price
    rows = ledger(cli_stack, signed_in_agent.id)
    assert [r[:2] for r in rows] == [("bonus", 50), ("usage", -price)]
    assert str(rows[1][2]) == project["id"]
    media = sql(
        cli_stack,
        "select type::text, project_id, url from public.media_items where user_id = %s",
        signed_in_agent.id,
    )
    [(media_type, media_project, media_url)] = media
    assert (media_type, str(media_project), media_url) == ("image", project["id"], job["output_url"])
    notes = sql(
        cli_stack, "select type::text from public.notifications where user_id = %s", signed_in_agent.id
    )
    assert notes == [("job_completed",)]

    # a second run never overwrites the first result
    again = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--json", "--timeout", "90"])
    assert again.json()["files"] == [str(tmp_path / "living-room.enhance-2.jpg")]
    assert_invariant(cli_stack)


def test_batch_with_out_dir_and_variations(signed_in_agent, cli_stack, job_worker, tmp_path):
    """Queued while no worker is seen (a running local-only worker would have refused variations
    before charging), then run by a local worker: the second variations fail and are refunded."""
    photos = [make_photo(tmp_path / f"room{i}.jpg") for i in range(3)]
    out = tmp_path / "edited"
    args = ["edit", *map(str, photos), "--type", "enhance", "--variations", "2", "--out", str(out), "--yes"]
    submitted = run_cli([*args, "--no-wait"])
    assert submitted.exit_code == 8, submitted.stderr
    job_worker()
    result = run_cli(
        ["projects", "watch", submitted.stdout.strip()[:8], "--out", str(out), "--json", "--timeout", "90"]
    )
    # some jobs failed: exit 9 (partly done), naming them
    assert result.exit_code == 9, result.stderr
    assert (
        "3 of 6 jobs failed and were refunded: room0.jpg variation 2, room1.jpg variation 2, "
        in result.stderr
    )
    project = result.json()
    assert len(project["jobs"]) == 6
    assert project["credit_cost"] == 6
    # the local provider is deterministic: it makes the first variation of each photo and refuses
    # (and refunds) the copies a second "variation" would be
    # named as the README says: the first result NAME.TYPE.jpg, further variations NAME.TYPE.v2.jpg
    assert sorted(Path(f).name for f in project["files"]) == [f"room{i}.enhance.jpg" for i in range(3)]
    refused = [j for j in project["jobs"] if j["status"] == "failed"]
    assert len(refused) == 3 and all(
        "variations need a generative provider" in j["error_message"] for j in refused
    )
    assert {j["service"] for j in project["jobs"]} == {"local"}
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 50 - 6 + 3


def test_no_wait_then_watch(signed_in_agent, cli_stack, job_worker, tmp_path):
    photo = make_photo(tmp_path / "kitchen.jpg")
    result = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"])
    assert result.exit_code == 8
    project_id = result.stdout.strip()
    assert "stagefy projects watch" in result.stderr
    listed = run_cli(["projects", "list", "--json"]).json()
    assert [p["status"] for p in listed if p["id"] == project_id] == ["queued"]

    assert job_worker(start=False).run(once=True) == 1
    watched = run_cli(["projects", "watch", project_id[:8], "--out", str(tmp_path / "out"), "--json"])
    assert watched.exit_code == 0, watched.stderr
    assert watched.json()["status"] == "completed"
    assert Path(watched.json()["files"][0]).exists()


def test_projects_download_never_overwrites_unless_forced(signed_in_agent, cli_stack, job_worker, tmp_path):
    photo = make_photo(tmp_path / "hall.jpg")
    project_id = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"]).stdout.strip()
    assert job_worker(start=False).run(once=True) == 1
    out = tmp_path / "out"
    out.mkdir()
    (out / "hall.enhance.jpg").write_bytes(b"mine")

    kept = run_cli(["projects", "download", project_id[:8], "--out", str(out), "--json"])
    assert kept.exit_code == 0, kept.stderr
    assert kept.json() == [str(out / "hall.enhance-2.jpg")]
    assert (out / "hall.enhance.jpg").read_bytes() == b"mine"

    forced = run_cli(["projects", "download", project_id[:8], "--out", str(out), "--force", "--json"])
    assert forced.json() == [str(out / "hall.enhance.jpg")]
    result = (out / "hall.enhance-2.jpg").read_bytes()
    assert result[:3] == b"\xff\xd8\xff" and (out / "hall.enhance.jpg").read_bytes() == result
    assert sorted(p.name for p in out.iterdir()) == ["hall.enhance-2.jpg", "hall.enhance.jpg"]  # no .part


def test_failure_refunds_exactly_once(signed_in_agent, cli_stack, job_worker, tmp_path):
    photo = make_photo(tmp_path / "bedroom.jpg")
    # Queued while no worker is seen (a worker that is running refuses it at the quote), then run
    # by one that cannot do it.
    queued = run_cli(
        ["edit", str(photo), "--type", "virtual_staging", "--style", "modern", "--yes", "--no-wait"]
    )
    assert queued.exit_code == 8, queued.stderr
    job_worker()
    result = run_cli(["projects", "watch", queued.stdout.strip()[:8], "--json", "--timeout", "90"])
    assert result.exit_code == 1
    assert "cannot do virtual staging" in result.stderr
    assert "replicate" in result.stderr
    project = run_cli(["projects", "list", "--json"]).json()[0]
    assert project["status"] == "failed"
    assert sql(
        cli_stack, "select service::text from public.ai_jobs where project_id = %s", project["id"]
    ) == [("local",)]
    rows = ledger(cli_stack, signed_in_agent.id)
    assert [r[:2] for r in rows] == [("bonus", 50), ("usage", -2), ("refund", 2)]
    job_id = rows[2][3]
    # a second failure report (e.g. a late worker) changes nothing
    owner = sql(cli_stack, "select worker_id from public.ai_jobs where id = %s", job_id)[0][0]
    again = (
        cli_stack.service_client()
        .rpc("fail_job", {"p_job_id": str(job_id), "p_worker": owner, "p_error": "late"})
        .execute()
    )
    assert again.data is False
    assert len(ledger(cli_stack, signed_in_agent.id)) == 3
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 50
    notes = sql(
        cli_stack, "select type::text, title from public.notifications where user_id = %s", signed_in_agent.id
    )
    assert [n[0] for n in notes] == ["job_failed"]


def test_cancel_queued_refunds_once_and_retry_charges_again(signed_in_agent, cli_stack, job_worker, tmp_path):
    photo = make_photo(tmp_path / "office.jpg")
    project_id = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"]).stdout.strip()
    result = run_cli(["projects", "cancel", project_id[:6], "--yes", "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.json()["refunded"] == 1
    assert result.json()["balance"] == 50
    second = run_cli(["projects", "cancel", project_id, "--yes"])
    assert second.exit_code == 2
    assert "only queued or running work can be cancelled" in second.stderr
    assert [r[0] for r in ledger(cli_stack, signed_in_agent.id)] == ["bonus", "usage", "refund"]

    retried = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait", "--json"])
    assert retried.exit_code == 8
    assert retried.json()["credits_charged"] == 1
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 49
    assert job_worker(start=False).run(once=True) == 1
    assert_invariant(cli_stack)


def test_worker_killed_mid_job_is_reclaimed_and_completes_once(
    signed_in_agent, cli_stack, stack, job_worker, tmp_path
):
    photo = make_photo(tmp_path / "patio.jpg")
    project_id = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"]).stdout.strip()
    service = stack.service_client()
    [claimed] = (
        service.rpc(
            "claim_jobs",
            {
                "p_worker": "dead-worker",
                "p_limit": 1,
                "p_lease_seconds": 1,
                "p_user_ids": [signed_in_agent.id],
            },
        )
        .execute()
        .data
    )
    assert claimed["project_id"] == project_id
    # the dead worker never reports; a live worker takes the job once the lease has expired
    import time

    time.sleep(1.2)
    assert job_worker(start=False).run(once=True) == 1
    job = sql(
        cli_stack, "select status::text, attempts, worker_id from public.ai_jobs where id = %s", claimed["id"]
    )[0]
    assert job[0] == "completed" and job[1] == 2 and job[2] != "dead-worker"
    late = service.rpc(
        "complete_job",
        {
            "p_job_id": claimed["id"],
            "p_worker": "dead-worker",
            "p_output_path": "x",
            "p_file_size": 1,
            "p_latency_ms": 1,
        },
    ).execute()
    assert late.data is False
    assert [r[0] for r in ledger(cli_stack, signed_in_agent.id)] == ["bonus", "usage"]
    assert (
        sql(cli_stack, "select count(*) from public.media_items where project_id = %s", project_id)[0][0] == 1
    )


def test_concurrent_submissions_never_overspend(cli_stack, make_agent, stack, tmp_path):
    agent = make_agent()
    # spend down to 10 credits through the ledger so the invariant still holds
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute("select private.post_ledger(%s, -40, 'usage', 'test spend')", (agent.id,))
    from stagefy_cli.backend.client import UserContext
    from stagefy_cli.services import edits
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    ctx = UserContext(agent.client, agent.id, agent.email)
    uploaded = upload_sources(ctx, [check_photo(make_photo(tmp_path / "hall.jpg"))])[0]

    def submit(_):
        try:
            edits.submit(ctx, [uploaded], edits.EditOptions("enhance"))
            return "ok"
        except Exception as exc:  # noqa: BLE001
            return getattr(exc, "code", str(exc))

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(submit, range(50)))
    assert outcomes.count("ok") == 10
    assert outcomes.count("P0402") == 40
    credits = sql(stack, "select credits from public.users where id = %s", agent.id)[0][0]
    assert credits == 0
    assert sql(stack, "select count(*) from public.projects where user_id = %s", agent.id)[0][0] == 10
    assert_invariant(stack)


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("notes.jpg", b"this is not an image", [], "not an image Stagefy can read"),
        ("empty.jpg", b"", [], "the file is empty"),
        ("photo.png", "jpeg", [], "is a JPEG image but is named .png"),
        ("missing.jpg", None, [], "no such file"),
        ("ok.jpg", "jpeg", ["--type", "teleport"], "unknown --type 'teleport'"),
        ("ok.jpg", "jpeg", ["--style", "gothic"], "unknown --style 'gothic'"),
        ("ok.jpg", "jpeg", ["--variations", "9"], "--variations must be between 1 and 4"),
        ("tiny.jpg", "tiny", [], "is too small"),
    ],
)
def test_bad_inputs_spend_nothing(signed_in_agent, cli_stack, tmp_path, name, content, args, message):
    path = tmp_path / name
    if content == "jpeg":
        make_photo(path)
    elif content == "tiny":
        make_photo(path, size=(40, 30))
    elif content is not None:
        path.write_bytes(content)
    if "--type" not in args:
        args = ["--type", "enhance", *args]
    result = run_cli(["edit", str(path), *args, "--yes"])
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 50
    assert (
        sql(cli_stack, "select count(*) from public.projects where user_id = %s", signed_in_agent.id)[0][0]
        == 0
    )


def test_huge_file_is_refused_before_upload(signed_in_agent, cli_stack, tmp_path):
    path = tmp_path / "huge.jpg"
    with path.open("wb") as handle:
        handle.truncate(31 * 1024 * 1024)
    result = run_cli(["edit", str(path), "--type", "enhance", "--yes"])
    assert result.exit_code == 2
    assert "too large" in result.stderr


def test_insufficient_credits_is_exit_7_and_spends_nothing(signed_in_agent, cli_stack, tmp_path):
    photos = [make_photo(tmp_path / f"p{i}.jpg") for i in range(7)]
    result = run_cli(["edit", *map(str, photos), "--type", "virtual_staging", "--variations", "4", "--yes"])
    assert result.exit_code == 7
    assert "this edit costs 56 and your balance is 50" in result.stderr
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 50


def test_listing_option_links_results_to_the_listing(signed_in_agent, cli_stack, local_worker, tmp_path):
    listing = run_cli(["crm", "listings", "add", "--address", "4 Kloof St", "--json"]).json()
    photo = make_photo(tmp_path / "lounge.jpg")
    result = run_cli(
        [
            "edit",
            str(photo),
            "--type",
            "enhance",
            "--listing",
            listing["id"][:8],
            "--yes",
            "--json",
            "--timeout",
            "90",
        ]
    )
    assert result.exit_code == 0, result.stderr
    media = run_cli(["media", "list", "--listing", listing["id"][:8], "--json"]).json()
    assert [m["project_id"] for m in media] == [result.json()["id"]]
    missing = run_cli(["edit", str(photo), "--type", "enhance", "--listing", "0000aaaa", "--yes"])
    assert missing.exit_code == 5
    assert missing.stderr.strip() == "Error: no listing with ID 0000aaaa."
