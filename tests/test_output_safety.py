"""User data is printed as data: never as Rich markup, never as control codes for the terminal,
never as extra columns or rows when piped, never as a spreadsheet formula; and a closed pipe ends
any command quietly (exit 141, nothing on stderr).

The terminal cases run `stagefy` in a real pseudo-terminal, because only a terminal takes the Rich
path (the in-process runner is never a terminal).
"""

from __future__ import annotations

import csv
import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from stagefy_testing import cli_json, run_cli, sign_in, sql

STAGEFY = str(Path(sys.executable).with_name("stagefy"))
TITLE_AND_CLEAR = "\x1b]0;pwned\x07\x1b[2J"


def run_in_terminal(args: list[str], columns: int = 250) -> tuple[int, str]:
    """`stagefy ARGS` with stdin, stdout and stderr on a pseudo-terminal `columns` wide; its exit
    code and output."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": "50"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [STAGEFY, *args], stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
    )
    os.close(terminal)
    output = bytearray()
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError(f"no output for 60 s; so far: {output!r}")
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return process.wait(timeout=60), output.decode("utf-8", "replace")


def run_into_closed_pipe(args: list[str]) -> subprocess.CompletedProcess:
    """`stagefy ARGS` writing into a pipe whose reader is already gone (what `| head -1` leaves)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [STAGEFY, *args], stdout=writer, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120
        )
    finally:
        os.close(writer)


def test_markup_in_user_data_is_text_on_a_terminal(signed_in_agent):
    added = run_cli(["crm", "contacts", "add", "--name", "Ann [/] Lee", "--notes", "call back [urgent]"])
    assert added.exit_code == 0, added.stderr
    assert "Added contact Ann [/] Lee" in added.stderr
    contact = cli_json(["crm", "contacts", "list"])[0]

    for args in (["crm", "contacts", "list"], ["crm", "contacts", "show", contact["id"][:8]]):
        code, output = run_in_terminal(args)
        assert code == 0, output
        assert "Ann [/] Lee" in output
        assert "call back [urgent]" in output


def test_control_characters_are_made_visible_in_tables_and_plain_output(
    signed_in_agent, cli_stack, make_agent
):
    name = f"Mallory{TITLE_AND_CLEAR}\u202eevil"
    contact = cli_json(["crm", "contacts", "add", "--name", name, "--notes", "line1\nline2"])
    shown = r"Mallory\x1b]0;pwned\x07\x1b[2J\u202eevil"

    piped = run_cli(["crm", "contacts", "list"])
    assert piped.exit_code == 0, piped.stderr
    assert "\x1b" not in piped.stdout and "\u202e" not in piped.stdout
    assert shown in piped.stdout
    code, output = run_in_terminal(["crm", "contacts", "show", contact["id"][:8]])
    assert code == 0, output
    assert "\x1b]0;" not in output and "\x1b[2J" not in output and "\u202e" not in output
    assert shown in output and r"line1\nline2" in output
    updated = run_cli(["crm", "contacts", "touch", contact["id"][:8]])
    assert "\x1b" not in updated.stderr and shown in updated.stderr

    # An agent's full name reaches an admin's terminal as visible text, not as escape codes.
    admin = make_agent("Ops Admin")
    sql(cli_stack, "update public.users set role = 'admin' where id = %s", admin.id)
    sql(cli_stack, "update public.users set full_name = %s where id = %s", name, signed_in_agent.id)
    sign_in(admin)
    for args in (["admin", "users", "list"], ["admin", "users", "show", signed_in_agent.email]):
        result = run_cli(args)
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout and shown in result.stdout
        code, output = run_in_terminal(args)
        assert code == 0, output
        assert "\x1b]0;" not in output and "\x1b[2J" not in output and shown in output


def test_piped_rows_stay_one_line_with_a_fixed_number_of_fields(signed_in_agent):
    cli_json(["crm", "contacts", "add", "--name", "Tab\tName", "--notes", "two\nlines and a \\ backslash"])
    cli_json(["crm", "contacts", "add", "--name", "Plain", "--tag", "vip"])

    result = run_cli(["crm", "contacts", "list"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    rows = [line.split("\t") for line in lines]
    assert {len(row) for row in rows} == {9}
    by_name = {row[1]: row for row in rows}
    assert by_name[r"Tab\tName"][8] == r"two\nlines and a \\ backslash"

    detail = run_cli(["crm", "contacts", "show", by_name[r"Tab\tName"][0]])
    assert detail.exit_code == 0, detail.stderr
    assert "name\tTab\\tName\n" in detail.stdout
    assert all(len(line.split("\t")) == 2 for line in detail.stdout.splitlines())


FORMULAS = {
    '=HYPERLINK("http://evil.example/","click")': "+27 82 555 0101",
    "@SUM(A1:A9)": "-1234567",
    "'quoted already": None,
}


def test_csv_export_neutralises_formulas_and_imports_back_the_same(signed_in_agent, make_agent, tmp_path):
    for name, phone in FORMULAS.items():
        args = ["crm", "contacts", "add", "--name", name, "--notes", "+SUM(1;2)", "--tag", "-x"]
        cli_json([*args, *(["--phone", phone] if phone else [])])
    exported = tmp_path / "contacts.csv"
    result = run_cli(["crm", "contacts", "export", "-o", str(exported)])
    assert result.exit_code == 0, result.stderr

    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert len(rows) == 3
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert {row["name"] for row in rows} == {
        '\'=HYPERLINK("http://evil.example/","click")',
        "'@SUM(A1:A9)",
        "''quoted already",
    }

    before = {c["name"]: c for c in cli_json(["crm", "contacts", "list"])}
    sign_in(make_agent("Second Agent"))
    imported = run_cli(["crm", "contacts", "import", str(exported)])
    assert imported.exit_code == 0, imported.stderr
    after = {c["name"]: c for c in cli_json(["crm", "contacts", "list"])}
    keys = ("name", "email", "phone", "type", "status", "tags", "notes")
    assert {n: {k: c[k] for k in keys} for n, c in after.items()} == {
        n: {k: c[k] for k in keys} for n, c in before.items()
    }


CLOSED_PIPE_COMMANDS = [
    ["crm", "contacts", "list"],
    ["crm", "contacts", "list", "--json"],
    ["crm", "contacts", "export"],
    ["crm", "contacts", "show", "{id}"],
    ["credits", "balance"],
    ["credits", "prices"],
    ["crm", "--help"],
    ["--help"],
    ["--version"],
]


@pytest.mark.parametrize("args", CLOSED_PIPE_COMMANDS, ids=" ".join)
def test_a_closed_pipe_ends_every_command_quietly(signed_in_agent, args):
    contact = cli_json(["crm", "contacts", "add", "--name", "Piped Person", "--notes", "x" * 100])
    result = run_into_closed_pipe([part.format(id=contact["id"][:8]) for part in args])
    assert result.stderr.decode() == ""
    assert result.returncode == 141
