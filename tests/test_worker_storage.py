"""The worker's Storage calls over the thin client, as the service role, through the real gateway:
an attempt that loses its job removes the files it uploaded, a signed URL it gives a remote
provider downloads the photo without credentials, and a wrong service role key is one clear line
before anything is claimed."""

from __future__ import annotations

import threading
import urllib.request
import uuid
from decimal import Decimal

import pytest
from stagefy_testing import make_photo, run_cli, sql
from worker_support import wait_for

from stagefy_cli.ai.base import EditResult
from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.client import service_rest
from stagefy_cli.worker import Worker


class HeldProvider:
    """Returns the photo unchanged once the test lets it (`release`); `started` when it was called."""

    name = "local"

    def __init__(self):
        self.started = threading.Event()
        self.release = threading.Event()

    def supports(self, edit_type: str) -> bool:
        return True

    def model_for(self, edit_type: str) -> str:
        return "held"

    def run(self, request, *, on_submitted=None, timeout: float = 300) -> EditResult:
        self.started.set()
        assert self.release.wait(60), "the test never released the provider"
        return EditResult(image=request.image, mime_type=request.mime_type, model="held", api_cost=Decimal(0))

    def cancel(self, provider_job_id: str) -> None:
        """Nothing runs elsewhere: nothing to cancel."""


def test_an_attempt_that_loses_its_job_removes_its_own_output(
    signed_in_agent, cli_stack, job_worker, tmp_path, caplog
):
    photo = make_photo(tmp_path / "hall.jpg")
    submitted = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"])
    assert submitted.exit_code == 8, submitted.stderr
    project_id = submitted.stdout.strip()
    provider = HeldProvider()
    with caplog.at_level("INFO", logger="stagefy.worker"):
        worker = job_worker({"local": provider})  # its first heartbeat is 40 s away: it finds out late
        assert provider.started.wait(60), "the worker never ran the job"
        cancelled = run_cli(["projects", "cancel", project_id, "--yes"])
        assert cancelled.exit_code == 0, cancelled.stderr
        provider.release.set()
        wait_for(lambda: worker.processed == 1, 60, "the attempt to end")
    [(job_id, status)] = sql(
        cli_stack, "select id::text, status::text from public.ai_jobs where project_id = %s", project_id
    )
    assert status == "cancelled"
    assert "lost the job; removing its own output" in caplog.text  # it had uploaded its result
    assert sql(cli_stack, "select name from storage.objects where name like %s", f"%/{job_id}/%") == []


def test_a_signed_url_from_the_worker_downloads_without_credentials(stack, tmp_path):
    client = service_rest(stack.url, stack.service_role_key)
    bucket = client.storage.from_("media")
    path = f"internal/{uuid.uuid4()}/source photo.jpg"
    data = make_photo(tmp_path / "source.jpg").read_bytes()
    bucket.upload(path, data, {"content-type": "image/jpeg"})

    url = Worker(client, {}, public_api=True).signed_url(path, 60)
    assert url.startswith(f"{stack.url}/storage/v1/object/sign/media/internal/")
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.read() == data

    assert [row["name"] for row in bucket.remove([path])] == [path]
    with pytest.raises(ApiError) as gone:
        bucket.download(path)
    assert (gone.value.service, gone.value.status) == ("storage", 404)
    assert bucket.remove([path]) == []  # nothing left to remove: not an error


def test_a_wrong_service_role_key_is_one_line_before_anything_is_claimed(cli_stack):
    result = run_cli(
        ["worker", "run", "--providers", "local", "--once"], env={"SUPABASE_SERVICE_ROLE_KEY": "not-the-key"}
    )
    assert result.exit_code == 4, result.stderr
    assert result.stderr.strip() == (
        "Error: the server refused the service key (SUPABASE_SECRET_KEY or SUPABASE_SERVICE_ROLE_KEY: "
        "not a key of this project). Copy a secret key from the project's API Keys settings."
    )
