"""A database the gateway cannot use is answered as PostgREST answers it (503 PGRST000 within a
second, where the gateway used to wait half a minute and answer 500), and the CLI says so in one line."""

from __future__ import annotations

import pytest
import web
from stagefy_testing import run_cli

from stagefy_cli.local.ephemeral import embedded_database, gateway
from stagefy_cli.local.postgres import stop_data_dir


@pytest.mark.slow  # a database of its own, and each request waits its first second before asking
def test_a_stopped_database_is_a_503_within_a_second_and_the_cli_says_to_try_again(
    signed_in_agent, stack, tmp_path
):
    with (
        embedded_database(tmp_path / "pg") as dsn,
        gateway(dsn, tmp_path / "storage", keys=stack.ctx.keys) as alone,
    ):
        packs = f"{alone.url}/rest/v1/credit_packs?select=code"
        headers = {"apikey": alone.service_role_key, "Authorization": f"Bearer {alone.service_role_key}"}
        assert web.get(packs, headers=headers).status_code == 200
        stop_data_dir(tmp_path / "pg" / "data", immediate=True)

        answer = web.get(packs, headers=headers)
        assert answer.status_code == 503
        assert (
            answer.json()["code"] == "PGRST000" and answer.json()["message"] == "Database connection error."
        )
        # the agent's session (same signing keys) reaches the gateway; the database does not answer
        balance = run_cli(
            ["credits", "balance"], env={"SUPABASE_URL": alone.url, "SUPABASE_ANON_KEY": alone.anon_key}
        )
    assert balance.exit_code == 1
    assert "the project's database is not answering (Database connection error); try again in a moment." in (
        balance.stderr
    )
    assert "Traceback" not in balance.stderr
