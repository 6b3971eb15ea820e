"""NanoBananaProvider against a local stand-in of the Gemini API's generateContent."""

from __future__ import annotations

import asyncio
import base64
from decimal import Decimal

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stagefy_cli.ai.base import EditRequest, ProviderError
from stagefy_cli.ai.nano_banana import closest_aspect_ratio
from stagefy_cli.ai.registry import provider_from_env

KEY = "AIza-test-key"


class FakeGemini:
    """`answers`, one per request (the last repeats): 'image', 'slow', 'blocked', 'safety', or (status, STATUS)."""

    def __init__(self, recorder, output: bytes, answers=("image",)):
        self.recorder = recorder
        self.output = output
        self.answers = list(answers)
        self.app = Starlette(routes=[Route("/v1beta/models/{model}", self.generate, methods=["POST"])])

    async def generate(self, request: Request):
        entry = await self.recorder(request)
        assert request.path_params["model"].endswith(":generateContent")
        assert "key" not in request.query_params  # the key travels in a header, never in the URL
        if entry.headers.get("x-goog-api-key") != KEY:
            return _error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == "slow":
            await asyncio.sleep(1.5)
        if answer == "blocked":
            return JSONResponse({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "responseId": "b1"})
        if answer == "safety":
            return JSONResponse({"candidates": [{"content": {"parts": []}, "finishReason": "IMAGE_SAFETY"}]})
        if isinstance(answer, tuple):
            return _error(*answer, message="Resource has been exhausted (e.g. check quota).")
        data = base64.b64encode(self.output).decode()
        return JSONResponse(
            {
                "candidates": [
                    {
                        "content": {
                            "role": "model",
                            "parts": [
                                {"text": "Here is the staged room."},
                                {"inlineData": {"mimeType": "image/jpeg", "data": data}},
                            ],
                        },
                        "finishReason": "STOP",
                    }
                ],
                "usageMetadata": {"candidatesTokenCount": 1290},
                "responseId": "resp-1",
            }
        )


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message, "status": code}}, status)


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
    assert sent.path == "/v1beta/models/gemini-2.5-flash-image:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY
    body = sent.json()
    text, inline = body["contents"][0]["parts"]
    assert "luxury" in text["text"] and "bedroom" in text["text"]
    assert inline["inlineData"]["mimeType"] == "image/jpeg"
    assert base64.b64decode(inline["inlineData"]["data"]) == photo
    assert body["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
    assert body["generationConfig"]["imageConfig"] == {"aspectRatio": "3:2"}
    assert result.image == result_jpeg and result.mime_type == "image/jpeg"
    assert result.model == "gemini-2.5-flash-image" and result.api_cost == Decimal("0.039")


def test_the_model_id_is_configurable(fake, recorder, make_photo):
    _, url = fake()
    result = gemini(url, STAGEFY_GEMINI_MODEL="gemini-3.1-flash-image").run(
        EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10
    )
    assert recorder.log[0].path == "/v1beta/models/gemini-3.1-flash-image:generateContent"
    assert result.model == "gemini-3.1-flash-image"


def test_a_blocked_prompt_names_the_reason(fake, make_photo):
    _, url = fake(answers=["blocked"])
    with pytest.raises(ProviderError, match="blocked the request \\(PROHIBITED_CONTENT\\)") as caught:
        gemini(url).run(EditRequest("custom", make_photo(), "image/jpeg", prompt="x"), timeout=10)
    assert caught.value.retryable is False


def test_an_answer_without_an_image_names_the_finish_reason(fake, make_photo):
    _, url = fake(answers=["safety"])
    with pytest.raises(ProviderError, match="no image \\(finish reason IMAGE_SAFETY\\)"):
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)


def test_resource_exhausted_is_retryable_and_sent_once(fake, recorder, make_photo):
    # the request is sent once: the worker's queue retries it later, with backoff
    _, url = fake(answers=[(429, "RESOURCE_EXHAUSTED"), "image"])
    with pytest.raises(ProviderError, match="rate limited") as caught:
        gemini(url).run(EditRequest("declutter", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True and len(recorder.log) == 1


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
