"""What the server can know will fail is refused before anything is charged: the quote refuses it
(exit 2), the balance and the ledger stay as they were, and no project is made.

Each case runs the paid command through the CLI against the stack with `--yes`, so without the
refusal it would be charged.
"""

from __future__ import annotations

import pytest
from stagefy_testing import add_listing, balance, cli_json, make_photo, run_cli, sql

from stagefy_cli.ai.catalog import CAPABILITIES


def _nothing_charged(stack, agent) -> None:
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(0,)]
    assert sql(
        stack,
        "select count(*) from public.credit_transactions where user_id = %s and type = 'usage'",
        agent.id,
    ) == [(0,)]


def _builtin(template_type: str) -> dict:
    rows = cli_json(["templates", "list", "--public", "--type", template_type])
    return next(row for row in rows if row["user_id"] is None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--type", "virtual_staging", "--style", "modern", "--provider", "local"],
            "cannot do virtual_staging",
        ),
        (["--type", "declutter", "--provider", "local"], "cannot do declutter"),
        (["--type", "enhance", "--provider", "local", "--variations", "3"], "gives 1 different result"),
    ],
    ids=["local staging", "local declutter", "local enhance x3"],
)
def test_the_quote_refuses_what_the_provider_cannot_do(signed_in_agent, cli_stack, tmp_path, args, message):
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(["edit", str(photo), *args, "--yes", "--no-wait"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert message in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)


def test_provider_capabilities_on_the_server_match_the_worker(cli_stack):
    rows = sql(cli_stack, "select service::text, edit_type from public.provider_capabilities")
    assert {(service, edit_type) for service, edit_type in rows} == {
        (service, edit_type) for service, types in CAPABILITIES.items() for edit_type in types
    }


def test_out_naming_an_existing_file_is_refused_before_anything_is_charged(
    signed_in_agent, cli_stack, tmp_path
):
    photo = make_photo(tmp_path / "room.jpg")
    existing = tmp_path / "taken.jpg"
    existing.write_bytes(b"mine")
    listing = add_listing(address="12 Beach Rd", city="Cape Town", price=2450000)
    promo = _builtin("listing_promo")
    commands = [
        ["edit", str(photo), "--type", "enhance", "--yes", "--no-wait", "--out", str(existing)],
        ["video", "create", str(photo), "--yes", "--no-wait", "--out", str(existing)],
        [
            "templates",
            "use",
            promo["id"][:8],
            "--listing",
            listing["id"][:8],
            "--photo",
            str(photo),
            "--yes",
            "--no-wait",
            "--out",
            str(existing),
        ],
        ["projects", "download", "00000000", "--out", str(existing)],
        ["projects", "watch", "00000000", "--out", str(existing)],
    ]
    for args in commands:
        result = run_cli(args)
        assert result.exit_code == 2, (args, result.exit_code, result.stderr)
        assert "is a file, not a folder" in result.stderr, args
        assert existing.read_bytes() == b"mine"
    _nothing_charged(cli_stack, signed_in_agent)


def test_a_negative_timeout_is_a_usage_error_before_anything_is_charged(signed_in_agent, cli_stack, tmp_path):
    photo = make_photo(tmp_path / "room.jpg")
    for args in (
        ["edit", str(photo), "--type", "enhance", "--yes", "--timeout", "-5"],
        ["video", "create", str(photo), "--yes", "--timeout", "-5"],
        ["projects", "watch", "00000000", "--timeout", "-5"],
    ):
        result = run_cli(args)
        assert result.exit_code == 2, (args, result.exit_code, result.stderr)
        assert "--timeout" in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (["seconds_per_photo=-3"], "seconds_per_photo must be a number from 1 to 10"),
        (["seconds_per_photo=soon"], "seconds_per_photo must be a number from 1 to 10"),
        (["colour=#112233"], "unknown setting(s): colour. Known settings: accent, background, currency"),
        (["currency=RAND"], "currency must be an ISO 4217 code"),
        (["currency=XYZ"], "currency must be an ISO 4217 code"),
    ],
)
def test_template_settings_are_checked_where_they_are_set(signed_in_agent, settings, message):
    sets = [part for item in settings for part in ("--set", item)]
    created = run_cli(["templates", "create", "--name", "Bad", "--type", "instagram_reel", *sets])
    assert created.exit_code == 2, (created.exit_code, created.stderr)
    assert message in created.stderr

    good = cli_json(["templates", "create", "--name", "Good", "--type", "instagram_reel"])
    updated = run_cli(["templates", "update", good["id"][:8], *sets])
    assert updated.exit_code == 2, (updated.exit_code, updated.stderr)
    assert message in updated.stderr
    assert cli_json(["templates", "show", good["id"][:8]])["settings"] == {}


def test_the_server_refuses_bad_template_settings_written_directly(signed_in_agent):
    """The trigger, not the CLI, is what protects money: a client writing the row itself is refused."""
    import postgrest

    table = signed_in_agent.client.table("templates")
    row = {"user_id": signed_in_agent.id, "name": "Direct", "type": "instagram_reel"}
    with pytest.raises(postgrest.APIError) as refused:
        table.insert({**row, "settings": {"seconds_per_photo": -3}}).execute()
    assert refused.value.code == "P0422"
    made = table.insert({**row, "settings": {"currency": "USD"}}).execute().data[0]
    with pytest.raises(postgrest.APIError) as refused:
        table.update({"settings": {"currency": "dollars"}}).eq("id", made["id"]).execute()
    assert "ISO 4217" in refused.value.message


def test_a_template_that_cannot_render_is_refused_by_the_quote(signed_in_agent, cli_stack, tmp_path):
    """A template stored before its settings were checked (here: planted in SQL) is not charged for."""
    template = cli_json(["templates", "create", "--name", "Old reel", "--type", "instagram_reel"])
    sql(cli_stack, "alter table public.templates disable trigger check_template_settings")
    try:
        sql(
            cli_stack,
            """update public.templates set settings = '{"seconds_per_photo": -3}' where id = %s""",
            template["id"],
        )
    finally:
        sql(cli_stack, "alter table public.templates enable trigger check_template_settings")
    listing = add_listing(address="12 Beach Rd", city="Cape Town", price=2450000)
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(
        [
            "templates",
            "use",
            template["id"][:8],
            "--listing",
            listing["id"][:8],
            "--photo",
            str(photo),
            "--yes",
            "--no-wait",
        ]
    )
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "cannot render" in result.stderr and "seconds_per_photo" in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)


def test_a_listing_promo_without_a_photo_is_refused_before_charging(signed_in_agent, cli_stack):
    listing = add_listing(address="12 Beach Rd", city="Cape Town", price=2450000)
    promo = _builtin("listing_promo")
    result = run_cli(
        ["templates", "use", promo["id"][:8], "--listing", listing["id"][:8], "--yes", "--no-wait"]
    )
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "needs at least one photo" in result.stderr
    _nothing_charged(cli_stack, signed_in_agent)
