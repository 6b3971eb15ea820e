"""Guards found in review: signed tokens with roles PostgREST could not assume, and clients trying to
choose what the platform pays for."""

from __future__ import annotations

import time

import jwt
import web
from stagefy_testing import make_photo, sql

from stagefy_cli.backend.client import UserContext
from stagefy_cli.services import video as videos
from stagefy_cli.services.photos import check_photo
from stagefy_cli.services.uploads import upload_sources


def test_a_token_naming_another_database_role_is_refused(stack):
    now = int(time.time())
    token = jwt.encode(
        {"role": "postgres", "iat": now, "exp": now + 600}, stack.ctx.keys.jwt_secret, algorithm="HS256"
    )
    response = web.get(
        f"{stack.url}/rest/v1/users?select=email",
        headers={"apikey": stack.anon_key, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert response.json()["code"] in ("PGRST301", "PGRST303")


def test_a_client_cannot_choose_the_ai_clip_model(stack, make_agent, tmp_path):
    agent = make_agent()
    ctx = UserContext(agent.client, agent.id, agent.email)
    entries = upload_sources(ctx, [check_photo(make_photo(tmp_path / "porch.jpg"))])
    submitted = videos.submit(ctx, entries, videos.VideoOptions("landscape", 3.0, None, "ai"), None)
    raw = agent.client.rpc(
        "submit_video",
        {"p_photos": entries, "p_options": {"motion": "ai", "model": "someone/expensive-model"}},
    ).execute()
    models = sql(
        stack,
        "select distinct model from public.ai_jobs where project_id in (%s, %s) and input ->> 'kind' = 'video_clip'",
        submitted["project_id"],
        raw.data["project_id"],
    )
    assert models == [("kwaivgi/kling-v2.1",)]
    for project_id in (submitted["project_id"], raw.data["project_id"]):  # leave the queue empty
        agent.client.rpc("cancel_project", {"p_project_id": project_id}).execute()
