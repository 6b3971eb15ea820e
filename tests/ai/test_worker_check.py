"""`stagefy worker check`: each configured provider probed with a free model lookup, against
stand-ins answering as the services do (a model they have, a 404 for one they do not)."""

from __future__ import annotations

import json

import pytest
from stagefy_testing import run_cli
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

GEMINI_MODELS = {"gemini-3.1-flash-image"}
REPLICATE_MODELS = {"google/nano-banana-2"}


async def gemini_model(request: Request):
    model = request.path_params["model"]
    if request.headers.get("x-goog-api-key") != "g-key":
        return JSONResponse(
            {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}}, 400
        )
    if model not in GEMINI_MODELS:
        error = {
            "code": 404,
            "message": f"models/{model} is not found for API version v1",
            "status": "NOT_FOUND",
        }
        return JSONResponse({"error": error}, 404)
    return JSONResponse({"name": f"models/{model}", "supportedGenerationMethods": ["generateContent"]})


async def replicate_model(request: Request):
    name = f"{request.path_params['owner']}/{request.path_params['name']}"
    if name not in REPLICATE_MODELS:
        return JSONResponse({"title": "Not found", "detail": "Not found.", "status": 404}, 404)
    return JSONResponse({"owner": request.path_params["owner"], "name": request.path_params["name"]})


async def dashscope_models(request: Request):
    if request.headers.get("authorization") != "Bearer d-key":
        return JSONResponse({"code": "InvalidApiKey", "message": "Invalid API-key provided."}, 401)
    return JSONResponse(
        {"object": "list", "data": [{"id": "qwen-image-edit-plus-2025-12-15", "object": "model"}]}
    )


@pytest.fixture
def services(serve):
    gemini = serve(Starlette(routes=[Route("/v1/models/{model}", gemini_model)]))
    replicate = serve(Starlette(routes=[Route("/v1/models/{owner}/{name}", replicate_model)]))
    dashscope = serve(Starlette(routes=[Route("/compatible-mode/v1/models", dashscope_models)]))
    return {
        "GEMINI_API_KEY": "g-key",
        "GEMINI_BASE_URL": gemini.url,
        "REPLICATE_API_TOKEN": "r8-key",
        "REPLICATE_BASE_URL": replicate.url,
        "DASHSCOPE_API_KEY": "d-key",
        "DASHSCOPE_BASE_URL": dashscope.url,
    }


def test_every_configured_provider_passes_with_todays_defaults(services):
    result = run_cli(["worker", "check", "--json"], env=services)
    assert result.exit_code == 0, result.stderr
    rows = {row["provider"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"replicate", "nano_banana", "qwen", "local"} and all(r["ok"] for r in rows.values())
    assert rows["nano_banana"]["model"] == "gemini-3.1-flash-image"
    assert rows["replicate"]["model"] == "google/nano-banana-2"
    assert "model qwen-image-edit-plus-2025-12-15 listed" in rows["qwen"]["detail"]


def test_a_gone_model_and_a_community_model_without_version_name_the_settings(services):
    env = {
        **services,
        "STAGEFY_GEMINI_MODEL": "gemini-2.5-flash-image",
        "STAGEFY_REPLICATE_MODEL_VIRTUAL_STAGING": "adirik/interior-design",
        "DASHSCOPE_API_KEY": "wrong",
    }
    result = run_cli(["worker", "check", "--json", "--providers", "nano_banana,replicate,qwen"], env=env)
    assert result.exit_code == 1
    rows = {row["provider"]: row for row in json.loads(result.stdout)}
    assert not any(row["ok"] for row in rows.values())
    assert "set STAGEFY_GEMINI_MODEL" in rows["nano_banana"]["detail"]
    assert "set STAGEFY_REPLICATE_MODEL_VIRTUAL_STAGING" in rows["replicate"]["detail"]
    assert "DASHSCOPE_API_KEY" in rows["qwen"]["detail"] and "wrong" not in rows["qwen"]["detail"]
    assert result.stderr == (
        "Error: nano_banana, replicate, qwen failed the check. Fix what the detail says, then run it again.\n"
    )
