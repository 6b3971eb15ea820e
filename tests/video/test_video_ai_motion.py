"""`--motion ai`: one Replicate image-to-video job per photo, then the join, against a local stand-in
of Replicate's predictions API (the official client talks to it over HTTP)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from stagefy_testing import ServerThread, run_cli
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from video_support import balance, ledger, make_clip, make_photo, price, sql

from stagefy_cli.ai.local import LocalProvider
from stagefy_cli.ai.replicate import ReplicateProvider
from stagefy_cli.imaging.video.render import probe_video

TOKEN = "r8_test_video_token"


class ReplicateStandIn:
    """Predictions succeed after one poll with a clip URL; the `fail_nth` one of a model fails."""

    def __init__(self, clip: bytes, fail_nth: int | None = None):
        self.clip = clip
        self.fail_nth = fail_nth
        self.created: list[dict] = []
        self.predictions: dict[str, dict] = {}
        self.ids = (f"vid{n:04d}" for n in itertools.count(1))
        self.url = ""
        self.app = Starlette(
            routes=[
                Route("/v1/models/{owner}/{name}/predictions", self.create, methods=["POST"]),
                Route("/v1/predictions/{id}", self.get, methods=["GET"]),
                Route("/v1/predictions/{id}/cancel", self.cancel, methods=["POST"]),
                Route("/files/{name}", self.file, methods=["GET"]),
            ]
        )

    async def create(self, request: Request):
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"title": "Unauthenticated", "detail": "Invalid token.", "status": 401}, 401)
        body = json.loads(await request.body())
        prediction_id = next(self.ids)
        model = f"{request.path_params['owner']}/{request.path_params['name']}"
        self.created.append({"model": model, **body})
        self.predictions[prediction_id] = {
            "id": prediction_id,
            "model": model,
            "version": "hidden",
            "status": "starting",
            "input": body["input"],
            "output": None,
            "error": None,
            "logs": "",
            "metrics": {},
            "created_at": "2026-11-25T10:00:00Z",
            "urls": {"get": f"{self.url}/v1/predictions/{prediction_id}"},
            "_nth": sum(1 for created in self.created if created["model"] == model),
        }
        return JSONResponse(self.predictions[prediction_id], 201)

    async def get(self, request: Request):
        prediction = self.predictions[request.path_params["id"]]
        if prediction["status"] == "starting":
            prediction["status"] = "processing"
        elif prediction["status"] == "processing":
            if prediction["_nth"] == self.fail_nth:
                prediction.update(status="failed", error="NSFW content detected")
            else:
                prediction.update(
                    status="succeeded",
                    output=f"{self.url}/files/{prediction['id']}.mp4",
                    metrics={"predict_time": 42.0},
                )
        return JSONResponse({k: v for k, v in prediction.items() if not k.startswith("_")})

    async def cancel(self, request: Request):
        prediction = self.predictions[request.path_params["id"]]
        prediction["status"] = "canceled"
        return JSONResponse(prediction)

    async def file(self, request: Request):
        return Response(self.clip, media_type="video/mp4")


@pytest.fixture
def replicate_worker(signed_in_agent, job_worker, tmp_path):
    def _start(**options) -> ReplicateStandIn:
        stand_in = ReplicateStandIn(make_clip(tmp_path / "clip.mp4"), **options)
        server = ServerThread(stand_in.app).__enter__()
        servers.append(server)
        stand_in.url = server.url
        replicate = ReplicateProvider(TOKEN, base_url=server.url, poll_interval=0.05, backoff=0.05)
        job_worker({"local": LocalProvider(), "replicate": replicate})
        return stand_in

    servers: list[ServerThread] = []
    yield _start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.mark.slow  # encodes the clips and joins them
def test_each_photo_becomes_a_clip_and_the_clips_are_joined(
    signed_in_agent, cli_stack, replicate_worker, tmp_path
):
    stand_in = replicate_worker()
    photos = [make_photo(tmp_path / f"room{i}.jpg", seed=i) for i in range(2)]
    out = tmp_path / "out"
    result = run_cli(
        [
            "video", "create", *map(str, photos), "--motion", "ai", "--format", "landscape",
            "--out", str(out), "--yes", "--json", "--timeout", "180",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    project = result.json()
    cost = price("video:slideshow") + 2 * price("video:ai_clip")
    assert (project["status"], project["credit_cost"]) == ("completed", cost)

    kinds = [(job["input"]["kind"], job["service"], job["model"], job["status"]) for job in project["jobs"]]
    assert sorted(kinds) == [
        ("video_clip", "replicate", "kwaivgi/kling-v2.1", "completed"),
        ("video_clip", "replicate", "kwaivgi/kling-v2.1", "completed"),
        ("video_join", "local", "stagefy-slideshow", "completed"),
    ]
    clips = {job["input"]["filename"]: job for job in project["jobs"] if job["input"]["kind"] == "video_clip"}
    assert {float(job["api_cost"]) for job in clips.values()} == {0.30}
    join = next(job for job in project["jobs"] if job["input"]["kind"] == "video_join")
    assert [c["filename"] for c in join["input"]["clips"]] == ["room0.jpg", "room1.jpg"]  # photo order kept

    clip_runs = stand_in.created  # the worker runs this test's jobs only
    assert [c["model"] for c in clip_runs] == ["kwaivgi/kling-v2.1"] * 2
    assert len(clip_runs) == 2
    sent = clip_runs[0]["input"]
    assert sent["start_image"].startswith("data:image/jpeg;base64,")
    assert (sent["duration"], sent["mode"]) == (5, "standard") and sent["prompt"]

    video = out / "room0.video.mp4"
    assert project["files"] == [str(video)]  # the joined video only, not the clips
    info = probe_video(video)
    assert (info.width, info.height, info.fps, info.video_codec) == (1920, 1080, 30, "h264")
    # the clips are intermediate: only the joined video is in the library
    assert sql(
        cli_stack, "select type::text, url from public.media_items where project_id = %s", project["id"]
    ) == [("video", join["output_url"])]
    assert balance(cli_stack, signed_in_agent.id) == 50 - cost


def test_a_failed_clip_stops_the_video_and_refunds_every_part(
    signed_in_agent, cli_stack, replicate_worker, tmp_path
):
    replicate_worker(fail_nth=2)
    photos = [make_photo(tmp_path / f"room{i}.jpg", seed=i) for i in range(2)]
    result = run_cli(["video", "create", *map(str, photos), "--motion", "ai", "--yes", "--timeout", "120"])
    assert result.exit_code == 1
    assert "NSFW content detected" in result.stderr.strip().splitlines()[-1]

    jobs = sql(
        cli_stack,
        "select input->>'kind', status::text from public.ai_jobs where user_id = %s",
        signed_in_agent.id,
    )
    # the other clip (done or not) is not used: cancelled and refunded with the join
    assert sorted(jobs) == [
        ("video_clip", "cancelled"),
        ("video_clip", "failed"),
        ("video_join", "cancelled"),
    ]
    assert balance(cli_stack, signed_in_agent.id) == 50
    refunds = [amount for kind, amount in ledger(cli_stack, signed_in_agent.id) if kind == "refund"]
    assert sum(refunds) == price("video:slideshow") + 2 * price("video:ai_clip")
    assert sql(
        cli_stack, "select status::text from public.projects where user_id = %s", signed_in_agent.id
    ) == [("failed",)]


def test_ai_motion_without_a_replicate_worker_is_refused_before_charging(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    result = run_cli(
        ["video", "create", str(make_photo(tmp_path / "a.jpg")), "--motion", "ai", "--yes", "--timeout", "60"]
    )
    assert result.exit_code == 2
    assert "REPLICATE_API_TOKEN" in result.stderr
    assert balance(cli_stack, signed_in_agent.id) == 50
    assert Path.cwd().joinpath("a.video.mp4").exists() is False
