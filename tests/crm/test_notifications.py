"""`stagefy notifications` and the unread notice printed after other commands."""

from __future__ import annotations

import subprocess
import sys

from crm_support import cli_json, make_notification
from stagefy_testing import run_cli

NOTICE = "unread notification"


def test_read_state(signed_in_agent, cli_stack):
    uid = signed_in_agent.id
    first = make_notification(cli_stack, uid, title="Edit ready")
    second = make_notification(
        cli_stack, uid, type="credit_low", title="Credits running low", message="5 left"
    )
    third = make_notification(
        cli_stack, uid, type="payment_success", title="Payment received", message="Thanks"
    )

    listed = cli_json(["notifications", "list"])
    assert [n["id"] for n in listed] == [third["id"], second["id"], first["id"]]
    assert [n["read"] for n in listed] == [False, False, False]
    assert listed[1]["type"] == "credit_low"
    assert listed[1]["message"] == "5 left"

    assert cli_json(["notifications", "read", first["id"][:8], second["id"][:8]]) == {"marked_read": 2}
    assert [n["id"] for n in cli_json(["notifications", "list", "--unread"])] == [third["id"]]
    assert {n["id"]: n["read"] for n in cli_json(["notifications", "list"])} == {
        first["id"]: True,
        second["id"]: True,
        third["id"]: False,
    }
    assert cli_json(["notifications", "read", "--all"]) == {"marked_read": 1}
    assert cli_json(["notifications", "list", "--unread"]) == []
    assert cli_json(["notifications", "read", "--all"]) == {"marked_read": 0}
    assert len(cli_json(["notifications", "list", "--limit", "2"])) == 2


def test_read_needs_ids_or_all_and_unknown_ids_change_nothing(signed_in_agent, cli_stack):
    item = make_notification(cli_stack, signed_in_agent.id)
    assert run_cli(["notifications", "read"]).exit_code == 2
    assert run_cli(["notifications", "read", item["id"][:8], "--all"]).exit_code == 2
    missing = run_cli(["notifications", "read", item["id"][:8], "0000"])
    assert missing.exit_code == 5
    assert missing.stderr.strip() == "Error: no notification with ID 0000."
    assert cli_json(["notifications", "list"])[0]["read"] is False


def test_unread_notice_after_other_commands(signed_in_agent, cli_stack):
    quiet = run_cli(["crm", "contacts", "list"])
    assert NOTICE not in quiet.stderr

    make_notification(cli_stack, signed_in_agent.id)
    make_notification(cli_stack, signed_in_agent.id)
    shown = run_cli(["crm", "contacts", "list"])
    assert shown.exit_code == 0
    assert shown.stderr.strip() == "2 unread notifications. See: stagefy notifications list --unread"

    assert NOTICE not in run_cli(["crm", "contacts", "list", "--json"]).stderr
    assert NOTICE not in run_cli(["crm", "contacts", "list"], env={"STAGEFY_NO_NOTICES": "1"}).stderr
    assert NOTICE not in run_cli(["notifications", "list"]).stderr
    failed = run_cli(["crm", "contacts", "show", "0000"])
    assert failed.exit_code == 5
    assert NOTICE not in failed.stderr  # only after a successful command

    run_cli(["notifications", "read", "--all"])
    assert NOTICE not in run_cli(["crm", "contacts", "list"]).stderr


def test_no_notice_and_no_error_once_signed_out(signed_in_agent, cli_stack):
    make_notification(cli_stack, signed_in_agent.id)
    result = run_cli(["auth", "logout"])
    assert result.exit_code == 0
    assert NOTICE not in result.stderr


def test_notice_never_imports_supabase_for_commands_that_do_not(tmp_path):
    """A command that never talks to Supabase (a dry-run import) stays free of it."""
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("name\nAnna\n", encoding="utf-8")
    code = (
        "import sys; from typer.testing import CliRunner; from stagefy_cli.cli import app; "
        f"r = CliRunner().invoke(app, ['crm', 'contacts', 'import', {str(csv_file)!r}, '--dry-run']); "
        "assert r.exit_code == 0, r.output; print('SUPABASE', 'supabase' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "SUPABASE False" in out, out
