"""`stagefy media`: the library through the CLI, downloads through signed URLs, links under RLS."""

from __future__ import annotations

import sys

import psycopg
from crm_support import JPEG, add_contact, add_listing, cli_json, make_media
from stagefy_testing import run_cli


def _storage_names(stack, user_id: str) -> list[str]:
    with psycopg.connect(stack.dsn) as conn:
        rows = conn.execute(
            "select name from storage.objects where bucket_id = 'media' and name like %s", (f"{user_id}/%",)
        ).fetchall()
    return sorted(name for (name,) in rows)


def test_list_and_filters(signed_in_agent, cli_stack):
    uid = signed_in_agent.id
    listing = add_listing(address="12 Beach Rd")
    contact = add_contact(name="Anna")
    photo = make_media(cli_stack, uid, listing_id=listing["id"], tags=["kitchen"], is_favorite=True)
    video = make_media(cli_stack, uid, type="video", title="Walkthrough", contact_id=contact["id"])
    flyer = make_media(cli_stack, uid, type="template", title="Open house flyer", tags=["kitchen", "print"])

    def ids(*args):
        return [m["id"] for m in cli_json(["media", "list", *args])]

    assert ids() == [flyer["id"], video["id"], photo["id"]]  # newest first
    assert ids("--listing", listing["id"][:8]) == [photo["id"]]
    assert ids("--contact", contact["id"][:8]) == [video["id"]]
    assert ids("--type", "video") == [video["id"]]
    assert ids("--favorites") == [photo["id"]]
    assert ids("--tag", "kitchen") == [flyer["id"], photo["id"]]
    assert ids("--tag", "print", "--type", "template") == [flyer["id"]]
    assert ids("--limit", "1") == [flyer["id"]]
    assert run_cli(["media", "list", "--type", "audio"]).exit_code == 2
    assert run_cli(["media", "list", "--listing", "0000"]).exit_code == 5

    shown = cli_json(["media", "show", video["id"][:8]])
    assert shown["title"] == "Walkthrough"
    assert shown["url"] == video["url"]
    assert shown["contact_id"] == contact["id"]


def test_favorite_tag_and_link(signed_in_agent, cli_stack):
    item = make_media(cli_stack, signed_in_agent.id, tags=["a"])
    assert cli_json(["media", "favorite", item["id"][:8]])["is_favorite"] is True
    assert cli_json(["media", "favorite", item["id"][:8], "--off"])["is_favorite"] is False
    assert cli_json(["media", "tag", item["id"][:8], "b", "a", "c"])["tags"] == ["a", "b", "c"]
    assert cli_json(["media", "tag", item["id"][:8], "a", "c", "--remove"])["tags"] == ["b"]
    assert run_cli(["media", "tag", item["id"][:8], " "]).exit_code == 2

    listing = add_listing(address="5 Hill St")
    linked = cli_json(["media", "link", item["id"][:8], "--listing", listing["id"][:8]])
    assert linked["listing_id"] == listing["id"]
    shown = cli_json(["crm", "listings", "show", listing["id"][:8]])
    assert [m["id"] for m in shown["media"]] == [item["id"]]


def test_download_names_files_by_title_and_never_overwrites(signed_in_agent, cli_stack, tmp_path):
    content = JPEG + bytes(range(256)) * 4096  # 1 MiB, several chunks
    uid = signed_in_agent.id
    item = make_media(cli_stack, uid, content=content, title="Kitchen, staged")
    twin = make_media(cli_stack, uid, content=JPEG + b"twin", title="Kitchen, staged")
    odd = make_media(cli_stack, uid, content=JPEG + b"odd", title="../Porch: \x1b]0;x\x07 <final>?")
    untitled = make_media(cli_stack, uid, content=JPEG + b"plain", name="9f2c.jpg", title=None)
    out = tmp_path / "downloads"

    refs = [m["id"][:8] for m in (item, twin, odd, untitled)]
    saved = cli_json(["media", "download", *refs, "--out", str(out)])
    # only what the platform forbids is replaced (on Linux `/`), and control characters
    odd_name = (
        "Porch: _]0;x_ <final>?.jpg" if sys.platform.startswith("linux") else "Porch_ _]0;x_ _final.jpg"
    )
    names = ["Kitchen, staged.jpg", "Kitchen, staged-2.jpg", odd_name, "9f2c.jpg"]
    assert saved == [
        {"id": m["id"], "path": str(out / name)}
        for m, name in zip((item, twin, odd, untitled), names, strict=True)
    ]
    assert (out / "Kitchen, staged.jpg").read_bytes() == content
    assert (out / "Kitchen, staged-2.jpg").read_bytes() == JPEG + b"twin"
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # nothing outside out, no .part left

    (out / "Kitchen, staged.jpg").write_bytes(b"mine")
    again = run_cli(["media", "download", item["id"][:8], "--out", str(out)])
    assert again.exit_code == 0, again.stderr
    assert again.stdout.strip() == str(out / "Kitchen, staged-3.jpg")
    assert (out / "Kitchen, staged.jpg").read_bytes() == b"mine"
    assert (out / "Kitchen, staged-3.jpg").read_bytes() == content

    forced = run_cli(["media", "download", item["id"][:8], "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert forced.stdout.strip() == str(out / "Kitchen, staged.jpg")
    assert (out / "Kitchen, staged.jpg").read_bytes() == content


def test_download_of_a_missing_file_is_not_found(signed_in_agent, cli_stack, tmp_path):
    item = make_media(cli_stack, signed_in_agent.id)
    cli_stack.service_client().storage.from_("media").remove([item["url"]])
    out = tmp_path / "downloads"
    result = run_cli(["media", "download", item["id"][:8], "--out", str(out)])
    assert result.exit_code == 5
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_delete_removes_the_row_and_the_file(signed_in_agent, cli_stack):
    keep = make_media(cli_stack, signed_in_agent.id)
    item = make_media(cli_stack, signed_in_agent.id)
    assert run_cli(["media", "delete", item["id"][:8]]).exit_code == 2  # no terminal, no --yes
    deleted = cli_json(["media", "delete", item["id"][:8], "--yes"])
    assert deleted["id"] == item["id"]
    assert run_cli(["media", "show", item["id"][:8]]).exit_code == 5
    assert _storage_names(cli_stack, signed_in_agent.id) == [keep["url"]]


def test_media_cannot_be_linked_to_another_agents_listing(signed_in_agent, make_agent, cli_stack):
    other = make_agent()
    foreign = (
        other.client.table("crm_listings")
        .insert({"user_id": other.id, "address": "Not yours"})
        .execute()
        .data[0]
    )
    item = make_media(cli_stack, signed_in_agent.id)

    # Through the CLI: the other agent's listing is not even visible.
    result = run_cli(["media", "link", item["id"][:8], "--listing", foreign["id"]])
    assert result.exit_code == 5
    assert result.stderr.strip() == f"Error: no listing with ID {foreign['id']}."

    # Straight at the API with the agent's own session: row level security refuses the link.
    from stagefy_cli.backend import client

    ctx = client.signed_in()
    refused = run_rls_update(ctx, item["id"], {"listing_id": foreign["id"]})
    assert refused == "42501"
    with psycopg.connect(cli_stack.dsn) as conn:
        assert (
            conn.execute("select listing_id from public.media_items where id = %s", (item["id"],)).fetchone()[
                0
            ]
            is None
        )


def run_rls_update(ctx, media_id: str, changes: dict) -> str | None:
    from postgrest.exceptions import APIError

    try:
        ctx.client.table("media_items").update(changes).eq("id", media_id).execute()
    except APIError as exc:
        return exc.code
    return None
