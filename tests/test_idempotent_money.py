"""Charging calls carry idempotency keys: a double-click or a network retry pays once, and a
project is retried once however many retries race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import web
from stagefy_testing import make_photo, run_cli, sql

from stagefy_cli.backend.client import UserContext
from stagefy_cli.services import edits, projects
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
            return projects.retry(ctx, project_id, key)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
            return exc

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(retry, keys))


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
    assert f"already retried as project {won['project_id']}, which is queued" in again.stderr


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


def test_the_worker_drops_week_old_keys(signed_in_agent, cli_stack, job_worker, tmp_path):
    agent = signed_in_agent
    project_id = cancelled_project(tmp_path)
    ctx = UserContext(agent.client, agent.id, agent.email)
    retried = projects.retry(ctx, project_id, "an-old-key-0001")
    # cancelled: the chores-only worker below (no providers) must find no job of this agent to claim
    run_cli(["projects", "cancel", retried["project_id"], "--yes"])
    sql(
        cli_stack,
        "update public.idempotency_keys set created_at = now() - interval '8 days' where user_id = %s",
        agent.id,
    )
    job_worker({}, start=False, poll_interval=0.01).run(once=True)
    assert sql(cli_stack, "select count(*) from public.idempotency_keys where user_id = %s", agent.id) == [
        (0,)
    ]


class _AnswerLosingProxy(BaseHTTPRequestHandler):
    """Forwards to the gateway; the first `submit_edit` reaches the server, but its answer is lost
    (the connection closes without a response), as on a network failure."""

    def forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        skip = ("host", "content-length", "connection", "accept-encoding")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        answer = web.request(self.command, self.server.target + self.path, headers=headers, content=body)
        if self.path.startswith("/rest/v1/rpc/submit_edit") and self.server.answers_to_lose:
            self.server.answers_to_lose -= 1
            self.close_connection = True
            return
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = forward

    def log_message(self, *args) -> None:
        """Quiet."""


def _context_through(url: str, client: str, agent, stack) -> UserContext:
    """The agent's context with every request sent to `url`, by supabase-py or the CLI's thin client."""
    if client == "supabase-py":
        from supabase import create_client

        supabase = create_client(url, stack.anon_key)
        supabase.auth.sign_in_with_password({"email": agent.email, "password": agent.password})
        return UserContext(supabase, agent.id, agent.email)
    from stagefy_cli.backend.rest import RestClient
    from stagefy_cli.backend.wire import Wire

    token = agent.client.auth.get_session().access_token
    return UserContext(
        user_id=agent.id, email=agent.email, rest=RestClient(Wire(url), stack.anon_key, lambda: token)
    )


@pytest.mark.parametrize("client", ["supabase-py", "thin"])
def test_a_submission_whose_answer_is_lost_is_retried_with_its_key_and_charged_once(
    signed_in_agent, cli_stack, tmp_path, client
):
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    agent = signed_in_agent
    [uploaded] = upload_sources(
        UserContext(agent.client, agent.id, agent.email), [check_photo(make_photo(tmp_path / "loft.jpg"))]
    )
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _AnswerLosingProxy)
    proxy.target, proxy.answers_to_lose = cli_stack.url, 1
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        ctx = _context_through(f"http://127.0.0.1:{proxy.server_address[1]}", client, agent, cli_stack)
        submitted = edits.submit(ctx, [uploaded], edits.EditOptions("enhance"))
    finally:
        proxy.shutdown()
    assert proxy.answers_to_lose == 0  # the first answer was lost, and the CLI tried again
    assert submitted["replayed"] is True and submitted["balance"] == 49
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(1,)]
    assert [c for c in charges(cli_stack, agent.id) if c[0] == "usage"] == [("usage", -1)]
