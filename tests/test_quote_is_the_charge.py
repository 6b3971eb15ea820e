"""A quote is what the submission charges: quote_* and submit_* take their price from the same
private.price_* function, and the one create-and-charge path refuses jobs that do not add up to it.
An admin's revocation has the limit and the error of a grant. All tried through the API directly."""

from __future__ import annotations

import json

import psycopg
import pytest
from postgrest.exceptions import APIError
from stagefy_testing import balance, sql


def _upload_photos(agent, count: int) -> list[dict]:
    media = agent.client.storage.from_("media")
    photos = []
    for index in range(count):
        path = f"{agent.id}/uploads/room-{index}.jpg"
        media.upload(path, b"\xff\xd8\xff" + bytes(64), {"content-type": "image/jpeg"})
        photos.append({"path": path, "filename": f"room-{index}.jpg", "mime_type": "image/jpeg"})
    return photos


def _charged(stack, agent, submitted: dict) -> tuple[int, int]:
    """(credits the ledger debited, sum of the project's jobs' credit_cost); then cancel the project,
    so no worker of another test picks its jobs up."""
    project = submitted["project_id"]
    [(debited,)] = sql(
        stack,
        "select -sum(amount) from public.credit_transactions where project_id = %s and type = 'usage'",
        project,
    )
    [(jobs,)] = sql(stack, "select sum(credit_cost) from public.ai_jobs where project_id = %s", project)
    agent.client.rpc("cancel_project", {"p_project_id": project}).execute()
    return debited, jobs


@pytest.fixture
def agent(make_agent):
    return make_agent()


def test_an_edit_is_charged_what_its_quote_said(stack, agent):
    photos = _upload_photos(agent, 2)
    quote = (
        agent.client.rpc("quote_edit", {"p_edit_type": "virtual_staging", "p_photos": 2, "p_variations": 3})
        .execute()
        .data
    )
    submitted = (
        agent.client.rpc(
            "submit_edit",
            {
                "p_edit_type": "virtual_staging",
                "p_photos": photos,
                "p_options": {"variations": 3, "style": "modern"},
            },
        )
        .execute()
        .data
    )
    assert quote["total"] == quote["price_each"] * 2 * 3 == submitted["credits_charged"]
    assert _charged(stack, agent, submitted) == (quote["total"], quote["total"])


def test_a_video_with_ai_motion_is_charged_what_its_quote_said(stack, agent):
    photos = _upload_photos(agent, 2)
    quote = agent.client.rpc("quote_video", {"p_photos": 2, "p_motion": "ai"}).execute().data
    submitted = (
        agent.client.rpc("submit_video", {"p_photos": photos, "p_options": {"motion": "ai"}}).execute().data
    )
    assert quote["total"] == quote["price_video"] + 2 * quote["price_clip"] == submitted["credits_charged"]
    assert _charged(stack, agent, submitted) == (quote["total"], quote["total"])


@pytest.mark.parametrize(("name", "photo_count"), [("Just listed", 1), ("Bright and inviting", 2)])
def test_a_template_use_is_charged_what_its_quote_said(stack, agent, name, photo_count):
    photos = _upload_photos(agent, photo_count)
    listing = (
        agent.client.table("crm_listings")
        .insert({"user_id": agent.id, "address": "12 Oak Street", "city": "Cape Town", "price": 2450000})
        .execute()
        .data[0]
    )
    [(template_id,)] = sql(
        stack, "select id::text from public.templates where name = %s and user_id is null", name
    )
    quote = (
        agent.client.rpc("quote_template", {"p_template_id": template_id, "p_photos": photo_count})
        .execute()
        .data
    )
    submitted = (
        agent.client.rpc(
            "submit_template",
            {
                "p_template_id": template_id,
                "p_listing_id": listing["id"],
                "p_photos": photos,
                "p_options": {"prompt": "Brighten this photo of a home in Cape Town"},
            },
        )
        .execute()
        .data
    )
    assert quote["total"] == submitted["credits_charged"] > 0
    assert _charged(stack, agent, submitted) == (quote["total"], quote["total"])


def test_jobs_that_do_not_add_up_to_the_price_are_refused_and_nothing_is_charged(stack, agent):
    jobs = [{"service": "local", "model": "stagefy-slideshow", "input": {"kind": "video"}, "credit_cost": 1}]
    with (
        psycopg.connect(stack.dsn, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InternalError, match="cost 1 credits, its price is 5"),
    ):
        conn.execute(
            "select private.create_job_project(%s, 'video', 'Mispriced', '{}', %s, %s)",
            (agent.id, json.dumps(jobs), json.dumps({"total": 5})),
        )
    assert balance(stack, agent.id) == 50
    assert sql(stack, "select count(*) from public.projects where user_id = %s", agent.id) == [(0,)]


@pytest.mark.parametrize("amount", [0, -5, 1_000_001])
def test_an_admin_revocation_is_held_to_the_limit_of_a_grant(stack, make_agent, amount):
    admin, target = make_agent("Ops Admin"), make_agent("Target")
    sql(stack, "update public.users set role = 'admin' where id = %s", admin.id)
    errors = {}
    for rpc in ("admin_grant_credits", "admin_revoke_credits"):
        with pytest.raises(APIError) as refused:
            admin.client.rpc(rpc, {"p_user": target.email, "p_amount": amount, "p_reason": "typo"}).execute()
        errors[rpc] = (refused.value.code, refused.value.message)
    assert errors["admin_grant_credits"] == errors["admin_revoke_credits"]
    assert "between 1 and 1000000 credits" in errors["admin_revoke_credits"][1]
    assert balance(stack, target.id) == 50
