"""Worker throughput on a throw-away local stack (figures, not tests).

1. Batch: 40 photos through a provider with a fixed 1 s latency, worker concurrency 8: wall time,
   its ratio to the ideal (40 / 8 x 1 s = 5 s), and platform overhead per job.
2. Queue: jobs per second with a no-op provider, with 1 and with 4 workers, and a check that no job
   was processed twice.
3. Faults: 36 photos through three real `stagefy worker run` processes and a local Gemini stand-in
   with a 1.5 s latency, once cleanly and once with one worker SIGKILLed and another SIGSTOPped
   mid-batch (lease 10 s): jobs completed, outputs present in Storage, charges, and the extra wall
   time the faults cost (about one lease: the lost jobs wait for their leases to lapse).

Run: .venv/bin/python benchmarks/worker_batch.py
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import signal
import subprocess
import sys
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
from stagefy_cli.local.ephemeral import ServerThread, ephemeral_stack
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


def slow_gemini(latency: float):
    """A local server speaking Gemini's generateContent API that answers after `latency` seconds."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 90, 140)).save(out, "PNG")
    part = {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(out.getvalue()).decode()}}

    async def generate(request):
        await request.body()
        await asyncio.sleep(latency)
        return JSONResponse({"candidates": [{"content": {"parts": [part]}, "finishReason": "STOP"}]})

    return Starlette(routes=[Route("/v1beta/models/{model}:generateContent", generate, methods=["POST"])])


def worker_process(stack, gemini_url: str, home: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "STAGEFY_HOME": str(home),
        "SUPABASE_URL": stack.url,
        "SUPABASE_ANON_KEY": stack.anon_key,
        "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
        "GEMINI_API_KEY": "bench",
        "GEMINI_BASE_URL": gemini_url,
    }
    command = [sys.executable, "-c", "from stagefy_cli.entry import main; main()", "worker", "run"]
    options = ["--providers", "nano_banana", "--concurrency", "4", "--lease", "10", "--grace", "5"]
    return subprocess.Popen(
        [*command, *options], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def batch_outcome(stack, project_id: str) -> dict:
    with psycopg.connect(stack.dsn) as conn:
        jobs = conn.execute(
            "select j.status::text, j.output_url, exists (select 1 from storage.objects o "
            "where o.bucket_id = 'media' and o.name = j.output_url) from public.ai_jobs j where j.project_id = %s",
            (project_id,),
        ).fetchall()
        ledger = conn.execute(
            "select type::text, count(*), sum(amount) from public.credit_transactions where project_id = %s group by 1",
            (project_id,),
        ).fetchall()
        media = conn.execute(
            "select count(*) from public.media_items where project_id = %s", (project_id,)
        ).fetchone()[0]
        leftovers = conn.execute(
            "select count(*) from storage.objects o join public.ai_jobs j on o.name like '%%/' || j.id || '/%%' "
            "where j.project_id = %s and o.name <> j.output_url",
            (project_id,),
        ).fetchone()[0]
    return {
        "total": len(jobs),
        "completed": sum(1 for status, _, _ in jobs if status == "completed"),
        "outputs": sum(1 for _, _, present in jobs if present),
        "ledger": {kind: (count, total) for kind, count, total in ledger},
        "media": media,
        "stray files": leftovers,
    }


def fault_run(stack, ctx: UserContext, tmp: Path, gemini_url: str, faults: bool) -> tuple[float, dict]:
    """36 declutter jobs through three worker processes; with `faults`, one is SIGKILLed and one
    SIGSTOPped two seconds in. Returns the wall time until every job is finished, and the outcome."""
    photo = tmp / "fault.jpg"
    Image.new("RGB", (640, 480), (150, 120, 90)).save(photo, "JPEG")
    uploaded = upload_sources(ctx, [check_photo(photo)] * 36)
    project = edits.submit(ctx, uploaded, edits.EditOptions("declutter"))["project_id"]
    start = time.perf_counter()
    workers = [worker_process(stack, gemini_url, tmp / f"home-{n}") for n in range(3)]
    try:
        if faults:
            time.sleep(2.0)
            workers[0].send_signal(signal.SIGKILL)
            workers[1].send_signal(signal.SIGSTOP)
        while True:
            with psycopg.connect(stack.dsn) as conn:
                left = conn.execute(
                    "select count(*) from public.ai_jobs where project_id = %s and status in ('queued', 'processing')",
                    (project,),
                ).fetchone()[0]
            if not left:
                break
            time.sleep(0.1)
        wall = time.perf_counter() - start
        if faults:
            workers[1].send_signal(signal.SIGCONT)  # it wakes up holding jobs it no longer owns
            time.sleep(3.0)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
    return wall, batch_outcome(stack, project)


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

        with ServerThread(slow_gemini(1.5)) as gemini:
            clean, clean_outcome = fault_run(stack, ctx, tmp, gemini.url, faults=False)
            faulty, fault_outcome = fault_run(stack, ctx, tmp, gemini.url, faults=True)
        print("faults: 36 photos, 1.5 s provider, 3 worker processes x concurrency 4, lease 10 s")
        print(f"        clean run: {clean:.1f} s; {clean_outcome}")
        print(f"        one worker SIGKILLed, one SIGSTOPped: {faulty:.1f} s; {fault_outcome}")
        print(f"        extra wall time from the faults: {faulty - clean:.1f} s")


if __name__ == "__main__":
    main()
