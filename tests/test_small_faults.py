"""Small faults a new agent or admin hits, each through the CLI against the stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from stagefy_testing import cli_json, run_cli, sign_in, sql

STAGEFY = str(Path(sys.executable).with_name("stagefy"))


def test_profiles_add_no_use_keeps_the_local_profile_active(isolated_home):
    added = run_cli(
        ["profiles", "add", "prod", "--url", "https://abcd.supabase.co", "--anon-key", "k", "--no-use"]
    )
    assert added.exit_code == 0, added.stderr
    rows = run_cli(["profiles", "list", "--json"]).json()
    assert [(r["name"], r["active"]) for r in rows] == [("local", True), ("prod", False)]


def test_a_wrong_service_role_key_is_named(cli_stack, monkeypatch):
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", cli_stack.anon_key)  # a real key, but not this one
    result = run_cli(["admin", "users", "list", "--service-role"])
    assert result.exit_code == 4, (result.exit_code, result.stderr)
    assert "SUPABASE_SERVICE_ROLE_KEY" in result.stderr
    assert "session" not in result.stderr


def test_the_last_admin_cannot_demote_themselves(cli_stack, make_agent):
    admin = make_agent("Only Admin")
    sql(cli_stack, "update public.users set role = 'admin' where id = %s", admin.id)
    sql(cli_stack, "update public.users set role = 'agent' where role = 'admin' and id <> %s", admin.id)
    sign_in(admin)
    result = run_cli(["admin", "set-role", admin.email, "agent"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "last admin" in result.stderr
    assert sql(cli_stack, "select role::text from public.users where id = %s", admin.id) == [("admin",)]

    other = make_agent("Second Admin")
    assert run_cli(["admin", "set-role", other.email, "admin"]).exit_code == 0
    assert run_cli(["admin", "set-role", admin.email, "agent"]).exit_code == 0


def test_a_huge_credit_amount_is_a_usage_error(cli_stack, make_agent):
    admin = make_agent("Ops Admin")
    sql(cli_stack, "update public.users set role = 'admin' where id = %s", admin.id)
    sign_in(admin)
    for extra in ([], ["--yes"]):
        command = "revoke-credits" if extra else "grant-credits"
        result = run_cli(["admin", command, admin.email, "99999999999", "--reason", "typo", *extra])
        assert result.exit_code == 2, (result.exit_code, result.stderr)
        assert "out of range" not in result.stderr and "1000000" in result.stderr.replace(",", "")
    assert sql(cli_stack, "select credits from public.users where id = %s", admin.id) == [(50,)]


def test_deleting_needs_at_least_four_characters_of_the_id(signed_in_agent):
    contact = cli_json(["crm", "contacts", "add", "--name", "Keep Me"])
    for prefix in (contact["id"][:1], contact["id"][:3]):
        result = run_cli(["crm", "contacts", "delete", prefix, "--yes"])
        assert result.exit_code == 2, (result.exit_code, result.stderr)
        assert "at least 4 characters" in result.stderr
    assert [c["id"] for c in cli_json(["crm", "contacts", "list"])] == [contact["id"]]
    assert run_cli(["crm", "contacts", "delete", contact["id"][:4], "--yes"]).exit_code == 0


def test_fields_without_json_is_a_usage_error(signed_in_agent):
    for args in (
        ["crm", "contacts", "list", "--fields", "name"],
        ["credits", "balance", "--fields", "credits"],
    ):
        result = run_cli(args)
        assert result.exit_code == 2, (args, result.exit_code, result.stderr)
        assert "--json" in result.stderr
    assert run_cli(["credits", "balance", "--fields", "credits", "--json"]).json() == {"credits": 50}


def test_a_group_alone_prints_its_help_and_succeeds():
    for args in (["crm"], ["crm", "contacts"], ["admin"]):
        result = run_cli(args)
        assert result.exit_code == 0, (args, result.exit_code, result.stderr)
        assert result.stdout.startswith(f"Usage: stagefy {' '.join(args)} ")
        assert result.stderr == ""


def test_worker_with_an_unknown_provider_is_a_usage_error(cli_stack):
    result = run_cli(["worker", "run", "--providers", "local,bogus", "--once"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "unknown provider(s) for --providers: bogus" in result.stderr
    assert "unexpected" not in result.stderr


def test_a_63_megapixel_photo_is_one_clean_error_line(tmp_path):
    from PIL import Image

    photo = tmp_path / "huge.jpg"
    Image.new("L", (9000, 7000), 128).save(photo, "JPEG")
    result = subprocess.run(
        [STAGEFY, "edit", str(photo), "--type", "enhance", "--yes"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"Error: {photo}: too many pixels (at most 60 megapixels)."]


def test_export_into_a_missing_folder_names_the_folder(signed_in_agent, tmp_path):
    target = tmp_path / "missing" / "contacts.csv"
    result = run_cli(["crm", "contacts", "export", "-o", str(target)])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert str(tmp_path / "missing") in result.stderr and ".part" not in result.stderr
    assert not (tmp_path / "missing").exists()


def test_importing_an_export_again_adds_no_duplicates(signed_in_agent, cli_stack, tmp_path):
    cli_json(["crm", "contacts", "add", "--name", "Anna", "--email", "Anna@Example.com", "--type", "buyer"])
    cli_json(["crm", "contacts", "add", "--name", "No Email"])
    exported = tmp_path / "contacts.csv"
    assert run_cli(["crm", "contacts", "export", "-o", str(exported)]).exit_code == 0

    again = run_cli(["crm", "contacts", "import", str(exported), "--json"])
    assert again.exit_code == 0, again.stderr
    assert (again.json()["imported"], again.json()["skipped"]) == (
        1,
        1,
    )  # the contact without an email is new
    names = sorted(c["name"] for c in cli_json(["crm", "contacts", "list"]))
    assert names == ["Anna", "No Email", "No Email"]

    changed = tmp_path / "changed.csv"
    changed.write_text("name,email,type\nAnna Smith,anna@example.com,seller\nBen,ben@example.com,\n")
    updated = run_cli(["crm", "contacts", "import", str(changed), "--on-duplicate", "update", "--json"])
    assert updated.exit_code == 0, updated.stderr
    assert (updated.json()["imported"], updated.json()["updated"]) == (1, 1)
    by_email = {c["email"]: c for c in cli_json(["crm", "contacts", "list"]) if c["email"]}
    # the file's columns replace the stored ones, the email's spelling included
    assert (by_email["anna@example.com"]["name"], by_email["anna@example.com"]["type"]) == (
        "Anna Smith",
        "seller",
    )
    assert sorted(by_email) == ["anna@example.com", "ben@example.com"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("stagefy edit room.jpg --style scan", ["scandinavian"]),
        ("stagefy edit room.jpg --type sky", ["sky_replacement"]),
        ("stagefy edit room.jpg --provider ", ["replicate", "nano_banana", "qwen", "local"]),
        ("stagefy crm contacts list --status ", ["lead", "active", "closed"]),
        ("stagefy crm listings list --status s", ["sold"]),
        ("stagefy admin set-tier someone@example.com ", ["free", "basic", "pro", "enterprise"]),
        ("stagefy templates list --type open", ["open_house"]),
    ],
)
def test_completion_offers_the_values_of_fixed_sets(words, expected):
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {**os.environ, "_STAGEFY_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = subprocess.run([STAGEFY], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.split() == expected, result.stderr


def test_a_blank_profile_name_is_refused(signed_in_agent, cli_stack):
    result = run_cli(["profile", "update", "--name", "   "])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert sql(cli_stack, "select full_name from public.users where id = %s", signed_in_agent.id) == [
        ("Test Agent",)
    ]
    with pytest.raises(Exception, match="full_name"):
        sql(cli_stack, "update public.users set full_name = ' ' where id = %s", signed_in_agent.id)
