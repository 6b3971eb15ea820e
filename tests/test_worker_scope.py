"""Queue scope: a worker given users (`stagefy worker run --user`, `Worker(user_ids=...)`) claims
only their jobs and leaves everybody else's in the queue."""

from __future__ import annotations

from stagefy_testing import make_photo, run_cli, sign_in, sql
from worker_support import WorkerProcess

from stagefy_cli.backend.client import service_rest
from stagefy_cli.services.workers import load_providers
from stagefy_cli.worker import Worker, WorkerConfig


def submit_enhance(agent, tmp_path) -> str:
    sign_in(agent)
    photo = make_photo(tmp_path / f"{agent.id}.jpg")
    submitted = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    return submitted.stdout.strip()


def job_state(stack, project_id: str) -> tuple[str, str | None]:
    return sql(stack, "select status::text, worker_id from public.ai_jobs where project_id = %s", project_id)[
        0
    ]


def test_a_worker_given_users_claims_only_their_jobs(cli_stack, make_agent, tmp_path):
    mine, theirs = make_agent(), make_agent()
    my_project = submit_enhance(mine, tmp_path)
    their_project = submit_enhance(theirs, tmp_path)

    # By email (any case), in a real worker process that stops when its users' queue is empty.
    worker = WorkerProcess(
        cli_stack, tmp_path / "worker", "--providers", "local", "--once", "--user", mine.email.upper()
    )
    try:
        assert worker.wait(120) == 0, worker.log()
    finally:
        worker.kill()
    assert "jobs of 1 user(s)" in worker.log()
    assert job_state(cli_stack, my_project)[0] == "completed"
    assert job_state(cli_stack, their_project) == ("queued", None)

    # By id, in process: the other user's job is taken now.
    config = WorkerConfig(poll_interval=0.05)
    client = service_rest(cli_stack.url, cli_stack.service_role_key)
    Worker(client, load_providers(["local"], {}), config, user_ids=[theirs.id]).run(once=True)
    assert job_state(cli_stack, their_project)[0] == "completed"
    assert config.user_ids is None  # the caller's settings are not changed


def test_an_unknown_user_is_a_usage_error_before_anything_is_claimed(cli_stack):
    env = {"SUPABASE_SERVICE_ROLE_KEY": cli_stack.service_role_key}
    args = ["worker", "run", "--providers", "local", "--once", "--user"]
    result = run_cli([*args, "nobody@example.com"], env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --user: no user has the email or id nobody@example.com."
    result = run_cli([*args, "not-an-id"], env=env)
    assert result.exit_code == 2
    assert "--user takes an email or a user id, not 'not-an-id'." in result.stderr
