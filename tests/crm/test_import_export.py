"""`stagefy crm contacts import` and `export`: validation by line number, all or nothing, round trip."""

from __future__ import annotations

import json

import psycopg
import pytest
from crm_support import add_contact, cli_json
from stagefy_testing import run_cli

HEADER = "name,email,phone,type,status,tags,notes,last_contacted_at\n"


def _count(stack, user_id: str) -> int:
    with psycopg.connect(stack.dsn) as conn:
        return conn.execute(
            "select count(*) from public.crm_contacts where user_id = %s", (user_id,)
        ).fetchone()[0]


def _import(tmp_path, text: str, *args):
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return run_cli(["crm", "contacts", "import", str(path), *args])


def test_valid_file_imports_every_row(signed_in_agent, cli_stack, tmp_path):
    text = (
        "Name,Email,Type,Tags,Notes\n"
        'Anna,anna@example.com,buyer,vip;cash,"Likes gardens, pools"\n'
        "\n"
        'Ben,,seller,,"two\nlines"\n'
    )
    dry = _import(tmp_path, text, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    assert dry.json() == {
        "rows": 2,
        "valid": 2,
        "errors": [],
        "imported": 0,
        "updated": 0,
        "skipped": 0,
        "dry_run": True,
    }
    assert _count(cli_stack, signed_in_agent.id) == 0

    result = _import(tmp_path, text)
    assert result.exit_code == 0, result.stderr
    assert "Imported 2 contact(s)" in result.stderr
    contacts = {c["name"]: c for c in cli_json(["crm", "contacts", "list"])}
    assert contacts["Anna"]["tags"] == ["vip", "cash"]
    assert contacts["Anna"]["notes"] == "Likes gardens, pools"
    assert contacts["Anna"]["status"] == "lead"  # column absent: the default
    assert contacts["Ben"]["email"] is None
    assert contacts["Ben"]["notes"] == "two\nlines"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HEADER + "Anna,anna@example.com,,buyer,,,,\nBen,ben-at-example.com,,,,,,\n",
            ["line 3: 'ben-at-example.com' is not an email address"],
        ),
        (HEADER + "Anna,,,landlord,,,,\n", ["line 2: unknown type 'landlord'"]),
        (HEADER + "Anna,,,,hot,,,\n", ["line 2: unknown status 'hot'"]),
        (
            HEADER + ",a@example.com,,,,,,\nBen,,,,,,,\n  ,,,,,,,x\n",
            ["line 2: name is required", "line 4: name is required"],
        ),
        (HEADER + "Anna,,12,,,,,\n", ["line 2: '12' is not a phone number"]),
        (HEADER + "Anna,,,,,,,yesterday\n", ["line 2: 'yesterday' is not a date and time"]),
        (HEADER + "Anna,a@example.com\n", ["line 2: 2 cells, but the header has 8 columns"]),
        (HEADER + '"Multi\nline",,,,,,,\nBad,x,,,,,,\n', ["line 4: 'x' is not an email address"]),
    ],
    ids=[
        "bad-email",
        "unknown-type",
        "unknown-status",
        "missing-name",
        "bad-phone",
        "bad-date",
        "short-row",
        "line-numbers-after-multiline",
    ],
)
def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    signed_in_agent, cli_stack, tmp_path, text, expected
):
    result = _import(tmp_path, text)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    for message in expected:
        assert any(line.startswith(message) for line in lines), (message, lines)
    assert lines[-1].startswith("Error: ")
    assert lines[-1].endswith("nothing was imported.")
    assert _count(cli_stack, signed_in_agent.id) == 0


def test_every_problem_of_every_row_is_reported_as_json(signed_in_agent, tmp_path):
    text = "name,email,type\nGood,g@example.com,buyer\n,nope,alien\nAlso good,,\n"
    result = _import(tmp_path, text, "--json")
    assert result.exit_code == 2
    report = result.json()
    assert report["rows"] == 3
    assert report["valid"] == 2
    assert report["imported"] == 0
    assert report["errors"] == [
        {"line": 3, "message": "name is required"},
        {"line": 3, "message": "'nope' is not an email address"},
        {"line": 3, "message": "unknown type 'alien' (one of: buyer, seller, investor, other)"},
    ]
    assert result.stderr.strip() == "Error: 1 of 3 row(s) have errors; nothing was imported."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Error: the file is empty; it needs a header row and one contact per line."),
        ("name,email\n", "Error: the file has a header but no contacts."),
        ("name;email;type\nAnna;a@example.com;buyer\n", "Error: the header is one column split by ';'"),
        ("name\temail\nAnna\ta@example.com\n", "Error: the header is one column split by '\\t'"),
        ("name,e-mail\nAnna,a@example.com\n", "Error: unknown column(s) in the header: e-mail."),
        ("email,phone\na@example.com,0215550199\n", "Error: the header has no 'name' column"),
        ("name,name\nA,B\n", "Error: column(s) given twice in the header: name."),
    ],
    ids=[
        "empty-file",
        "header-only",
        "semicolons",
        "tabs",
        "unknown-column",
        "no-name-column",
        "duplicate-column",
    ],
)
def test_files_that_are_not_contact_csvs(signed_in_agent, cli_stack, tmp_path, text, message):
    result = _import(tmp_path, text)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _count(cli_stack, signed_in_agent.id) == 0


def test_missing_file_and_bad_encoding(signed_in_agent, tmp_path):
    missing = run_cli(["crm", "contacts", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    result = run_cli(["crm", "contacts", "import", str(latin)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_ten_thousand_rows_import_in_one_transaction(signed_in_agent, cli_stack, tmp_path):
    rows = [
        f"Contact {i:05d},c{i}@example.com,+27 21 555 {i:04d},buyer,lead,bulk;t{i % 7},,\n"
        for i in range(10_000)
    ]
    result = _import(tmp_path, HEADER + "".join(rows), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["imported"] == 10_000
    assert _count(cli_stack, signed_in_agent.id) == 10_000

    # One bad row among 10,000 more: nothing of the file is written.
    bad = rows[:5_000] + ["Broken,not-an-email,,,,,,\n"] + rows[5_000:]
    refused = _import(tmp_path, HEADER + "".join(bad))
    assert refused.exit_code == 2
    assert "line 5002: 'not-an-email' is not an email address" in refused.stderr
    assert _count(cli_stack, signed_in_agent.id) == 10_000


def test_a_failing_insert_writes_nothing(signed_in_agent, cli_stack, tmp_path):
    """All or nothing holds even when the database, not the validation, refuses one row."""
    with psycopg.connect(cli_stack.dsn, autocommit=True) as conn:
        conn.execute("alter table public.crm_contacts add constraint test_no_zed check (name <> 'Zed')")
    try:
        result = _import(tmp_path, "name\nAnna\nBen\nZed\n")
    finally:
        with psycopg.connect(cli_stack.dsn, autocommit=True) as conn:
            conn.execute("alter table public.crm_contacts drop constraint test_no_zed")
    assert result.exit_code == 2
    assert _count(cli_stack, signed_in_agent.id) == 0


def test_export_then_import_gives_the_same_contacts(signed_in_agent, make_agent, cli_stack, tmp_path):
    add_contact(
        name="Anna, the buyer",
        email="anna@example.com",
        phone="+27 82 555 0101",
        type="buyer",
        status="active",
        tag=["vip", "cash buyer"],
        notes='Line one\nline "two"',
    )
    add_contact(name="Ben", type="investor")
    touched = add_contact(name="Émile Zoë")
    cli_json(["crm", "contacts", "touch", touched["id"]])
    exported = tmp_path / "out.csv"
    result = run_cli(["crm", "contacts", "export", "-o", str(exported)])
    assert result.exit_code == 0, result.stderr
    assert "Exported 3 contact(s)" in result.stderr
    assert exported.read_text(encoding="utf-8").splitlines()[0] == HEADER.strip()

    def snapshot():
        keys = ("name", "email", "phone", "type", "status", "tags", "notes")
        rows = cli_json(["crm", "contacts", "list"])
        return sorted(
            ({k: c[k] for k in keys} | {"last_contacted_at": c["last_contacted_at"]} for c in rows),
            key=lambda c: c["name"],
        )

    before = snapshot()
    # Import into a second, empty account: the same contacts appear there.
    other = make_agent()
    login = run_cli(
        ["auth", "login", "--email", other.email, "--password-stdin"], input=other.password + "\n"
    )
    assert login.exit_code == 0
    imported = run_cli(["crm", "contacts", "import", str(exported)])
    assert imported.exit_code == 0, imported.stderr
    assert snapshot() == before
    assert _count(cli_stack, other.id) == 3


def test_export_json_streams_every_column_to_stdout(signed_in_agent, cli_stack):
    result = run_cli(["crm", "contacts", "export", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    add_contact(name="Anna", tag=["a"])
    result = run_cli(["crm", "contacts", "export", "--format", "json"])
    [row] = json.loads(result.stdout)
    assert row["name"] == "Anna"
    assert row["tags"] == ["a"]
    assert row["user_id"] == signed_in_agent.id
    assert set(row) >= {"id", "created_at", "updated_at", "last_contacted_at"}
    bad = run_cli(["crm", "contacts", "export", "--format", "xml"])
    assert bad.exit_code == 2


def test_export_pages_through_more_than_one_page(signed_in_agent, cli_stack, tmp_path):
    with psycopg.connect(cli_stack.dsn, autocommit=True) as conn:
        conn.execute(
            "insert into public.crm_contacts (user_id, name) select %s, 'C' || g from generate_series(1, 2500) g",
            (signed_in_agent.id,),
        )
    result = run_cli(["crm", "contacts", "export"])
    lines = result.stdout.splitlines()
    assert len(lines) == 2501
    assert len(set(lines[1:])) == 2500
