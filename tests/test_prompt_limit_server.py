"""The server refuses, before the charge, an edit whose own words cannot fit DashScope's
800-character instruction limit when it may run on qwen (through the API directly: a client that
skips the CLI's check gets the same answer)."""

from __future__ import annotations

import pytest
from postgrest.exceptions import APIError
from stagefy_testing import balance, sql

from stagefy_cli.ai.catalog import EDIT_TYPES
from stagefy_cli.ai.prompts import max_wish


def _photo(agent, name: str = "room.jpg") -> list[dict]:
    path = f"{agent.id}/uploads/{name}"
    agent.client.storage.from_("media").upload(
        path, b"\xff\xd8\xff" + bytes(64), {"content-type": "image/jpeg"}
    )
    return [{"path": path, "filename": name, "mime_type": "image/jpeg"}]


def test_the_servers_figures_are_the_prompt_builders(stack):
    for edit_type in EDIT_TYPES:
        [(figure,)] = sql(stack, "select private.max_wish(%s, 'qwen')", edit_type)
        assert figure == max_wish(edit_type, "qwen")
    assert sql(stack, "select private.max_wish('custom', 'nano_banana')") == [(None,)]


@pytest.mark.parametrize("provider", [None, "qwen"])
def test_a_wish_too_long_for_qwen_is_refused_and_nothing_charged(stack, make_agent, provider):
    agent = make_agent()
    before = balance(stack, agent.id)
    wish = "w" * (max_wish("custom", "qwen") + 1)
    options = {"prompt": wish, **({"provider": provider} if provider else {})}
    with pytest.raises(APIError) as refused:
        agent.client.rpc(
            "submit_edit", {"p_edit_type": "custom", "p_photos": _photo(agent), "p_options": options}
        ).execute()
    assert refused.value.code == "P0422"
    assert refused.value.message.startswith(
        "the request is too long for qwen (581 characters; at most 580 fit"
    )
    assert balance(stack, agent.id) == before
    assert sql(stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(0,)]


def test_the_longest_wish_that_fits_and_a_provider_without_the_limit_are_accepted(stack, make_agent):
    agent = make_agent()
    fits = {"prompt": "w" * max_wish("custom", "qwen")}
    longer = {"prompt": "w" * 700, "provider": "nano_banana"}
    for index, options in enumerate((fits, longer)):
        photos = _photo(agent, f"room-{index}.jpg")
        submitted = (
            agent.client.rpc(
                "submit_edit", {"p_edit_type": "custom", "p_photos": photos, "p_options": options}
            )
            .execute()
            .data
        )
        agent.client.rpc("cancel_project", {"p_project_id": submitted["project_id"]}).execute()
