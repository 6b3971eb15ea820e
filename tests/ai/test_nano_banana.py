"""NanoBananaProvider against a local stand-in of the Gemini API's generateContent."""

from __future__ import annotations

import asyncio
import base64
from decimal import Decimal

import pytest
from google.genai import types
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stagefy_cli.ai.base import EditRequest, ProviderError
from stagefy_cli.ai.images import output_size_for
from stagefy_cli.ai.nano_banana import closest_aspect_ratio, price
from stagefy_cli.ai.registry import provider_from_env

KEY = "AIza-test-key"


#: Error details as the Gemini API sends them with a 429 (google.rpc types, JSON form).
RETRY_INFO = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}
PER_MINUTE = {
    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
    "violations": [
        {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
        }
    ],
}
PER_DAY = {
    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
    "violations": [
        {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
            "quotaId": "GenerateRequestsPerDayPerProjectPerModel",
        }
    ],
}


def sdk_answer(answer: str, image: bytes) -> dict:
    """A generateContent answer built with the official SDK's response types, in wire form."""
    if answer == "blocked":
        response = types.GenerateContentResponse(
            prompt_feedback=types.GenerateContentResponsePromptFeedback(
                block_reason=types.BlockedReason.PROHIBITED_CONTENT
            ),
            response_id="b1",
        )
    elif answer == "image":
        parts = [
            types.Part(text="Here is the staged room."),
            types.Part.from_bytes(data=image, mime_type="image/jpeg"),
        ]
        response = types.GenerateContentResponse(
            candidates=[
                types.Candidate(
                    content=types.Content(role="model", parts=parts), finish_reason=types.FinishReason.STOP
                )
            ],
            usage_metadata=types.GenerateContentResponseUsageMetadata(candidates_token_count=1680),
            response_id="resp-1",
        )
    else:  # "<FINISH_REASON>" or "<FINISH_REASON>:<text>": a candidate without an image
        finish, _, text = answer.partition(":")
        parts = [types.Part(text=text)] if text else []
        response = types.GenerateContentResponse(
            candidates=[
                types.Candidate(
                    content=types.Content(role="model", parts=parts), finish_reason=types.FinishReason(finish)
                )
            ],
            response_id="resp-2",
        )
    return response.model_dump(mode="json", by_alias=True, exclude_none=True)


class FakeGemini:
    """`answers`, one per request (the last repeats): 'image', 'slow', 'blocked', a finish reason
    ('NO_IMAGE', 'STOP:some text'), or (status, STATUS[, details])."""

    def __init__(self, recorder, output: bytes, answers=("image",)):
        self.recorder = recorder
        self.output = output
        self.answers = list(answers)
        self.app = Starlette(routes=[Route("/v1/models/{model}", self.generate, methods=["POST"])])

    async def generate(self, request: Request):
        entry = await self.recorder(request)
        assert request.path_params["model"].endswith(":generateContent")
        assert "key" not in request.query_params  # the key travels in a header, never in the URL
        if entry.headers.get("x-goog-api-key") != KEY:
            return _error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == "slow":
            await asyncio.sleep(1.5)
            answer = "image"
        if isinstance(answer, tuple):
            return _error(
                *answer[:2], message="Resource has been exhausted (e.g. check quota).", details=answer[2:]
            )
        return JSONResponse(sdk_answer(answer, self.output))


def _error(status: int, code: str, message: str, details=()) -> JSONResponse:
    error = {"code": status, "message": message, "status": code}
    if details:
        error["details"] = list(details)
    return JSONResponse({"error": error}, status)


@pytest.fixture
def fake(serve, recorder, result_jpeg):
    def _start(**options):
        stand_in = FakeGemini(recorder, result_jpeg, **options)
        return stand_in, serve(stand_in.app).url

    return _start


def gemini(url, key=KEY, **env):
    provider = provider_from_env("nano_banana", {"GEMINI_API_KEY": key, "GEMINI_BASE_URL": url, **env})
    return provider


def test_the_photo_goes_inline_with_the_instruction_and_the_image_comes_back(
    fake, recorder, make_photo, result_jpeg
):
    _, url = fake()
    photo = make_photo(1600, 1067)
    result = gemini(url).run(
        EditRequest("virtual_staging", photo, "image/jpeg", style="luxury", room="bedroom"), timeout=10
    )

    sent = recorder.log[0]
    assert sent.path == "/v1/models/gemini-3.1-flash-image:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY
    body = sent.json()
    text, inline = body["contents"][0]["parts"]
    assert "luxury" in text["text"] and "bedroom" in text["text"]
    assert inline["inlineData"]["mimeType"] == "image/jpeg"
    assert base64.b64decode(inline["inlineData"]["data"]) == photo
    assert body["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    # the photo's framing, and the smallest output size that holds its 1600 px
    assert body["generationConfig"]["imageConfig"] == {"aspectRatio": "3:2", "imageSize": "2K"}
    assert result.image == result_jpeg and result.mime_type == "image/jpeg"
    assert result.model == "gemini-3.1-flash-image" and result.api_cost == Decimal("0.1008")  # 1680 tokens


def test_a_2_5_model_is_asked_no_image_size_and_costs_its_price(fake, recorder, make_photo):
    _, url = fake()
    result = gemini(url, STAGEFY_GEMINI_MODEL="gemini-2.5-flash-image").run(
        EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10
    )
    assert recorder.log[0].path == "/v1/models/gemini-2.5-flash-image:generateContent"
    assert "imageSize" not in recorder.log[0].json()["generationConfig"]["imageConfig"]
    assert result.model == "gemini-2.5-flash-image" and result.api_cost == Decimal("0.0387")


@pytest.mark.parametrize(("width", "size"), [(1000, "1K"), (2048, "2K"), (4000, "4K"), (6000, "4K")])
def test_the_output_size_holds_the_photos_long_edge(width, size):
    assert output_size_for(width, width * 2 // 3) == size and output_size_for(width * 2 // 3, width) == size


def test_a_blocked_prompt_is_a_refusal_naming_the_reason(fake, make_photo):
    _, url = fake(answers=["blocked"])
    with pytest.raises(ProviderError, match="refused the request \\(PROHIBITED_CONTENT") as caught:
        gemini(url).run(EditRequest("custom", make_photo(), "image/jpeg", prompt="x"), timeout=10)
    assert caught.value.retryable is False


@pytest.mark.parametrize("finish", ["IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "SAFETY", "IMAGE_RECITATION"])
def test_a_safety_stop_is_a_refusal_naming_the_rule(fake, make_photo, finish):
    _, url = fake(answers=[finish])
    with pytest.raises(ProviderError, match=f"refused to make the image \\({finish}") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is False


@pytest.mark.parametrize("finish", ["NO_IMAGE", "IMAGE_OTHER", "OTHER", "STOP:I can't draw that right now."])
def test_an_answer_that_just_lacks_an_image_is_worth_a_retry(fake, make_photo, finish):
    _, url = fake(answers=[finish])
    with pytest.raises(ProviderError, match=f"no image \\(finish reason {finish.split(':')[0]}") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True


def test_resource_exhausted_waits_as_long_as_retry_info_says_and_is_sent_once(fake, recorder, make_photo):
    # the request is sent once: the worker's queue retries it later, no sooner than retryDelay
    _, url = fake(answers=[(429, "RESOURCE_EXHAUSTED", PER_MINUTE, RETRY_INFO), "image"])
    with pytest.raises(ProviderError, match="rate limited") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True and caught.value.retry_after == 17.0
    assert len(recorder.log) == 1


def test_a_used_up_daily_quota_is_not_retried(fake, make_photo):
    _, url = fake(answers=[(429, "RESOURCE_EXHAUSTED", PER_DAY, RETRY_INFO)])
    with pytest.raises(ProviderError, match="daily quota is used up") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is False


def test_a_model_that_does_not_exist_names_the_setting_to_change(fake, make_photo):
    _, url = fake(answers=[(404, "NOT_FOUND")])
    with pytest.raises(
        ProviderError, match="Operator: set STAGEFY_GEMINI_MODEL to a current image model"
    ) as caught:
        gemini(url, STAGEFY_GEMINI_MODEL="gemini-2.0-flash-exp").run(
            EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10
        )
    assert "'gemini-2.0-flash-exp'" in caught.value.message and caught.value.retryable is False


def test_a_server_error_is_retryable_and_readable(fake, make_photo):
    _, url = fake(answers=[(500, "INTERNAL")])
    with pytest.raises(ProviderError, match="Resource has been exhausted .* \\(INTERNAL\\)") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True


def test_a_bad_key_is_not_retried_and_not_echoed(fake, recorder, make_photo):
    _, url = fake()
    with pytest.raises(ProviderError, match="API key not valid") as caught:
        gemini(url, key="AIza-wrong").run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert "AIza-wrong" not in str(caught.value) and len(recorder.log) == 1


def test_a_slow_answer_times_out(fake, make_photo):
    _, url = fake(answers=["slow"])
    with pytest.raises(ProviderError, match="did not finish within 0.4 s") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=0.4)
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("size", "ratio"),
    [((1600, 1067), "3:2"), ((4000, 3000), "4:3"), ((1080, 1920), "9:16"), ((1000, 1000), "1:1")],
)
def test_closest_aspect_ratio(size, ratio):
    assert closest_aspect_ratio(*size) == ratio


@pytest.mark.parametrize(
    ("model", "size", "dollars"),
    [
        ("gemini-3.1-flash-image", "4K", "0.1512"),
        ("gemini-3.1-flash-image-preview", "1K", "0.0672"),
        ("gemini-2.5-flash-image", None, "0.0387"),
        ("gemini-3-pro-image", "2K", None),  # no price read for it: no cost rather than a wrong one
    ],
)
def test_the_price_of_an_image_follows_the_model_and_its_size(model, size, dollars):
    assert price(model, size) == (Decimal(dollars) if dollars else None)
