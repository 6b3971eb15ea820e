"""Counters are the server's: an agent cannot set its template's or media item's usage and credit
figures through the API (only the job functions write them), so a public template's counter can
never make another agent's render fail when it is counted (nor can the largest count the column
holds)."""

from __future__ import annotations

import pytest
from postgrest.exceptions import APIError
from stagefy_testing import new_database, run_cli, sql
from template_support import add_listing, builtin, make_photo

OUT_OF_RANGE = [-1, 2147483647]


def refused(query) -> APIError:
    with pytest.raises(APIError) as caught:
        query.execute()
    return caught.value


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_an_owner_cannot_set_template_or_media_counters(make_agent, value):
    agent = make_agent()
    templates = agent.client.table("templates")
    new = {"user_id": agent.id, "name": "Open house", "type": "open_house"}
    for counter in ("usage_count", "credits_used"):
        assert refused(templates.insert({**new, counter: value})).code == "42501"
    template = templates.insert(new).execute().data[0]
    for counter in ("usage_count", "credits_used"):
        assert refused(templates.update({counter: value}).eq("id", template["id"])).code == "42501"
    assert (
        templates.update({"description": "Sunday"}).eq("id", template["id"]).execute().data[0]["description"]
        == "Sunday"
    )

    media = agent.client.table("media_items")
    item = {"user_id": agent.id, "type": "image", "url": f"{agent.id}/uploads/hall.jpg"}
    assert refused(media.insert({**item, "credits_used": value})).code == "42501"
    row = media.insert(item).execute().data[0]
    assert refused(media.update({"credits_used": value}).eq("id", row["id"])).code == "42501"
    assert [r["credits_used"] for r in media.select("credits_used").execute().data] == [0]
    assert [
        (r["usage_count"], r["credits_used"])
        for r in templates.select("*").eq("user_id", agent.id).execute().data
    ] == [(0, 0)]


def test_a_template_output_url_has_a_length_limit(make_agent):
    agent = make_agent()
    error = refused(
        agent.client.table("templates").insert(
            {"user_id": agent.id, "name": "Long", "type": "open_house", "output_url": "x" * 2049}
        )
    )
    assert error.code == "23514" and "template output URL: at most 2048 characters" in error.message


def test_a_public_template_at_the_largest_count_still_renders_for_another_agent(
    make_agent, signed_in_agent, cli_stack, local_worker, tmp_path
):
    owner = make_agent("Template Owner")
    model = builtin("listing_promo", "Just listed")
    shared = (
        owner.client.table("templates")
        .insert(
            {
                "user_id": owner.id,
                "name": "Shared promo",
                "type": "listing_promo",
                "prompt_template": model["prompt_template"],
                "settings": model["settings"],
                "is_public": True,
            }
        )
        .execute()
        .data[0]
    )
    tampered = owner.client.table("templates").update({"usage_count": 2147483647}).eq("id", shared["id"])
    assert refused(tampered).code == "42501"
    # counts as large as the column holds (the server's own, after long use) cannot fail a render
    sql(cli_stack, "update public.templates set usage_count = 2147483647, credits_used = 2147483647 where id = %s",
        shared["id"])  # fmt: skip

    listing = add_listing(address="12 Oak Street", city="Cape Town", price=2450000)
    used = run_cli(
        [
            "templates", "use", shared["id"][:8], "--listing", listing["id"][:8],
            "--photo", str(make_photo(tmp_path / "front.jpg")), "--out", str(tmp_path / "out"),
            "--yes", "--json", "--timeout", "180",
        ]
    )  # fmt: skip
    assert used.exit_code == 0, used.stderr
    assert used.json()["status"] == "completed"
    [(uses, credits, output_url)] = sql(
        cli_stack,
        "select usage_count, credits_used, output_url from public.templates where id = %s",
        shared["id"],
    )
    assert (uses, credits) == (2147483647, 2147483647)
    assert output_url is None  # the user's output stays theirs: it is not the owner's template's output


def test_counters_an_owner_set_before_the_change_are_counted_again(pg_dsn, tmp_path):
    """A project that ran the baseline, where an owner set their counters, then upgrades."""
    import psycopg

    from stagefy_cli.local.migrate import list_migrations, migrations_dir, prepare_database

    baseline = tmp_path / "baseline"
    baseline.mkdir()
    for migration in list_migrations(migrations_dir()):
        if migration.path.name.startswith("202611250"):
            (baseline / migration.path.name).write_bytes(migration.path.read_bytes())
    with new_database(pg_dsn, "stagefy_counters_upgrade") as dsn:
        prepare_database(dsn, baseline)
        with psycopg.connect(dsn, autocommit=True) as conn:
            [(user_id,)] = conn.execute(
                "insert into auth.users (id, email, raw_user_meta_data) "
                "values (gen_random_uuid(), 'owner@example.com', '{\"full_name\": \"Owner\"}') returning id"
            ).fetchall()
            conn.execute(
                "insert into public.templates (user_id, name, type, usage_count, credits_used, is_public) "
                "values (%s, 'Tampered', 'open_house', 2147483647, -1, true)",
                (user_id,),
            )
            conn.execute(
                "insert into public.media_items (user_id, type, url, credits_used) "
                "values (%s, 'image', %s, 2147483647)",
                (user_id, f"{user_id}/outputs/x.jpg"),
            )
        prepare_database(dsn)
        with psycopg.connect(dsn) as conn:
            template = conn.execute(
                "select usage_count, credits_used from public.templates where name = 'Tampered'"
            ).fetchall()
            media = conn.execute("select credits_used from public.media_items").fetchall()
        assert template == [(0, 0)]  # no job ever used it
        assert media == [(0,)]  # the agent's own file, made by no job
