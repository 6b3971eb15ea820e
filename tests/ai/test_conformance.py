"""Conformance with the official SDKs: for every provider and edit type, the same edit is sent by
the product and by the service's own SDK (google-genai, dashscope, replicate) to one local capture
server, and what the service reads is compared: path and API version, auth header, model, body
fields and nesting, image encoding. The answers are built with the SDKs' own response types (or
parsed by the SDK, where it has no public constructor), so the product reads what the SDKs read;
the error shapes the provider tests use are checked to be what each SDK understands.

The SDKs are imported by the functions that use them: at module level they would cost every pytest
worker about a second of its start, only to collect these tests.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stagefy_cli.ai.base import EditRequest
from stagefy_cli.ai.catalog import EDIT_TYPES
from stagefy_cli.ai.nano_banana import NanoBananaProvider
from stagefy_cli.ai.prompts import build_prompt
from stagefy_cli.ai.qwen import QwenProvider
from stagefy_cli.ai.replicate import ReplicateProvider

KEY = "test-key-123"
SIGNED_URL = "https://storage.example/object/sign/photos/p.jpg?token=abc"
#: What the photo of these tests (1600 x 1067) must be asked as, per each service's documentation.
ASPECT_RATIO, GEMINI_SIZE, QWEN_SIZE, REPLICATE_RESOLUTION = "3:2", "2K", "2048*1366", "2K"
OPTIONS = {
    "virtual_staging": {"style": "scandinavian", "room": "bedroom"},
    "custom": {"prompt": "paint the front door red"},
    "declutter": {"prompt": "also remove the fridge magnets"},
}


class Capture:
    """One local server for every service: records each request, answers as the service does."""

    def __init__(self, image: bytes):
        self.image = image
        self.log: list[tuple[str, str, dict, bytes]] = []
        self.url = ""
        self.app = Starlette(routes=[Route("/{path:path}", self.handle, methods=["GET", "POST"])])

    async def handle(self, request: Request):
        body = await request.body()
        path = request.url.path
        self.log.append((request.method, path, dict(request.headers), body))
        if path.endswith(":generateContent"):
            return JSONResponse(gemini_answer(self.image))
        if path.endswith("/multimodal-generation/generation"):
            return JSONResponse(dashscope_answer(f"{self.url}/results/out.png"))
        if path.endswith("/predictions"):
            return JSONResponse(replicate_prediction(json.loads(body), f"{self.url}/files/out.jpg"), 201)
        return Response(self.image, media_type="image/jpeg")

    def take(self) -> tuple[str, str, dict, bytes]:
        """The first request recorded since the last take (an edit's own request)."""
        first = self.log[0]
        self.log.clear()
        return first


def gemini_answer(image: bytes) -> dict:
    from google.genai import types

    parts = [types.Part(text="Done."), types.Part.from_bytes(data=image, mime_type="image/jpeg")]
    response = types.GenerateContentResponse(
        candidates=[
            types.Candidate(
                content=types.Content(role="model", parts=parts), finish_reason=types.FinishReason.STOP
            )
        ],
        response_id="resp-1",
    )
    return response.model_dump(mode="json", by_alias=True, exclude_none=True)


def dashscope_answer(image_url: str) -> dict:
    return {
        "output": {
            "choices": [
                {"finish_reason": "stop", "message": {"role": "assistant", "content": [{"image": image_url}]}}
            ]
        },
        "usage": {"width": 2048, "height": 1366, "image_count": 1},
        "request_id": "req-1",
    }


def replicate_prediction(body: dict, output_url: str) -> dict:
    return {
        "id": "pred-1",
        "model": "google/nano-banana-2",
        "version": body.get("version", "hidden"),
        "status": "succeeded",
        "input": body["input"],
        "output": output_url,
        "logs": "",
        "error": None,
        "metrics": {"predict_time": 3.2},
        "created_at": "2026-12-06T10:00:00Z",
        "urls": {"get": "https://api.replicate.com/v1/predictions/pred-1", "cancel": "https://x/cancel"},
    }


@pytest.fixture
def capture(serve, make_photo):
    stand_in = Capture(make_photo(64, 48, seed=9))
    stand_in.url = serve(stand_in.app).url
    return stand_in


def request_for(edit_type: str, photo: bytes, image_url: str | None = None) -> EditRequest:
    return EditRequest(
        edit_type, photo, "image/jpeg", image_url=image_url, seed=7, **OPTIONS.get(edit_type, {})
    )


def prompt_for(edit_type: str, limit: int | None = None) -> str:
    options = OPTIONS.get(edit_type, {})
    return build_prompt(
        edit_type, options.get("style"), options.get("room"), options.get("prompt"), limit=limit
    )


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.title() for word in rest)


def wire(value):
    """A protobuf JSON body as the service reads it: field names in either spelling (mime_type and
    mimeType are the same field) and bytes in either base64 alphabet."""
    if isinstance(value, dict):
        out = {_camel(k): wire(v) for k, v in value.items()}
        if "inlineData" in out:
            data = out["inlineData"]["data"].replace("-", "+").replace("_", "/")
            out["inlineData"]["data"] = base64.b64decode(data)
        return out
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


@pytest.mark.parametrize("edit_type", EDIT_TYPES)
def test_gemini_edit_matches_google_genai(capture, make_photo, edit_type):
    from google import genai
    from google.genai import types

    photo = make_photo(1600, 1067)
    product = NanoBananaProvider(KEY, base_url=capture.url)
    result = product.run(request_for(edit_type, photo), timeout=30)
    _, ours_path, ours_headers, ours_body = capture.take()

    client = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=capture.url))
    client.models.generate_content(
        model=product.model,
        contents=types.Content(
            role="user",
            parts=[
                types.Part.from_text(text=prompt_for(edit_type)),
                types.Part.from_bytes(data=photo, mime_type="image/jpeg"),
            ],
        ),
        config=types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"],
            image_config=types.ImageConfig(aspect_ratio=ASPECT_RATIO, image_size=GEMINI_SIZE),
            seed=7,
        ),
    )
    _, sdk_path, sdk_headers, sdk_body = capture.take()

    assert ours_path == sdk_path == "/v1/models/gemini-3.1-flash-image:generateContent"
    assert ours_headers["x-goog-api-key"] == sdk_headers["x-goog-api-key"] == KEY
    assert ours_headers["content-type"] == sdk_headers["content-type"] == "application/json"
    assert wire(json.loads(ours_body)) == wire(json.loads(sdk_body))
    assert result.image == capture.image and result.provider_job_id == "resp-1"


@pytest.mark.parametrize("edit_type", EDIT_TYPES)
@pytest.mark.parametrize("signed", [True, False])
def test_qwen_edit_matches_dashscope(capture, make_photo, monkeypatch, edit_type, signed):
    import dashscope

    photo = make_photo(1600, 1067)
    product = QwenProvider(KEY, base_url=capture.url)
    result = product.run(request_for(edit_type, photo, SIGNED_URL if signed else None), timeout=30)
    _, ours_path, ours_headers, ours_body = capture.take()
    capture.log.clear()  # the result's download

    monkeypatch.setattr(dashscope, "base_http_api_url", f"{capture.url}/api/v1")
    image = SIGNED_URL if signed else f"data:image/jpeg;base64,{base64.b64encode(photo).decode()}"
    answer = dashscope.MultiModalConversation.call(
        api_key=KEY,
        model=product.model,
        messages=[{"role": "user", "content": [{"image": image}, {"text": prompt_for(edit_type, 800)}]}],
        negative_prompt=" ",
        watermark=False,
        n=1,
        size=QWEN_SIZE,
        prompt_extend=False,
        seed=7,
    )
    _, sdk_path, sdk_headers, sdk_body = capture.take()

    assert ours_path == sdk_path == "/api/v1/services/aigc/multimodal-generation/generation"
    assert ours_headers["authorization"] == sdk_headers["authorization"] == f"Bearer {KEY}"
    assert ours_headers["content-type"].split(";")[0] == sdk_headers["content-type"].split(";")[0]
    assert json.loads(ours_body) == json.loads(sdk_body)
    # the SDK reads the stand-in's answer as a success, with the image the product downloaded
    assert answer.status_code == 200 and answer.output.choices[0].message.content[0]["image"].endswith(
        "/out.png"
    )
    assert result.image == capture.image and result.provider_job_id == "req-1"


@pytest.mark.parametrize("edit_type", EDIT_TYPES)
def test_replicate_edit_matches_the_replicate_client(capture, make_photo, tmp_path, edit_type):
    import replicate

    photo = make_photo(1600, 1067)
    product = ReplicateProvider(KEY, base_url=capture.url, poll_interval=0.05)
    result = product.run(request_for(edit_type, photo), timeout=30)
    _, ours_path, ours_headers, ours_body = capture.take()
    hold = int(re.fullmatch(r"wait=(\d+)", ours_headers["prefer"]).group(1))

    (tmp_path / "photo.jpg").write_bytes(photo)
    client = replicate.Client(api_token=KEY, base_url=capture.url)
    with open(tmp_path / "photo.jpg", "rb") as file:
        # client.models.predictions: client.predictions.create(model=...) drops `wait` and
        # `file_encoding_strategy` on its way there (replicate 1.0.7)
        prediction = client.models.predictions.create(
            model="google/nano-banana-2",
            input={
                "prompt": prompt_for(edit_type),
                "image_input": [file],
                "aspect_ratio": "match_input_image",
                "output_format": "jpg",
                "resolution": REPLICATE_RESOLUTION,
            },
            wait=hold,
            file_encoding_strategy="base64",
        )
    _, sdk_path, sdk_headers, sdk_body = capture.take()

    assert ours_path == sdk_path == "/v1/models/google/nano-banana-2/predictions"
    assert ours_headers["authorization"] == sdk_headers["authorization"] == f"Bearer {KEY}"
    assert ours_headers["prefer"] == sdk_headers["prefer"]
    assert json.loads(ours_body) == json.loads(sdk_body)  # the photo as the same data URI, too
    assert prediction.status == "succeeded" and prediction.output == f"{capture.url}/files/out.jpg"
    assert result.image == capture.image and result.provider_job_id == "pred-1"


def test_a_pinned_community_model_goes_where_the_replicate_client_sends_a_version(capture, make_photo):
    import replicate

    version = "76604baddc85b1b4616e1c6475eca080da339c8875bd4996705440484a6eac38"
    product = ReplicateProvider(
        KEY, base_url=capture.url, models={"enhance": f"nightmareai/real-esrgan:{version}"}, wait_hold=0
    )
    product.run(request_for("enhance", make_photo(), SIGNED_URL), timeout=30)
    _, ours_path, ours_headers, ours_body = capture.take()

    client = replicate.Client(api_token=KEY, base_url=capture.url)
    client.predictions.create(version=version, input={"image": SIGNED_URL, "scale": 2, "face_enhance": False})
    _, sdk_path, sdk_headers, sdk_body = capture.take()

    assert ours_path == sdk_path == "/v1/predictions" and "prefer" not in ours_headers
    assert json.loads(ours_body) == json.loads(sdk_body)


# The error answers the provider tests' stand-ins give, read by each SDK as the service's own.


@pytest.mark.parametrize(
    ("status", "error", "sdk_error"),
    [
        (
            429,
            {
                "code": 429,
                "message": "Resource has been exhausted (e.g. check quota).",
                "status": "RESOURCE_EXHAUSTED",
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}],
            },
            "ClientError",
        ),
        (
            404,
            {"code": 404, "message": "models/x is not found", "status": "NOT_FOUND"},
            "ClientError",
        ),
        (500, {"code": 500, "message": "Internal error", "status": "INTERNAL"}, "ServerError"),
    ],
)
def test_gemini_error_shapes_are_what_google_genai_reads(serve, status, error, sdk_error):
    from google import genai
    from google.genai import errors, types

    app = Starlette(
        routes=[Route("/{path:path}", lambda _: JSONResponse({"error": error}, status), methods=["POST"])]
    )
    client = genai.Client(
        api_key=KEY,
        http_options=types.HttpOptions(
            base_url=serve(app).url, retry_options=types.HttpRetryOptions(attempts=1)
        ),
    )
    with pytest.raises(getattr(errors, sdk_error)) as caught:
        client.models.generate_content(model="gemini-3.1-flash-image", contents="x")
    assert caught.value.code == status and caught.value.status == error["status"]
    assert caught.value.message == error["message"] and caught.value.details["error"] == error


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "InvalidParameter"), (400, "DataInspectionFailed"), (429, "Throttling.RateQuota")],
)
def test_dashscope_error_shapes_are_what_dashscope_reads(serve, monkeypatch, status, code):
    import dashscope

    body = {"code": code, "message": f"{code} happened", "request_id": "req-err"}
    app = Starlette(routes=[Route("/{path:path}", lambda _: JSONResponse(body, status), methods=["POST"])])
    monkeypatch.setattr(dashscope, "base_http_api_url", f"{serve(app).url}/api/v1")
    answer = dashscope.MultiModalConversation.call(
        api_key=KEY,
        model="qwen-image-edit-plus-2025-12-15",
        messages=[{"role": "user", "content": [{"text": "x"}]}],
    )
    assert (answer.status_code, answer.code, answer.message, answer.request_id) == (
        status,
        code,
        f"{code} happened",
        "req-err",
    )


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"title": "Unauthenticated", "detail": "Invalid token.", "status": 401}),
        (404, {"title": "Not found", "detail": "Not found.", "status": 404}),
        (422, {"title": "Invalid version", "detail": "Invalid version or not permitted", "status": 422}),
    ],
)
def test_replicate_error_shapes_are_what_the_replicate_client_reads(serve, status, body):
    import replicate
    from replicate.exceptions import ReplicateError

    app = Starlette(routes=[Route("/{path:path}", lambda _: JSONResponse(body, status), methods=["POST"])])
    client = replicate.Client(api_token=KEY, base_url=serve(app).url)
    with pytest.raises(ReplicateError) as caught:
        client.predictions.create(model="adirik/interior-design", input={})
    assert (caught.value.status, caught.value.detail, caught.value.title) == (
        status,
        body["detail"],
        body["title"],
    )
