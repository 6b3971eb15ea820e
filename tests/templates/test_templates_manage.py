"""Template management through the CLI: built-ins, create/update/delete, publishing and ownership."""

from __future__ import annotations

import pytest
from stagefy_testing import run_cli
from template_support import builtin, cli_json, sign_in

BUILT_IN_TYPES = ("listing_promo", "open_house", "instagram_reel", "custom")


def test_a_new_agent_finds_a_built_in_template_of_every_type(signed_in_agent):
    rows = cli_json(["templates", "list"])
    built_in = [row for row in rows if row["user_id"] is None]
    assert {row["type"] for row in built_in} == set(BUILT_IN_TYPES)
    assert all(row["is_public"] for row in built_in)
    table = run_cli(["templates", "list", "--type", "open_house"])
    assert table.exit_code == 0 and "built-in" in table.stdout and "Open house flyer (A4)" in table.stdout


def test_create_show_update_delete(signed_in_agent):
    created = cli_json(
        [
            "templates", "create", "--name", "Dusk promo", "--type", "listing_promo",
            "--description", "Dark and gold", "--set", "primary=#101820", "--set", "layout=overlay",
        ]
    )  # fmt: skip
    assert (created["user_id"], created["is_public"]) == (signed_in_agent.id, False)
    assert created["settings"] == {"primary": "#101820", "layout": "overlay"}

    updated = cli_json(
        ["templates", "update", created["id"][:8], "--name", "Dusk promo 2", "--set", "accent=#FFD700",
         "--unset", "layout"]
    )  # fmt: skip
    assert updated["name"] == "Dusk promo 2"
    assert updated["settings"] == {"primary": "#101820", "accent": "#FFD700"}
    shown = cli_json(["templates", "show", created["id"][:8]])
    assert shown["settings"] == updated["settings"]

    deleted = run_cli(["templates", "delete", created["id"][:8], "--yes"])
    assert deleted.exit_code == 0, deleted.stderr
    gone = run_cli(["templates", "show", created["id"]])
    assert gone.exit_code == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "billboard"], "unknown --type 'billboard'"),
        (["--type", "listing_promo", "--set", "primary=teal"], "Setting 'primary' must be a hex colour"),
        (["--type", "listing_promo", "--set", "layout=diagonal"], "Unknown layout 'diagonal'"),
        (["--type", "open_house", "--set", "paper=a3"], "Unknown paper 'a3'"),
        (["--type", "listing_promo", "--set", "novalue"], "--set takes KEY=VALUE"),
        (["--type", "custom"], "a custom template needs --prompt-template"),
        (["--type", "custom", "--prompt-template", "Stage {} nicely"], "placeholders need names"),
    ],
)
def test_invalid_templates_are_refused(signed_in_agent, args, message):
    result = run_cli(["templates", "create", "--name", "Bad", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_published_template_is_visible_to_others_and_editable_only_by_its_owner(signed_in_agent, make_agent):
    mine = cli_json(["templates", "create", "--name", "Shared reel", "--type", "instagram_reel"])
    other = make_agent("Other Agent")

    sign_in(other)
    assert run_cli(["templates", "show", mine["id"][:8]]).exit_code == 5  # private until published

    sign_in(signed_in_agent)
    published = cli_json(["templates", "publish", mine["id"][:8]])
    assert published["is_public"] is True

    sign_in(other)
    assert mine["id"] in [row["id"] for row in cli_json(["templates", "list", "--public"])]
    assert cli_json(["templates", "show", mine["id"][:8]])["name"] == "Shared reel"
    for args in (
        ["update", mine["id"][:8], "--name", "Mine now"],
        ["delete", mine["id"][:8], "--yes"],
        ["publish", mine["id"][:8], "--off"],
    ):
        refused = run_cli(["templates", *args])
        assert refused.exit_code == 6, (args, refused.stderr)
        assert "another agent's template; only its owner can change it" in refused.stderr
    built_in = run_cli(["templates", "update", builtin("custom")["id"][:8], "--name", "Hijacked"])
    assert built_in.exit_code == 6 and "a built-in template" in built_in.stderr

    # Row level security holds without the CLI's checks too.
    rows = other.client.table("templates").update({"name": "Hijacked"}).eq("id", mine["id"]).execute().data
    assert rows == []

    sign_in(signed_in_agent)
    assert cli_json(["templates", "show", mine["id"][:8]])["name"] == "Shared reel"
    cli_json(["templates", "publish", mine["id"][:8], "--off"])
    sign_in(other)
    assert run_cli(["templates", "show", mine["id"][:8]]).exit_code == 5
