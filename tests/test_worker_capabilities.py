"""The server knows what the running workers can do: each worker records its providers and
capabilities as it starts and while it lives, and quotes and submissions refuse, before charging,
work that no worker seen recently can run, saying what an operator must configure."""

from __future__ import annotations

import pytest
from stagefy_testing import balance, make_photo, run_cli, sql
from worker_support import wait_for

from stagefy_cli.ai.catalog import TOKEN_ENV


def _nothing_charged(stack, agent) -> None:
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(0,)]


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--type", "virtual_staging", "--style", "modern"], "virtual staging"),
        (["--type", "declutter"], "declutter"),
        (["--type", "custom", "--prompt", "paint the walls green"], "custom"),
    ],
    ids=["staging", "declutter", "custom"],
)
def test_an_edit_no_running_worker_can_do_is_refused_before_charging(
    signed_in_agent, cli_stack, local_worker, tmp_path, args, what
):
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(["edit", str(photo), *args, "--yes", "--no-wait"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    line = result.stderr.strip()
    assert line.startswith(f"Error: no running worker can do {what} (the running workers have local)")
    assert line.endswith(
        "an operator must run `stagefy worker run` with REPLICATE_API_TOKEN, DASHSCOPE_API_KEY or GEMINI_API_KEY set."
    )
    assert "\n" not in line
    _nothing_charged(cli_stack, signed_in_agent)


def test_ai_motion_without_a_replicate_worker_is_refused_before_charging(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(["video", "create", str(photo), "--motion", "ai", "--yes", "--no-wait"])
    assert result.exit_code == 2, result.stderr
    assert "no running worker can do AI motion (the running workers have local)" in result.stderr
    assert "REPLICATE_API_TOKEN set" in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)
    # what the local worker can do is accepted and runs
    done = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--json", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.stderr


def test_a_provider_asked_for_that_no_worker_has_is_refused(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(["edit", str(photo), "--type", "enhance", "--provider", "qwen", "--yes", "--no-wait"])
    assert result.exit_code == 2, result.stderr
    assert "no running worker can do enhance with the qwen provider" in result.stderr
    assert "DASHSCOPE_API_KEY set" in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)


def test_a_worker_with_a_remote_provider_makes_the_type_available(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    from stagefy_cli.services.workers import load_providers

    # Both seen, as workers busy elsewhere are: neither claims anything here.
    job_worker(start=False).register()  # local only
    remote = job_worker(
        load_providers(["local", "replicate"], {"REPLICATE_API_TOKEN": "r8_test"}), start=False
    )
    remote.register()
    assert "edit:virtual_staging" in remote.capabilities and "video_clip" in remote.capabilities
    photo = make_photo(tmp_path / "room.jpg")
    staging = ["edit", str(photo), "--type", "virtual_staging", "--style", "modern", "--yes", "--no-wait"]
    accepted = run_cli(staging)
    assert accepted.exit_code == 8, accepted.stderr  # queued: pending
    assert balance(cli_stack, signed_in_agent.id) == 48
    # a worker that says goodbye is no longer seen: only the local one is left
    remote._unregister()
    refused = run_cli(staging)
    assert refused.exit_code == 2 and "no running worker can do virtual staging" in refused.stderr
    assert balance(cli_stack, signed_in_agent.id) == 48


def test_workers_are_recorded_with_a_heartbeat_and_expire(signed_in_agent, cli_stack, job_worker, tmp_path):
    worker = job_worker(lease_seconds=3)
    rows = sql(
        cli_stack,
        "select providers, capabilities, user_ids, last_seen_at, expires_at from public.workers where id = %s",
        worker.config.worker_id,
    )
    [(providers, capabilities, user_ids, first_seen, _)] = rows
    assert providers == ["local"]
    assert {"edit:enhance", "edit:enhance:local", "video", "video_join", "template"} <= set(capabilities)
    assert "edit:virtual_staging" not in capabilities and "video_clip" not in capabilities
    assert [str(u) for u in user_ids] == [signed_in_agent.id]
    seen_at = "select last_seen_at from public.workers where id = %s"
    # the watchdog beats every third of the lease
    wait_for(lambda: sql(cli_stack, seen_at, worker.config.worker_id)[0][0] > first_seen, 10, "a heartbeat")
    seen = run_cli(["edit", str(make_photo(tmp_path / "a.jpg")), "--type", "declutter", "--yes", "--no-wait"])
    assert seen.exit_code == 2
    worker.stop()  # stops beating and says goodbye
    stopped_at = "select stopped_at from public.workers where id = %s"
    wait_for(lambda: sql(cli_stack, stopped_at, worker.config.worker_id)[0][0], 10, "the goodbye")


def test_while_no_worker_is_seen_work_is_queued_and_a_later_worker_says_why_it_cannot(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    """Workers come and go: with none seen, the job waits in the queue (a cancel refunds it), and a
    worker that cannot do it fails it with its reason, refunded once."""
    photo = make_photo(tmp_path / "room.jpg")
    queued = run_cli(["edit", str(photo), "--type", "declutter", "--yes", "--no-wait"])
    assert queued.exit_code == 8, queued.stderr  # queued: pending
    project_id = queued.stdout.strip()
    [job] = run_cli(["projects", "show", project_id[:8], "--json"]).json()["jobs"]
    assert (job["service"], job["model"]) == (None, None)  # no worker has claimed it
    job_worker()
    watched = run_cli(["projects", "watch", project_id[:8], "--json", "--timeout", "60"])
    assert watched.exit_code == 1
    assert "failed: the local provider cannot do declutter; use one of" in watched.stderr
    assert "internal error" not in watched.stderr
    assert balance(cli_stack, signed_in_agent.id) == 50


def test_the_server_names_the_same_settings_as_the_worker(cli_stack):
    for provider, setting in TOKEN_ENV.items():
        assert sql(cli_stack, "select private.provider_setting(%s)", provider) == [(setting,)]
    assert sql(cli_stack, "select private.provider_setting('local')") == [(None,)]


def test_an_agent_sees_how_many_workers_would_take_their_work(signed_in_agent, cli_stack, job_worker):
    from stagefy_cli.backend.client import signed_in

    ctx = signed_in()
    assert ctx.rest.rpc("workers_seen", {}).execute().data["workers"] == 0
    job_worker()
    seen = ctx.rest.rpc("workers_seen", {}).execute().data
    assert seen["workers"] == 1 and seen["providers"] == ["local"]
    assert "edit:enhance" in seen["capabilities"] and seen["last_seen_at"]
    # an agent reads no machine names
    assert ctx.rest.table("workers").select("id").execute().data == []


@pytest.mark.slow  # starts the real local stack (about 40 s)
def test_the_readme_first_edit_on_the_local_stack_is_refused_before_charging(tmp_path):
    """The local stack's own worker registers before `local start` returns: without a token, the
    README's first example (virtual staging) is refused by the quote, and enhance runs.

    Slow (about 45 s on a 2-core machine): it starts a real local stack, as `stagefy local start`
    does (PostgreSQL, the migrations, the Edge Functions runtime), the only place its worker runs."""
    import json
    import os
    import subprocess
    import sys

    from stagefy_testing import free_port

    env = {
        **os.environ,
        "STAGEFY_HOME": str(tmp_path / "home"),
        "STAGEFY_LOCAL_PORT": str(free_port()),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    for name in (
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "STAGEFY_PROFILE",
        "STAGEFY_LOCAL_WORKER",
        *TOKEN_ENV.values(),
    ):
        env.pop(name, None)

    def stagefy(*args, input=None):
        return subprocess.run(
            [sys.executable, "-m", "stagefy_cli.entry", *args],
            env=env,
            capture_output=True,
            text=True,
            input=input,
            timeout=180,
            cwd=tmp_path,
        )

    try:
        signup = stagefy(
            "auth",
            "signup",
            "--email",
            "new@example.com",
            "--name",
            "New",
            "--password-stdin",
            input="pw-123456\n",
        )
        assert signup.returncode == 0, signup.stderr
        photo = make_photo(tmp_path / "living-room.jpg")
        staging = stagefy(
            "edit",
            str(photo),
            "--type",
            "virtual_staging",
            "--style",
            "scandinavian",
            "--room",
            "living_room",
            "--yes",
        )
        assert staging.returncode == 2, staging.stderr
        assert "Error: no running worker can do virtual staging" in staging.stderr
        assert "REPLICATE_API_TOKEN, DASHSCOPE_API_KEY or GEMINI_API_KEY set" in staging.stderr
        assert json.loads(stagefy("credits", "balance", "--json").stdout)["credits"] == 50
        enhanced = stagefy("edit", str(photo), "--type", "enhance", "--yes", "--json")
        assert enhanced.returncode == 0, enhanced.stderr
        assert (tmp_path / "living-room.enhance.jpg").exists()
    finally:
        stagefy("local", "reset", "--yes")


def test_a_custom_template_no_running_worker_can_edit_is_refused(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    from stagefy_testing import add_listing, cli_json

    listing = add_listing(address="3 Hill Road", city="Durban", price=1500000)
    own = cli_json(
        ["templates", "create", "--name", "Garage", "--type", "custom", "--prompt-template", "Tidy it"]
    )
    photo = make_photo(tmp_path / "garage.jpg")
    result = run_cli(
        ["templates", "use", own["id"][:8], "--listing", listing["id"][:8], "--photo", str(photo), "--yes"]
    )
    assert result.exit_code == 2, result.stderr
    assert "no running worker can do custom" in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)


def test_a_worker_that_stops_beating_is_no_longer_seen(signed_in_agent, cli_stack, job_worker, tmp_path):
    """A worker that died (no goodbye) counts until its registration runs out, a lease's length."""
    dead = job_worker(start=False)
    dead.register()
    photo = make_photo(tmp_path / "room.jpg")
    declutter = ["edit", str(photo), "--type", "declutter", "--yes", "--no-wait"]
    assert run_cli(declutter).exit_code == 2  # seen: a local-only worker cannot declutter
    # no beat renews it: its registration runs out (moved to now rather than waited for)
    sql(
        cli_stack,
        "update public.workers set expires_at = now() - interval '1 second' where id = %s",
        dead.config.worker_id,
    )
    queued = run_cli(declutter)
    assert queued.exit_code == 8, queued.stderr  # none seen: queued for the next worker


def test_variations_no_running_worker_can_give_are_refused_before_charging(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    """Without --provider, a local-only worker gives one result a photo: asking for three would
    charge three, fail two and refund them; it is refused before anything is charged."""
    photo = make_photo(tmp_path / "bedroom.jpg")
    result = run_cli(["edit", str(photo), "--type", "enhance", "--variations", "3", "--yes", "--no-wait"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stderr.startswith(
        "Error: no running worker gives 3 different results of a photo for enhance"
    )
    _nothing_charged(cli_stack, signed_in_agent)
