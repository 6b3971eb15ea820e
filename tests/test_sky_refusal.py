"""A sky edit of a photo without sky is refused, never painted and never charged: before anything is
charged when the agent asked for the local provider (the CLI can check the photo), otherwise by the
worker, with a message an agent understands and the credits refunded. Real photographs
(tests/photos): a white wooden wall with a window, and an overcast street for the successful case."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from PIL import Image
from stagefy_testing import balance, run_cli, sql

sys.path.insert(0, str(Path(__file__).parent / "imaging"))

import real_photos  # noqa: E402

NO_SKY = "sky-none-wall-window"


def _photo(tmp_path: Path, name: str) -> Path:
    target = tmp_path / f"{name}.jpg"
    shutil.copyfile(real_photos.path(name), target)
    return target


def _ledger(stack, user_id: str) -> list[tuple[str, int]]:
    return sql(
        stack,
        "select type::text, amount from public.credit_transactions where user_id = %s order by created_at",
        user_id,
    )


@pytest.mark.parametrize("edit_type", ["sky_replacement", "day_to_dusk"])
def test_asked_of_the_local_provider_it_is_refused_before_anything_is_charged(
    signed_in_agent, cli_stack, tmp_path, edit_type
):
    photo = _photo(tmp_path, NO_SKY)
    result = run_cli(["edit", str(photo), "--type", edit_type, "--provider", "local", "--yes", "--no-wait"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {photo}: the local provider found no sky it can replace")
    assert line.endswith(f"(no running worker offers another provider for {edit_type}).")
    assert "internal error" not in line
    assert balance(cli_stack, signed_in_agent.id) == 50
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", signed_in_agent.id) == [
        (0,)
    ]


def test_the_refusal_suggests_the_providers_running_workers_offer(
    signed_in_agent, cli_stack, job_worker, tmp_path
):
    from stagefy_cli.services.workers import load_providers

    job_worker(load_providers(["local", "nano_banana"], {"GEMINI_API_KEY": "test-gemini-key"}))
    photo = _photo(tmp_path, NO_SKY)
    result = run_cli(["edit", str(photo), "--type", "sky_replacement", "--provider", "local", "--yes"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stderr.strip().endswith(
        "Use a photo with open sky along the top, or --provider nano_banana."
    )
    assert balance(cli_stack, signed_in_agent.id) == 50


def test_with_only_local_workers_running_it_is_refused_before_anything_is_charged(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    """Without --provider, but every running worker that can replace a sky would do it with local:
    the CLI knows which provider will run it, so it checks the photo first."""
    photo = _photo(tmp_path, NO_SKY)
    result = run_cli(["edit", str(photo), "--type", "sky_replacement", "--yes", "--no-wait"])
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "the local provider found no sky it can replace" in result.stderr
    assert balance(cli_stack, signed_in_agent.id) == 50
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", signed_in_agent.id) == [
        (0,)
    ]


def test_the_worker_refuses_it_plainly_and_refunds_it(signed_in_agent, cli_stack, job_worker, tmp_path):
    """Queued while no worker is seen, then run by a local worker: only the worker can tell."""
    photo = _photo(tmp_path, NO_SKY)
    submitted = run_cli(["edit", str(photo), "--type", "sky_replacement", "--yes", "--no-wait"])
    assert submitted.exit_code == 8, submitted.stderr
    job_worker()
    result = run_cli(
        ["projects", "watch", submitted.stdout.strip()[:8], "--out", str(tmp_path), "--timeout", "90"]
    )
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert "the local provider found no sky it can replace" in result.stderr
    assert "refunded" in result.stderr and "internal error" not in result.stderr
    [(error,)] = sql(
        cli_stack,
        "select j.error_message from public.ai_jobs j join public.projects p on p.id = j.project_id "
        "where p.user_id = %s",
        signed_in_agent.id,
    )
    assert error.startswith("the local provider found no sky it can replace with confidence (")
    [(usage_type, charged), (refund_type, refunded)] = _ledger(cli_stack, signed_in_agent.id)[1:]
    assert (usage_type, refund_type) == ("usage", "refund") and charged + refunded == 0
    assert balance(cli_stack, signed_in_agent.id) == 50
    assert not list(tmp_path.glob(f"{NO_SKY}.*.jpg"))  # nothing delivered


def test_a_photo_with_sky_is_edited_and_charged(signed_in_agent, cli_stack, local_worker, tmp_path):
    photo = _photo(tmp_path, "sky-street-overcast")
    result = run_cli(["edit", str(photo), "--type", "sky_replacement", "--provider", "local", "--yes"])
    assert result.exit_code == 0, result.stderr
    [delivered] = tmp_path.glob("sky-street-overcast.*.jpg")
    after = Image.open(io.BytesIO(delivered.read_bytes())).convert("RGB")
    top = after.crop((250, 10, 400, 60)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert top[2] - top[0] > 40  # a blue sky where the grey one was
    assert [row[0] for row in _ledger(cli_stack, signed_in_agent.id)] == ["bonus", "usage"]
