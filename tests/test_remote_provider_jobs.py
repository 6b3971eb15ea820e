"""A remote provider through the whole pipeline: CLI -> SQL -> worker -> a local server speaking
Gemini's generateContent API -> Storage -> the file on disk; and a provider failure refunds."""

from __future__ import annotations

import base64
import io

import psycopg
import pytest
from PIL import Image
from stagefy_testing import ServerThread, make_photo, run_cli
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from stagefy_cli.services.workers import load_providers


def fake_gemini(received: list, fail: bool, size=(800, 600)):
    async def generate(request: Request):
        body = await request.json()
        received.append((request.path_params["model"], request.headers.get("x-goog-api-key"), body))
        if fail:
            return JSONResponse(
                {"error": {"code": 400, "message": "Image too blurry", "status": "INVALID_ARGUMENT"}}, 400
            )
        staged = io.BytesIO()
        Image.new("RGB", size, (30, 60, 90)).save(staged, "PNG")
        return JSONResponse(
            {
                "candidates": [
                    {
                        "content": {
                            "parts": [
                                {"text": "Here is the decluttered room."},
                                {
                                    "inlineData": {
                                        "mimeType": "image/png",
                                        "data": base64.b64encode(staged.getvalue()).decode(),
                                    }
                                },
                            ]
                        },
                        "finishReason": "STOP",
                    }
                ],
                "responseId": "resp-123",
            }
        )

    return Starlette(routes=[Route("/v1/models/{model}:generateContent", generate, methods=["POST"])])


@pytest.mark.parametrize("fail", [False, True])
def test_declutter_through_gemini_stand_in(signed_in_agent, cli_stack, stack, job_worker, tmp_path, fail):
    received: list = []
    photo = make_photo(tmp_path / "messy-kitchen.jpg", size=(800, 600))  # the stand-in answers 800x600
    submitted = run_cli(["edit", str(photo), "--type", "declutter", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    project_id = submitted.stdout.strip()

    with ServerThread(fake_gemini(received, fail)) as gemini:
        env = {"GEMINI_API_KEY": "test-gemini-key", "GEMINI_BASE_URL": gemini.url}
        assert job_worker(load_providers(None, env), start=False).run(once=True) == 1

    [(model, key, body)] = received
    assert model == "gemini-3.1-flash-image"
    assert key == "test-gemini-key"
    parts = body["contents"][0]["parts"]
    assert "clutter" in parts[0]["text"].lower()
    assert parts[1]["inlineData"]["mimeType"] == "image/jpeg"

    watched = run_cli(["projects", "watch", project_id[:8], "--out", str(tmp_path / "out"), "--json"])
    with psycopg.connect(stack.dsn) as conn:
        job = conn.execute(
            "select service::text, model, status::text, api_cost, error_message from public.ai_jobs where project_id = %s",
            (project_id,),
        ).fetchone()
        ledger = conn.execute(
            "select type::text, amount from public.credit_transactions where project_id = %s order by created_at",
            (project_id,),
        ).fetchall()
    if fail:
        assert watched.exit_code == 1
        assert "Image too blurry" in watched.stderr
        assert job[:3] == ("nano_banana", "gemini-3.1-flash-image", "failed")
        assert ledger == [("usage", -1), ("refund", 1)]
    else:
        assert watched.exit_code == 0, watched.stderr
        [path] = watched.json()["files"]
        assert path.endswith("messy-kitchen.declutter.png")
        with Image.open(path) as result:
            assert result.getpixel((10, 10)) == (30, 60, 90)
        assert job[:3] == ("nano_banana", "gemini-3.1-flash-image", "completed")
        assert float(job[3]) == pytest.approx(0.0672)  # a 1K image of Gemini 3.1 Flash Image: 1120 tokens
        assert ledger == [("usage", -1)]


def test_a_smaller_answer_is_stored_at_the_photos_size(signed_in_agent, cli_stack, job_worker, tmp_path):
    # Gemini answers at its own output size; the result is brought back to the photo's 1600 x 1200
    photo = make_photo(tmp_path / "porch.jpg", size=(1600, 1200))
    submitted = run_cli(["edit", str(photo), "--type", "day_to_dusk", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    with ServerThread(fake_gemini([], False, size=(800, 600))) as gemini:
        env = {"GEMINI_API_KEY": "test-gemini-key", "GEMINI_BASE_URL": gemini.url}
        assert job_worker(load_providers(None, env), start=False).run(once=True) == 1
    watched = run_cli(
        ["projects", "watch", submitted.stdout.strip()[:8], "--out", str(tmp_path / "out"), "--json"]
    )
    assert watched.exit_code == 0, watched.stderr
    [path] = watched.json()["files"]
    assert path.endswith("porch.day_to_dusk.jpg")
    with Image.open(path) as result:
        assert result.size == (1600, 1200)


def test_a_remote_model_gets_a_display_p3_photo_in_srgb(signed_in_agent, cli_stack, job_worker, tmp_path):
    from imaging.media_photos import display_p3_icc, mean_delta_e, photo, private_exif, tagged
    from PIL import ExifTags, ImageCms

    original = photo("chelsea")
    path = tmp_path / "iphone.jpg"
    path.write_bytes(tagged(original, display_p3_icc(), exif=private_exif()))
    submitted = run_cli(["edit", str(path), "--type", "declutter", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    received: list = []
    with ServerThread(fake_gemini(received, False)) as gemini:
        env = {"GEMINI_API_KEY": "test-gemini-key", "GEMINI_BASE_URL": gemini.url}
        assert job_worker(load_providers(None, env), start=False).run(once=True) == 1

    [(_, _, body)] = received
    sent = Image.open(io.BytesIO(base64.b64decode(body["contents"][0]["parts"][1]["inlineData"]["data"])))
    profile = ImageCms.ImageCmsProfile(io.BytesIO(sent.info["icc_profile"])).profile
    assert profile.profile_description.startswith("sRGB")
    assert mean_delta_e(sent.convert("RGB"), original) < 1.5  # the P3 numbers read as sRGB: 3.9
    assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
