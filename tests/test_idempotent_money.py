"""Charging calls carry idempotency keys: a double-click or a network retry pays once, and a
project is retried once however many retries race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from stagefy_testing import make_photo, run_cli, sql

from stagefy_cli.backend.client import UserContext
from stagefy_cli.services import edits
from stagefy_cli.services.charging import new_key


def cancelled_project(tmp_path) -> str:
    photo = make_photo(tmp_path / "study.jpg")
    project_id = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"]).stdout.strip()
    assert run_cli(["projects", "cancel", project_id, "--yes"]).exit_code == 0
    return project_id


def charges(stack, user_id: str) -> list[tuple[str, int]]:
    return sql(
        stack,
        "select type::text, amount from public.credit_transactions where user_id = %s order by created_at",
        user_id,
    )


def race(ctx, project_id: str, keys: list[str]) -> list:
    def retry(key):
        try:
            return edits.retry(ctx, project_id, key)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
            return exc

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(retry, keys))


def cleanup(stack, project_ids) -> None:
    """Later tests' workers should find an empty queue."""
    for project_id in set(project_ids):
        run_cli(["projects", "cancel", project_id, "--yes"])


def test_ten_concurrent_retries_with_one_key_charge_once(signed_in_agent, cli_stack, tmp_path):
    agent = signed_in_agent
    project_id = cancelled_project(tmp_path)
    ctx = UserContext(agent.client, agent.id, agent.email)
    outcomes = race(ctx, project_id, [new_key()] * 10)
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert len({o["project_id"] for o in outcomes}) == 1
    assert sorted(o["credits_charged"] for o in outcomes) == [0] * 9 + [1]
    assert sum(1 for o in outcomes if o.get("replayed")) == 9
    assert [c for c in charges(cli_stack, agent.id) if c[0] == "usage"] == [("usage", -1), ("usage", -1)]
    cleanup(cli_stack, [outcomes[0]["project_id"]])


def test_ten_concurrent_retries_with_distinct_keys_one_wins_the_rest_are_told(
    signed_in_agent, cli_stack, tmp_path
):
    agent = signed_in_agent
    project_id = cancelled_project(tmp_path)
    ctx = UserContext(agent.client, agent.id, agent.email)
    outcomes = race(ctx, project_id, [new_key() for _ in range(10)])
    [won] = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if not isinstance(o, dict)]
    assert len(refused) == 9
    assert all("already retried" in o.message and won["project_id"] in o.message for o in refused)
    assert [c for c in charges(cli_stack, agent.id) if c[0] == "usage"] == [("usage", -1), ("usage", -1)]

    again = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait"])
    assert again.exit_code == 2
    assert f"queued again as project {won['project_id']}" in again.stderr
    cleanup(cli_stack, [won["project_id"]])


def test_a_repeated_submission_key_returns_the_first_project_and_charges_nothing(
    signed_in_agent, cli_stack, tmp_path
):
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    agent = signed_in_agent
    ctx = UserContext(agent.client, agent.id, agent.email)
    [uploaded] = upload_sources(ctx, [check_photo(make_photo(tmp_path / "porch.jpg"))])
    key = new_key()
    first = edits.submit(ctx, [uploaded], edits.EditOptions("enhance"), key)
    second = edits.submit(ctx, [uploaded], edits.EditOptions("enhance"), key)
    assert second["project_id"] == first["project_id"]
    assert (first["credits_charged"], second["credits_charged"], second["replayed"]) == (1, 0, True)
    assert second["balance"] == first["balance"] == 49
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(1,)]

    # the key belongs to that submission: it cannot be spent on another operation
    other = cancelled_project(tmp_path)
    refused = race(ctx, other, [key])[0]
    assert "already used for submit_edit" in refused.message
    cleanup(cli_stack, [first["project_id"]])
