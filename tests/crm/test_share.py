"""Share links through the CLI against the stack: signed Storage URLs that download the bytes with no
session, stop working when they expire, and are never made for another agent's media."""

from __future__ import annotations

import time

import pytest
import web
from crm_support import JPEG, make_media
from stagefy_testing import cli_json, make_photo, run_cli, sign_in


@pytest.mark.slow  # waits for a one-second share link to expire (about 3 s)
def test_media_share_downloads_without_a_session_until_it_expires(signed_in_agent, cli_stack):
    content = JPEG + bytes(range(256)) * 64
    item = make_media(cli_stack, signed_in_agent.id, content=content, title="Lounge, staged")

    link = cli_json(["media", "share", item["id"][:8], "--expires", "3d"])
    assert (link["id"], link["title"], link["path"], link["expires_in"]) == (
        item["id"],
        "Lounge, staged",
        item["url"],
        3 * 86400,
    )
    assert link["url"].startswith(f"{cli_stack.url}/storage/v1/object/sign/media/")
    fetched = web.get(link["url"])  # no apikey, no bearer: the link alone
    assert fetched.status_code == 200
    assert fetched.content == content
    # The bucket stays private: the object's plain URL without a session is refused.
    assert web.get(f"{cli_stack.url}/storage/v1/object/public/media/{item['url']}").status_code >= 400

    short = cli_json(["media", "share", item["id"][:8], "--expires", "1s"])
    assert short["expires_in"] == 1
    time.sleep(2.5)
    expired = web.get(short["url"])
    assert expired.status_code in (400, 403)
    assert "expired" in expired.text

    piped = run_cli(["media", "share", item["id"][:8]])  # default 7 days; piped: the URL alone
    assert piped.exit_code == 0, piped.stderr
    [url] = piped.stdout.splitlines()
    assert web.get(url).content == content


@pytest.mark.parametrize(
    "expires, message",
    [
        ("tomorrow", "--expires 'tomorrow' is not a duration"),
        ("0s", "--expires must be between 1 second and 365 days"),
        ("366d", "--expires must be between 1 second and 365 days"),
    ],
)
def test_bad_expiry_is_a_usage_error(signed_in_agent, cli_stack, expires, message):
    item = make_media(cli_stack, signed_in_agent.id)
    result = run_cli(["media", "share", item["id"][:8], "--expires", expires])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}")
    assert result.stdout == ""


def test_another_agents_media_cannot_be_shared(cli_stack, make_agent):
    owner, other = make_agent("Owner"), make_agent("Other")
    item = make_media(cli_stack, owner.id, content=JPEG + b"owner's photo")
    sign_in(other)

    refused = run_cli(["media", "share", item["id"], "--json"])
    assert refused.exit_code == 5
    assert refused.stderr.strip() == f"Error: no media item with ID {item['id']}."
    assert refused.stdout == ""
    # Storage itself refuses to sign the owner's file for the other agent (row level security).
    with pytest.raises(Exception, match="not found|not exist|access"):
        other.client.storage.from_("media").create_signed_url(item["url"], 60)


def test_projects_share_links_every_result(signed_in_agent, cli_stack, job_worker, tmp_path):
    photos = [make_photo(tmp_path / "front.jpg"), make_photo(tmp_path / "garden.jpg", color=(60, 120, 70))]
    args = ["edit", *map(str, photos), "--type", "enhance", "--yes", "--no-wait", "--json"]
    submitted = run_cli(args)
    assert submitted.exit_code == 8, submitted.stderr
    project_id = submitted.json()["project_id"]

    pending = run_cli(["projects", "share", project_id[:8]])
    assert pending.exit_code == 5
    assert pending.stderr.startswith(f"Error: project {project_id[:8]} has no results to share (status ")

    job_worker(start=False).run(once=True)
    links = cli_json(["projects", "share", project_id[:8], "--expires", "2h"])
    assert sorted(link["title"] for link in links) == ["enhance of front.jpg", "enhance of garden.jpg"]
    assert {link["expires_in"] for link in links} == {7200}
    for link in links:
        fetched = web.get(link["url"])
        assert fetched.status_code == 200
        assert fetched.content[:3] == b"\xff\xd8\xff"  # the edited JPEG

    assert run_cli(["projects", "share", "0000"]).exit_code == 5
