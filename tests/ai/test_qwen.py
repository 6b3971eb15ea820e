"""QwenProvider against a local stand-in of DashScope's multimodal-generation endpoint."""

from __future__ import annotations

import asyncio
import base64
import io
from decimal import Decimal

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.ai.base import EditRequest, ProviderError
from stagefy_cli.ai.registry import provider_from_env

KEY = "sk-dashscope-test"
PATH = "/api/v1/services/aigc/multimodal-generation/generation"


class FakeDashScope:
    """`answers`: what to do for each successive generation request: 'ok', 'slow', or (status, code)."""

    def __init__(self, recorder, output: bytes, answers=("ok",)):
        self.recorder = recorder
        self.output = output
        self.answers = list(answers)
        self.messages: dict[str, str] = {}  # an error code's message, when not "<code> happened"
        self.url = ""
        self.app = Starlette(
            routes=[Route(PATH, self.generate, methods=["POST"]), Route("/results/{name}", self.result)]
        )

    async def generate(self, request: Request):
        entry = await self.recorder(request)
        if entry.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse(
                {"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "r0"}, 401
            )
        assert entry.headers["content-type"] == "application/json"
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == "slow":
            await asyncio.sleep(1.5)
        elif answer != "ok":
            status, code = answer
            headers = {"Retry-After": "0"} if status == 429 else {}
            return JSONResponse(
                {
                    "code": code,
                    "message": self.messages.get(code, f"{code} happened"),
                    "request_id": "req-err",
                },
                status,
                headers,
            )
        return JSONResponse(
            {
                "output": {
                    "choices": [
                        {
                            "finish_reason": "stop",
                            "message": {
                                "role": "assistant",
                                "content": [{"image": f"{self.url}/results/out.png"}],
                            },
                        }
                    ]
                },
                "usage": {"width": 1600, "height": 1067, "image_count": 1},
                "request_id": "req-123",
            }
        )

    async def result(self, request: Request):
        await self.recorder(request)
        return Response(self.output, media_type="image/jpeg")


@pytest.fixture
def fake(serve, recorder, result_jpeg):
    def _start(**options) -> FakeDashScope:
        stand_in = FakeDashScope(recorder, result_jpeg, **options)
        stand_in.url = serve(stand_in.app).url
        return stand_in

    return _start


def qwen(stand_in, **env):
    provider = provider_from_env(
        "qwen", {"DASHSCOPE_API_KEY": KEY, "DASHSCOPE_BASE_URL": stand_in.url, **env}
    )
    return provider


def test_edit_sends_the_signed_url_and_the_instruction_and_downloads_the_result(
    fake, recorder, make_photo, result_jpeg
):
    stand_in = fake()
    request = EditRequest(
        "virtual_staging", make_photo(), "image/jpeg", image_url="https://storage.example/s/p.jpg",
        style="coastal", room="living_room", seed=7,
    )  # fmt: skip
    result = qwen(stand_in).run(request, timeout=10)

    sent = recorder.log[0]
    assert sent.path == PATH and sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.json()
    assert body["model"] == "qwen-image-edit-plus-2025-12-15"
    content = body["input"]["messages"][0]["content"]
    assert body["input"]["messages"][0]["role"] == "user"
    assert content[0] == {"image": "https://storage.example/s/p.jpg"}
    assert "coastal" in content[1]["text"] and "living room" in content[1]["text"]
    assert body["parameters"] == {
        "negative_prompt": " ",
        "watermark": False,
        "n": 1,
        "size": "2048*1366",  # the largest output, at the photo's aspect ratio
        "prompt_extend": False,  # no language model rewriting the protective instructions
        "seed": 7,
    }
    assert recorder.log[1].path == "/results/out.png"
    assert result.image == result_jpeg and result.mime_type == "image/jpeg"
    assert result.model == "qwen-image-edit-plus-2025-12-15" and result.provider_job_id == "req-123"
    assert result.api_cost == Decimal("0.03")


def test_without_a_url_the_photo_goes_inline_and_an_oversized_one_is_reduced(fake, recorder, make_photo):
    stand_in = fake()
    small, large = make_photo(800, 600), make_photo(3200, 2000)  # over the 3072 px limit, 16:10
    provider = qwen(stand_in, STAGEFY_QWEN_MODEL="qwen-image-edit", STAGEFY_QWEN_PRICE="0.05")
    provider.run(EditRequest("declutter", small, "image/jpeg"), timeout=10)
    result = provider.run(
        EditRequest("declutter", large, "image/jpeg", image_url="https://s.example/x.jpg"), timeout=10
    )

    first, second = (entry.json() for entry in recorder.log if entry.path == PATH)
    prefix = "data:image/jpeg;base64,"
    inline = first["input"]["messages"][0]["content"][0]["image"]
    assert inline.startswith(prefix) and base64.b64decode(inline[len(prefix) :]) == small
    assert "n" not in first["parameters"]  # only the -plus model takes n and size
    reduced = second["input"]["messages"][0]["content"][0]["image"]
    assert reduced.startswith(prefix)  # the URL points at a photo over the 3072 px limit
    assert Image.open(io.BytesIO(base64.b64decode(reduced[len(prefix) :]))).size == (3072, 1920)
    assert result.api_cost == Decimal("0.05") and result.model == "qwen-image-edit"


def test_an_api_error_carries_its_code_and_message(fake, make_photo):
    stand_in = fake(answers=[(400, "InvalidParameter")])
    with pytest.raises(
        ProviderError, match=r"InvalidParameter happened \(InvalidParameter, request req-err\)"
    ) as caught:
        qwen(stand_in).run(EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is False


def test_a_server_error_is_retryable(fake, make_photo):
    stand_in = fake(answers=[(500, "InternalError")])
    with pytest.raises(ProviderError, match="InternalError") as caught:
        qwen(stand_in).run(EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True


def test_a_rate_limit_is_a_retryable_error_sent_once(fake, recorder, make_photo):
    # the generation request is sent once: the worker's queue retries it later, with backoff
    stand_in = fake(answers=[(429, "Throttling.RateQuota"), "ok"])
    with pytest.raises(ProviderError, match=r"qwen: rate limited \(Throttling") as caught:
        qwen(stand_in).run(EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10)
    assert caught.value.retryable is True and caught.value.retry_after == 0
    assert [entry.path for entry in recorder.log].count(PATH) == 1


def test_a_slow_answer_times_out(fake, make_photo):
    stand_in = fake(answers=["slow"])
    with pytest.raises(ProviderError, match="did not finish within 0.5 s") as caught:
        qwen(stand_in).run(EditRequest("enhance", make_photo(), "image/jpeg"), timeout=0.5)
    assert caught.value.retryable is True


def test_a_photo_below_the_minimum_size_is_refused_before_sending(fake, recorder, make_photo):
    stand_in = fake()
    with pytest.raises(ProviderError, match="at least 384 px"):
        qwen(stand_in).run(EditRequest("enhance", make_photo(300, 200), "image/jpeg"), timeout=10)
    assert recorder.log == []


def test_a_wrong_key_is_reported(fake, make_photo):
    stand_in = fake()
    provider = provider_from_env(
        "qwen", {"DASHSCOPE_API_KEY": "sk-wrong", "DASHSCOPE_BASE_URL": stand_in.url}
    )
    with pytest.raises(ProviderError, match="Invalid API-key provided") as caught:
        provider.run(EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10)
    assert "sk-wrong" not in str(caught.value)


def test_the_instruction_fits_800_characters_with_the_protective_sentence_and_the_wish(
    fake, recorder, make_photo
):
    # the full staging wording plus a 300-character wish is over the limit: the detailed hints go,
    # the user's words and "keep the architecture" stay whole
    stand_in = fake()
    wish = "place a grand piano by the window and a reading nook with a deep armchair " * 4
    qwen(stand_in).run(
        EditRequest(
            "virtual_staging", make_photo(), "image/jpeg", style="art_deco", room="kids_room", prompt=wish
        ),
        timeout=10,
    )
    text = recorder.log[0].json()["input"]["messages"][0]["content"][1]["text"]
    assert len(text) <= 800
    assert wish.strip() in text and text.index(wish.strip()) < text.index("Keep the architecture exactly")
    assert "the camera position, perspective and framing." in text


def test_a_wish_that_cannot_fit_is_refused_before_sending(fake, recorder, make_photo):
    stand_in = fake()
    with pytest.raises(ProviderError, match=r"too long for qwen .* at most \d+ fit") as caught:
        qwen(stand_in).run(EditRequest("custom", make_photo(), "image/jpeg", prompt="x" * 700), timeout=10)
    assert caught.value.retryable is False and recorder.log == []


def test_a_model_that_does_not_exist_names_the_setting_to_change(fake, make_photo):
    stand_in = fake(answers=[(400, "InvalidParameter")])
    stand_in.messages = {"InvalidParameter": "Model not exist."}
    with pytest.raises(ProviderError, match="set STAGEFY_QWEN_MODEL to a current image edit model") as caught:
        qwen(stand_in, STAGEFY_QWEN_MODEL="qwen-image-edit-pluss").run(
            EditRequest("enhance", make_photo(), "image/jpeg"), timeout=10
        )
    assert "'qwen-image-edit-pluss'" in caught.value.message and caught.value.retryable is False
