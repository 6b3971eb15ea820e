"""Small faults of a new agent's first hour, each through the CLI: clear words, the right exit code."""

from __future__ import annotations

import re
from pathlib import Path

from stagefy_testing import cli_json, run_cli
from test_output_safety import run_in_terminal


def test_profiles_remove_local_says_it_is_always_there(isolated_home):
    assert [row["name"] for row in run_cli(["profiles", "list", "--json"]).json()] == ["local"]
    result = run_cli(["profiles", "remove", "local", "--yes"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "'local' is the embedded stack's profile and is always there" in result.stderr
    assert "no profile named" not in result.stderr
    missing = run_cli(["profiles", "remove", "staging"])  # refused before asking
    assert missing.exit_code == 5 and "no profile named 'staging'" in missing.stderr


def test_typos_get_suggestions_with_plain_punctuation():
    root = run_cli(["edt"])
    assert root.exit_code == 2
    assert root.stderr.startswith("Error: No such command 'edt'. Did you mean 'edit'")
    assert root.stderr.rstrip().endswith("? See: stagefy --help")
    group = run_cli(["crm", "contacts", "lst"])
    assert (
        group.stderr
        == "Error: No such command 'lst'. Did you mean 'list'? See: stagefy crm contacts --help\n"
    )


def test_a_value_out_of_range_is_said_plainly(tmp_path):
    result = run_cli(["projects", "watch", "abcd", "--timeout", "-1"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Invalid value for '--timeout': must be 0 or more. See: stagefy projects watch --help\n"
    )
    assert "Input should" not in run_cli(["crm", "contacts", "list", "--limit", "x"]).stderr


def test_a_contacts_table_at_120_columns_keeps_emails_whole(signed_in_agent):
    emails = ["thandiwe.mokoena-nkosi@coastalrealty.co.za", "pieter.van.der.merwe@capetownhomes.com"]
    for email in emails:
        cli_json(
            ["crm", "contacts", "add", "--name", "Someone With A Longish Name", "--email", email,
             "--notes", "Wants a garden, near schools, north-facing, with a double garage and a pool"]
        )  # fmt: skip
    code, shown = run_in_terminal(["crm", "contacts", "list"], columns=120)
    assert code == 0, shown
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    for email in emails:
        assert email in plain, plain  # on one line, never folded mid-address
    header = plain.splitlines()[0]
    assert "EMAIL" in header and "NOTES" in header
    assert "LAST CONTACT" not in header and "TAGS" not in header and "PHONE" not in header  # all empty
    assert max(len(line) for line in plain.splitlines()) <= 120


def test_a_folder_or_a_photo_given_twice_is_refused_before_anything_is_spent(
    signed_in_agent, cli_stack, tmp_path
):
    from stagefy_testing import make_photo, sql

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    photo = make_photo(shoot / "a.jpg")
    folder = run_cli(["edit", str(shoot), "--type", "enhance", "--yes"])
    assert folder.exit_code == 2
    assert folder.stderr == f"Error: {shoot} is a folder. Give the photos in it, e.g. {shoot}/*.jpg\n"
    for args in ([str(photo), str(photo)], [str(photo), str(shoot / ".." / "shoot" / "a.jpg")]):
        twice = run_cli(["edit", *args, "--type", "enhance", "--yes"])
        assert twice.exit_code == 2, twice.stderr
        assert "is given twice" in twice.stderr and "--variations" in twice.stderr
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", signed_in_agent.id) == [
        (0,)
    ]
    assert sql(cli_stack, "select credits from public.users where id = %s", signed_in_agent.id) == [(50,)]


README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_says_what_the_cli_does(signed_in_agent):
    from stagefy_cli.services.templates import SETTINGS

    text = README.read_text(encoding="utf-8")
    table = text[text.index("| Pack | Credits | Price |") :].split("\n\n")[0].splitlines()[2:]
    plans = [row.split("|")[5].strip(" `") for row in table]
    assert plans == [plan["code"] for plan in cli_json(["plans"])]
    assert "`free`" in text and "not for sale" in text

    for name in SETTINGS:  # the template settings by the names `--set` takes
        assert f"`{name}`" in text, name
    assert "logo_media_id" not in text
    refused = run_cli(
        ["templates", "create", "--name", "X", "--type", "open_house", "--set", "logo_media_id=abc"]
    )
    assert refused.exit_code == 2
    assert "unknown setting(s): logo_media_id (the logo is set with logo=MEDIA_ID)" in refused.stderr

    for script in sorted(p.name for p in (README.parent / "completions").iterdir()):
        assert f"completions/{script}" in text, script
    assert not re.search(r"\(\d+ tests\)", text)
