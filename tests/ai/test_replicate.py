"""ReplicateProvider against a local stand-in of Replicate's predictions API (the official client talks to it)."""

from __future__ import annotations

import asyncio
import base64
import itertools
from decimal import Decimal

import pytest
from replicate.prediction import Prediction
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.ai.base import EditRequest, ProviderError
from stagefy_cli.ai.registry import provider_from_env
from stagefy_cli.ai.replicate import ReplicateProvider

TOKEN = "r8_test_token_123"


#: Models the stand-in runs by name: official ones. Since August 2025 the models route refuses the
#: others (community models), which run by version through /v1/predictions.
OFFICIAL = {"google/nano-banana-2", "google/nano-banana", "qwen/qwen-image-edit-plus", "kwaivgi/kling-v2.1"}
VERSION = "76604baddc85b1b4616e1c6475eca080da339c8875bd4996705440484a6eac38"


def sdk_checked(prediction: dict) -> dict:
    """A prediction as the official client's own type reads it (starting, processing, succeeded,
    failed or canceled), so the stand-in answers nothing the client would not accept."""
    return Prediction.parse_obj(prediction).dict(exclude_none=False) | {"urls": prediction["urls"]}


class FakeReplicate:
    """Speaks the documented predictions API. `outcome`: succeeded | failed | never;
    `create_failures`: HTTP statuses answered to the first create requests (429s with Retry-After);
    `poll_failures`: statuses answered to the first polls; `poll_delay`: seconds each poll takes
    to answer; `held`: a `Prefer: wait` create answers with the finished prediction."""

    def __init__(
        self,
        recorder,
        output: bytes,
        outcome="succeeded",
        create_failures=(),
        polls_before_done=2,
        poll_failures=(),
        poll_delay=0.0,
        held=False,
    ):
        self.recorder = recorder
        self.output = output
        self.outcome = outcome
        self.create_failures = list(create_failures)
        self.polls_before_done = polls_before_done
        self.poll_failures = list(poll_failures)
        self.poll_delay = poll_delay
        self.held = held
        self.predictions: dict[str, dict] = {}
        self.polls: dict[str, int] = {}
        self.ids = (f"pred{n:04d}" for n in itertools.count(1))
        self.url = ""
        self.app = Starlette(
            routes=[
                Route("/v1/models/{owner}/{name}/predictions", self.create, methods=["POST"]),
                Route("/v1/predictions", self.create, methods=["POST"]),
                Route("/v1/predictions/{id}", self.get, methods=["GET"]),
                Route("/v1/predictions/{id}/cancel", self.cancel, methods=["POST"]),
                Route("/files/{name}", self.file, methods=["GET"]),
            ]
        )

    def _authorized(self, entry) -> bool:
        return entry.headers.get("authorization") == f"Bearer {TOKEN}"

    async def create(self, request: Request):
        entry = await self.recorder(request)
        if not self._authorized(entry):
            return JSONResponse({"title": "Unauthenticated", "detail": "Invalid token.", "status": 401}, 401)
        if self.create_failures:
            status = self.create_failures.pop(0)
            return JSONResponse(
                {"title": "Too many requests", "detail": "Request was throttled.", "status": status},
                status,
                headers={"Retry-After": "7"},
            )
        body = entry.json()
        if "owner" in request.path_params:
            name = f"{request.path_params['owner']}/{request.path_params['name']}"
            if name not in OFFICIAL:
                return JSONResponse({"title": "Not found", "detail": "Not found.", "status": 404}, 404)
        elif body.get("version") != VERSION:
            detail = "Invalid version or not permitted"
            return JSONResponse({"title": "Invalid version", "detail": detail, "status": 422}, 422)
        model = (
            f"{request.path_params['owner']}/{request.path_params['name']}"
            if "owner" in request.path_params
            else "owner/model"
        )
        prediction_id = next(self.ids)
        self.predictions[prediction_id] = {
            "id": prediction_id,
            "model": model,
            "version": body.get("version", "hidden"),
            "status": "starting",
            "input": body["input"],
            "output": None,
            "logs": "",
            "error": None,
            "metrics": {},
            "created_at": "2026-11-25T10:00:00Z",
            "urls": {
                "get": f"{self.url}/v1/predictions/{prediction_id}",
                "cancel": f"{self.url}/v1/predictions/{prediction_id}/cancel",
            },
        }
        prediction = self.predictions[prediction_id]
        if self.held and entry.headers.get("prefer", "").startswith("wait") and self.outcome == "succeeded":
            prediction.update(
                status="succeeded", output=f"{self.url}/files/out.jpg", metrics={"predict_time": 3.0}
            )
        return JSONResponse(sdk_checked(prediction), 201)

    async def get(self, request: Request):
        entry = await self.recorder(request)
        assert self._authorized(entry)
        await asyncio.sleep(self.poll_delay)
        prediction = self.predictions.get(request.path_params["id"])
        if prediction is None:
            return JSONResponse({"detail": "Not found."}, 404)
        if self.poll_failures:
            status = self.poll_failures.pop(0)
            return JSONResponse({"detail": "Service unavailable.", "status": status}, status)
        count = self.polls[prediction["id"]] = self.polls.get(prediction["id"], 0) + 1
        if prediction["status"] in ("starting", "processing"):
            prediction["status"] = "processing"
            if count >= self.polls_before_done and self.outcome == "succeeded":
                prediction.update(
                    status="succeeded", output=[f"{self.url}/files/out.jpg"], metrics={"predict_time": 4.0}
                )
            elif count >= self.polls_before_done and self.outcome == "failed":
                prediction.update(status="failed", error="CUDA out of memory", metrics={"predict_time": 1.5})
        return JSONResponse(sdk_checked(prediction))

    async def cancel(self, request: Request):
        entry = await self.recorder(request)
        assert self._authorized(entry)
        prediction = self.predictions.get(request.path_params["id"])
        if prediction is None:
            return JSONResponse({"detail": "Not found."}, 404)
        prediction["status"] = "canceled"
        return JSONResponse(sdk_checked(prediction))

    async def file(self, request: Request):
        await self.recorder(request)
        return Response(self.output, media_type="image/jpeg")


@pytest.fixture
def fake(serve, recorder, result_jpeg):
    def _start(**options) -> FakeReplicate:
        stand_in = FakeReplicate(recorder, result_jpeg, **options)
        stand_in.url = serve(stand_in.app).url
        return stand_in

    return _start


def provider(stand_in: FakeReplicate, **options) -> ReplicateProvider:
    return ReplicateProvider(TOKEN, base_url=stand_in.url, poll_interval=0.05, backoff=0.05, **options)


def test_declutter_runs_nano_banana_2_with_the_signed_url_and_downloads_the_output(
    fake, recorder, make_photo, result_jpeg
):
    stand_in = fake()
    submitted = []
    request = EditRequest(
        "declutter",
        make_photo(1600, 1067),
        "image/jpeg",
        image_url="https://storage.example/signed/photo.jpg",
    )

    result = provider(stand_in).run(request, on_submitted=submitted.append, timeout=10)

    create = recorder.log[0]
    assert create.method == "POST" and create.path == "/v1/models/google/nano-banana-2/predictions"
    assert create.headers["authorization"] == f"Bearer {TOKEN}"
    assert create.headers["prefer"] == "wait=4"  # held open while the deadline (10 s, less 5) allows
    sent = create.json()["input"]
    assert sent["image_input"] == ["https://storage.example/signed/photo.jpg"]
    assert "clutter" in sent["prompt"] and sent["output_format"] == "jpg"
    assert sent["aspect_ratio"] == "match_input_image" and sent["resolution"] == "2K"
    assert submitted == ["pred0001"]
    assert "GET /v1/predictions/pred0001" in recorder.paths()
    download = recorder.log[-1]
    assert download.path == "/files/out.jpg" and "authorization" not in download.headers  # token stays home
    assert result.image == result_jpeg and result.mime_type == "image/jpeg"
    assert result.model == "google/nano-banana-2" and result.provider_job_id == "pred0001"
    assert result.api_cost == Decimal("0.101")  # 2K


def test_a_prediction_finished_while_held_needs_no_poll(fake, recorder, make_photo):
    stand_in = fake(held=True)
    result = provider(stand_in).run(EditRequest("enhance", make_photo(), "image/jpeg"), timeout=30)
    assert recorder.paths() == ["POST /v1/models/google/nano-banana-2/predictions", "GET /files/out.jpg"]
    assert result.provider_job_id == "pred0001"


def test_a_pinned_community_model_runs_by_version_and_costs_model_time(fake, recorder, make_photo):
    stand_in = fake()
    photo = make_photo()
    env = {
        "REPLICATE_API_TOKEN": TOKEN,
        "REPLICATE_BASE_URL": stand_in.url,
        "REPLICATE_POLL_INTERVAL": "0.05",
        "STAGEFY_REPLICATE_MODEL_VIRTUAL_STAGING": f"adirik/interior-design:{VERSION}",
    }
    request = EditRequest(
        "virtual_staging", photo, "image/jpeg", style="scandinavian", room="bedroom", seed=42
    )

    result = provider_from_env("replicate", env).run(request, timeout=10)

    create = recorder.log[0]
    assert create.path == "/v1/predictions" and create.json()["version"] == VERSION
    sent = create.json()["input"]
    prefix = "data:image/jpeg;base64,"
    assert sent["image"].startswith(prefix) and base64.b64decode(sent["image"][len(prefix) :]) == photo
    assert "scandinavian" in sent["prompt"] and "bedroom" in sent["prompt"]
    assert sent["seed"] == 42 and sent["negative_prompt"]
    assert result.api_cost == Decimal("0.000725") * 4  # predict_time 4.0 s


@pytest.mark.parametrize(
    ("model", "said"),
    [
        ("adirik/interior-design", "no an official model adirik/interior-design"),
        (f"adirik/interior-design:{'0' * 64}", "no version 000000000000 of adirik/interior-design"),
    ],
)
def test_a_model_or_version_replicate_does_not_have_names_the_setting(fake, make_photo, model, said):
    stand_in = fake()
    replicate = provider(stand_in, models={"virtual_staging": model})
    with pytest.raises(ProviderError, match=said) as caught:
        replicate.run(EditRequest("virtual_staging", make_photo(), "image/jpeg"), timeout=10)
    assert "Operator: set STAGEFY_REPLICATE_MODEL_VIRTUAL_STAGING" in caught.value.message
    assert caught.value.retryable is False


def test_models_and_costs_come_from_the_environment(fake, recorder, make_photo):
    stand_in = fake()
    env = {
        "REPLICATE_API_TOKEN": TOKEN,
        "REPLICATE_BASE_URL": stand_in.url,
        "REPLICATE_POLL_INTERVAL": "0.05",
        "STAGEFY_REPLICATE_MODEL_ENHANCE": f"acme/upscaler:{VERSION}",
        "STAGEFY_REPLICATE_COSTS": "acme/upscaler=0.01/run",
    }
    result = provider_from_env("replicate", env).run(
        EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10
    )

    assert recorder.log[0].path == "/v1/predictions"
    assert recorder.log[0].json()["version"] == VERSION
    assert result.model.startswith("acme/upscaler:") and result.api_cost == Decimal("0.01")


def test_a_failed_prediction_is_a_provider_error_with_the_models_reason(fake, make_photo):
    stand_in = fake(outcome="failed")
    with pytest.raises(ProviderError, match="CUDA out of memory") as caught:
        provider(stand_in).run(
            EditRequest("custom", make_photo(), "image/jpeg", prompt="paint the door red"), timeout=10
        )
    assert caught.value.retryable is False


def test_a_prediction_that_never_finishes_is_cancelled_at_the_deadline(fake, recorder, make_photo):
    stand_in = fake(outcome="never")
    with pytest.raises(ProviderError, match="did not finish within 0.6 s") as caught:
        provider(stand_in).run(EditRequest("day_to_dusk", make_photo(), "image/jpeg"), timeout=0.6)
    assert caught.value.retryable is True
    assert recorder.paths()[-1] == "POST /v1/predictions/pred0001/cancel"
    assert stand_in.predictions["pred0001"]["status"] == "canceled"


@pytest.mark.slow  # waits out its 2 s deadline, and its stand-in's 3 s poll, by design
def test_a_poll_still_unanswered_at_the_deadline_cancels_the_prediction(fake, recorder, make_photo):
    stand_in = fake(outcome="never", poll_delay=3)  # the poll is sent well before the deadline
    with pytest.raises(ProviderError, match="did not finish within 2 s"):
        provider(stand_in).run(EditRequest("day_to_dusk", make_photo(), "image/jpeg"), timeout=2)
    assert recorder.paths()[-2:] == ["GET /v1/predictions/pred0001", "POST /v1/predictions/pred0001/cancel"]
    assert stand_in.predictions["pred0001"]["status"] == "canceled"


def test_polls_failing_until_the_last_attempt_cancel_the_abandoned_prediction(fake, recorder, make_photo):
    stand_in = fake(outcome="never", poll_failures=[503] * 10)
    with pytest.raises(ProviderError, match="polling failed"):
        provider(stand_in).run(EditRequest("day_to_dusk", make_photo(), "image/jpeg"), timeout=10)
    assert recorder.paths()[-1] == "POST /v1/predictions/pred0001/cancel"
    assert stand_in.predictions["pred0001"]["status"] == "canceled"


def test_a_poll_answer_that_cannot_be_read_cancels_the_prediction(fake, recorder, make_photo):
    stand_in = fake(outcome="never", poll_failures=[200])  # 200 with a body that is no prediction
    with pytest.raises(ProviderError, match="replicate: the answer is not a prediction"):
        provider(stand_in).run(EditRequest("day_to_dusk", make_photo(), "image/jpeg"), timeout=10)
    assert recorder.paths()[-1] == "POST /v1/predictions/pred0001/cancel"
    assert stand_in.predictions["pred0001"]["status"] == "canceled"


def test_a_rate_limited_creation_is_sent_once_and_keeps_the_retry_after(fake, recorder, make_photo):
    # creating a prediction is paid work: sent once, and the worker's queue retries it, not sooner
    # than Replicate asked
    stand_in = fake(create_failures=[429])
    with pytest.raises(ProviderError, match="Request was throttled") as caught:
        provider(stand_in).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True and caught.value.retry_after == 7.0
    assert len([path for path in recorder.paths() if path.startswith("POST /v1/models/")]) == 1


def test_unavailable_polls_are_retried_a_few_times_within_the_deadline(fake, recorder, make_photo):
    stand_in = fake(poll_failures=[503, 503])
    result = provider(stand_in).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert result.provider_job_id == "pred0001"
    stand_in = fake(poll_failures=[503] * 10)
    with pytest.raises(ProviderError, match="after 3 attempts") as caught:
        provider(stand_in).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True


def test_a_bad_token_is_reported_without_the_token(fake, make_photo):
    stand_in = fake()
    bad = ReplicateProvider("r8_wrong", base_url=stand_in.url, poll_interval=0.05)
    with pytest.raises(ProviderError, match="rejected the API token") as caught:
        bad.run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert "r8_wrong" not in str(caught.value) and caught.value.retryable is False


def test_cancel_is_best_effort(fake, recorder):
    stand_in = fake()
    replicate_provider = provider(stand_in)
    replicate_provider.cancel("no-such-prediction")  # 404: logged, not raised
    assert recorder.paths() == ["POST /v1/predictions/no-such-prediction/cancel"]
