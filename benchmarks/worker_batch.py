"""Worker throughput on a throw-away local stack (figures, not tests).

1. Batch: 40 photos through a provider with a fixed 1 s latency, worker concurrency 8: wall time,
   its ratio to the ideal (40 / 8 x 1 s = 5 s), and platform overhead per job.
2. Queue: jobs per second with a no-op provider, with 1 and with 4 workers, and a check that no job
   was processed twice.

Run: .venv/bin/python benchmarks/worker_batch.py
"""

from __future__ import annotations

import io
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
from PIL import Image

from stagefy_cli.ai.base import EditRequest, EditResult
from stagefy_cli.backend.client import UserContext
from stagefy_cli.local.ephemeral import ephemeral_stack
from stagefy_cli.services import edits
from stagefy_cli.services.photos import check_photo
from stagefy_cli.services.uploads import upload_sources
from stagefy_cli.worker import Worker, WorkerConfig


class FixedLatencyProvider:
    """A provider that takes `latency` seconds and returns the photo unchanged; counts its runs."""

    name = "local"

    def __init__(self, latency: float):
        self.latency = latency

    def supports(self, edit_type: str) -> bool:
        return True

    def model_for(self, edit_type: str) -> str:
        return f"fixed-{self.latency}s"

    def run(self, request: EditRequest, *, on_submitted=None, timeout: float = 300) -> EditResult:
        time.sleep(self.latency)
        return EditResult(
            image=request.image, mime_type=request.mime_type, model=self.model_for(""), api_cost=Decimal(0)
        )

    def cancel(self, provider_job_id: str) -> None:
        pass


def agent_with_credits(stack, credits: int) -> UserContext:
    client = stack.client()
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    user = client.auth.sign_up(
        {"email": email, "password": "bench-password", "options": {"data": {"full_name": "Bench"}}}
    ).user
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute(
            "select private.post_ledger(%s, %s, 'purchase', 'benchmark credits')", (user.id, credits)
        )
    return UserContext(client, user.id, email)


def submit_batch(stack, ctx: UserContext, photos: int, tmp: Path) -> str:
    path = tmp / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 120, 90)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    uploaded = upload_sources(ctx, [check_photo(path)] * photos)
    return edits.submit(ctx, uploaded, edits.EditOptions("enhance"))["project_id"]


def run_workers(stack, provider, workers: int, concurrency: int) -> float:
    pool = [
        Worker(
            stack.service_client(),
            {"local": provider},
            WorkerConfig(concurrency=concurrency, poll_interval=0.02, max_poll_interval=0.05),
        )
        for _ in range(workers)
    ]
    threads = [threading.Thread(target=w.run, kwargs={"once": True}) for w in pool]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def processed_twice(stack, project_id: str) -> int:
    with psycopg.connect(stack.dsn) as conn:
        return (
            conn.execute(
                "select count(*) from public.ai_jobs where project_id = %s and (attempts <> 1 or status <> 'completed')",
                (project_id,),
            ).fetchone()[0]
            + conn.execute(
                "select count(*) - count(distinct project_id || url) from public.media_items where project_id = %s",
                (project_id,),
            ).fetchone()[0]
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ephemeral_stack(Path(tmp)) as stack:
        tmp = Path(tmp)
        ctx = agent_with_credits(stack, 10_000)

        project = submit_batch(stack, ctx, 40, tmp)
        wall = run_workers(stack, FixedLatencyProvider(1.0), workers=1, concurrency=8)
        ideal = 40 / 8 * 1.0
        print(
            f"batch: 40 photos, 1 s provider, concurrency 8: {wall:.2f} s (ideal {ideal:.1f} s, ratio {wall / ideal:.2f})"
        )
        print(f"       platform overhead per job: {(wall - ideal) / 40 * 8 * 1000:.0f} ms")
        print(f"       jobs not completed exactly once: {processed_twice(stack, project)}")

        for workers in (1, 4):
            project = submit_batch(stack, ctx, 100, tmp)
            wall = run_workers(stack, FixedLatencyProvider(0.0), workers=workers, concurrency=4)
            print(
                f"queue: 100 no-op jobs, {workers} worker(s) x concurrency 4: {100 / wall:.1f} jobs/s; "
                f"processed more than once: {processed_twice(stack, project)}"
            )


if __name__ == "__main__":
    main()
