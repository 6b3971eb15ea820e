"""Cross-user isolation: agent B, signed in to the CLI, gets 'not found' (exit 5) for every one of
agent A's contacts, listings, media and notifications, and A's rows stay unchanged."""

from __future__ import annotations

import psycopg
import pytest
from crm_support import add_contact, add_listing, cli_json, make_media, make_notification
from stagefy_testing import run_cli

COMMANDS = [
    ("contact", ["crm", "contacts", "show", "{contact}"]),
    ("contact", ["crm", "contacts", "update", "{contact}", "--name", "Hijacked"]),
    ("contact", ["crm", "contacts", "touch", "{contact}"]),
    ("contact", ["crm", "contacts", "delete", "{contact}", "--yes"]),
    ("listing", ["crm", "listings", "show", "{listing}"]),
    ("listing", ["crm", "listings", "update", "{listing}", "--price", "1"]),
    ("listing", ["crm", "listings", "delete", "{listing}", "--yes"]),
    ("contact", ["crm", "listings", "add", "--address", "x", "--contact", "{contact}"]),
    ("contact", ["crm", "listings", "update", "{own_listing}", "--contact", "{contact}"]),
    ("listing", ["media", "list", "--listing", "{listing}"]),
    ("contact", ["media", "list", "--contact", "{contact}"]),
    ("media item", ["media", "show", "{media}"]),
    ("media item", ["media", "download", "{media}", "--out", "{tmp}"]),
    ("media item", ["media", "favorite", "{media}"]),
    ("media item", ["media", "tag", "{media}", "mine"]),
    ("media item", ["media", "link", "{media}", "--listing", "{own_listing}"]),
    ("listing", ["media", "link", "{own_media}", "--listing", "{listing}"]),
    ("media item", ["media", "delete", "{media}", "--yes"]),
    ("notification", ["notifications", "read", "{notification}"]),
]


@pytest.fixture
def agent_a_rows(make_agent, cli_stack):
    """Agent A's rows, made with A's own session (and the service role for media and notices)."""
    a = make_agent("Agent A")
    contact = a.client.table("crm_contacts").insert({"user_id": a.id, "name": "A's client"}).execute().data[0]
    listing = (
        a.client.table("crm_listings")
        .insert({"user_id": a.id, "address": "A's house", "contact_id": contact["id"], "price": 100})
        .execute()
        .data[0]
    )
    media = make_media(cli_stack, a.id, listing_id=listing["id"])
    notification = make_notification(cli_stack, a.id)
    return {"user": a, "contact": contact, "listing": listing, "media": media, "notification": notification}


def _snapshot(dsn: str, user_id: str) -> list:
    with psycopg.connect(dsn) as conn:
        return [
            conn.execute(
                f"select * from public.{table} where user_id = %s order by id", (user_id,)
            ).fetchall()
            for table in ("crm_contacts", "crm_listings", "media_items", "notifications")
        ]


@pytest.mark.parametrize(("noun", "template"), COMMANDS, ids=[" ".join(c[1][:3]) for c in COMMANDS])
def test_agent_b_gets_not_found_for_agent_a_ids(
    signed_in_agent, agent_a_rows, cli_stack, tmp_path, noun, template
):
    own_listing = add_listing(address="B's house")
    own_media = make_media(cli_stack, signed_in_agent.id)
    values = {
        "contact": agent_a_rows["contact"]["id"],
        "listing": agent_a_rows["listing"]["id"],
        "media": agent_a_rows["media"]["id"],
        "notification": agent_a_rows["notification"]["id"],
        "own_listing": own_listing["id"],
        "own_media": own_media["id"],
        "tmp": str(tmp_path / "out"),
    }
    before = _snapshot(cli_stack.dsn, agent_a_rows["user"].id)
    result = run_cli([part.format(**values) for part in template])
    assert result.exit_code == 5, (result.exit_code, result.stderr)
    assert result.stderr.strip().startswith(f"Error: no {noun} with ID ")
    assert _snapshot(cli_stack.dsn, agent_a_rows["user"].id) == before
    assert not (tmp_path / "out").exists()


def test_lists_and_exports_show_only_the_agents_own_rows(signed_in_agent, agent_a_rows):
    mine = add_contact(name="B's client")
    assert [c["id"] for c in cli_json(["crm", "contacts", "list"])] == [mine["id"]]
    assert cli_json(["crm", "listings", "list"]) == []
    assert cli_json(["media", "list"]) == []
    assert cli_json(["notifications", "list"]) == []
    exported = run_cli(["crm", "contacts", "export"]).stdout.splitlines()
    assert len(exported) == 2
    assert exported[1].startswith("B's client,")
    assert cli_json(["notifications", "read", "--all"]) == {"marked_read": 0}


def test_an_admin_also_sees_only_their_own_crm(signed_in_agent, agent_a_rows, cli_stack):
    """Admins may read every row (policy), but the CRM commands are about the caller's own rows."""
    with psycopg.connect(cli_stack.dsn, autocommit=True) as conn:
        conn.execute("update public.users set role = 'admin' where id = %s", (signed_in_agent.id,))
    assert cli_json(["crm", "contacts", "list"]) == []
    assert cli_json(["media", "list"]) == []
    shown = run_cli(["crm", "contacts", "show", agent_a_rows["contact"]["id"]])
    assert shown.exit_code == 5
    updated = run_cli(["crm", "listings", "update", agent_a_rows["listing"]["id"], "--price", "1"])
    assert updated.exit_code == 5


def test_the_database_refuses_a_listing_linked_to_another_agents_contact(make_agent, agent_a_rows):
    """Not only the CLI: B's own session straight at the API cannot link A's contact."""
    from postgrest.exceptions import APIError

    b = make_agent("Agent B")
    contact_id = agent_a_rows["contact"]["id"]
    with pytest.raises(APIError) as refused:
        b.client.table("crm_listings").insert(
            {"user_id": b.id, "address": "x", "contact_id": contact_id}
        ).execute()
    assert refused.value.code == "42501"
    own = b.client.table("crm_listings").insert({"user_id": b.id, "address": "y"}).execute().data[0]
    with pytest.raises(APIError) as refused:
        b.client.table("crm_listings").update({"contact_id": contact_id}).eq("id", own["id"]).execute()
    assert refused.value.code == "42501"
