"""The CLI, the worker and operators' commands with Supabase's new API keys: an agent's profile or
environment holds the publishable key (`SUPABASE_PUBLISHABLE_KEY`), an operator's a secret key
(`SUPABASE_SECRET_KEY`); a secret key where the public one belongs is refused before any request."""

from __future__ import annotations

from stagefy_testing import cli_json, make_photo, run_cli, sign_in, sql


def use_publishable_key(stack, monkeypatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", stack.url)
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    monkeypatch.setenv("SUPABASE_PUBLISHABLE_KEY", stack.publishable_key)


def test_an_agent_edits_with_the_publishable_key_and_a_worker_runs_it_with_a_secret_key(
    stack, make_agent, monkeypatch, tmp_path
):
    use_publishable_key(stack, monkeypatch)
    agent = make_agent()
    sign_in(agent)
    assert cli_json(["credits", "balance"])["credits"] == 50
    photo = make_photo(tmp_path / "room.jpg")
    submitted = run_cli(
        ["edit", str(photo), "--type", "enhance", "--provider", "local", "--no-wait", "--yes"]
    )
    assert submitted.exit_code == 8, submitted.stderr
    project = submitted.stdout.strip()

    worker = run_cli(
        ["worker", "run", "--providers", "local", "--once", "--user", agent.id],
        env={"SUPABASE_SECRET_KEY": stack.secret_key},
    )
    assert worker.exit_code == 0, worker.stderr
    assert sql(stack, "select status::text from public.ai_jobs where project_id = %s", project) == [
        ("completed",)
    ]
    assert cli_json(["credits", "balance"])["credits"] == 49


def test_the_first_admin_is_made_with_a_secret_key(stack, make_agent, monkeypatch):
    use_publishable_key(stack, monkeypatch)
    agent = make_agent()
    monkeypatch.setenv("SUPABASE_SECRET_KEY", stack.secret_key)
    result = cli_json(["admin", "set-role", agent.email, "admin", "--service-role"])
    assert (result["old_role"], result["role"]) == ("agent", "admin")


def test_a_secret_key_is_never_taken_as_the_public_key(stack, monkeypatch):
    refused = run_cli(["profiles", "add", "prod", "--url", stack.url, "--publishable-key", stack.secret_key])
    assert refused.exit_code == 2
    assert "that is a secret key, which bypasses row level security" in refused.stderr
    legacy = run_cli(["profiles", "add", "prod", "--url", stack.url, "--anon-key", stack.service_role_key])
    assert legacy.exit_code == 2
    assert "that is a service_role key" in legacy.stderr
    assert [row["name"] for row in cli_json(["profiles", "list"])] == ["local"]

    monkeypatch.setenv("SUPABASE_URL", stack.url)
    monkeypatch.setenv("SUPABASE_PUBLISHABLE_KEY", stack.secret_key)
    in_env = run_cli(["credits", "balance"])
    assert in_env.exit_code == 2
    assert "that is a secret key" in in_env.stderr

    added = run_cli(
        ["profiles", "add", "prod", "--url", stack.url, "--publishable-key", stack.publishable_key]
    )
    assert added.exit_code == 0, added.stderr
