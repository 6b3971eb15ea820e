"""Worker throughput and platform overhead on a throw-away local stack (figures, not tests).

1. Queue: 100 no-op photo edits (a provider that returns the photo unchanged, through the real
   claim, download, upload and completion path) with 1x1, 1x4, 2x4, 4x1 and 1x8 worker processes x
   concurrency, three times over the shapes in turn: jobs per second (median, slowest and fastest:
   a shared 2-core machine's speed drifts by a third within minutes), and the CPU each job costs
   the worker processes, the gateway and PostgreSQL (read from /proc through psutil before and
   after the batch; medians).
2. Batch: 40 jobs of a provider that takes 1 s, one worker process at concurrency 4: wall time and
   its ratio to the ideal (40 / 4 x 1 s = 10 s).
3. Faults: 36 photos through three real `stagefy worker run` processes and a local Gemini stand-in
   with a 1.5 s latency, once cleanly and once with one worker SIGKILLed and another SIGSTOPped
   mid-batch (lease 10 s): jobs completed, outputs present in Storage, charges, and the extra wall
   time the faults cost (about one lease: the lost jobs wait for their leases to lapse).

The gateway runs in this process (the ephemeral stack's thread), which only waits while a batch
runs, so this process's CPU is the gateway's. Worker processes are started, imported and connected
before the batch is submitted; their CPU is counted from the start signal to their exit.

Run: .venv/bin/python benchmarks/worker_batch.py [--skip-faults]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import psutil
import psycopg
from PIL import Image

from stagefy_cli.ai.base import EditRequest, EditResult
from stagefy_cli.backend.client import UserContext
from stagefy_cli.local.ephemeral import ServerThread, ephemeral_stack
from stagefy_cli.services import edits
from stagefy_cli.services.photos import check_photo
from stagefy_cli.services.uploads import upload_sources

SHAPES = ((1, 1), (1, 4), (2, 4), (4, 1), (1, 8))  # worker processes x concurrency
ROUNDS = 3


class FixedLatencyProvider:
    """A provider that takes `latency` seconds (0: a no-op) and returns the photo unchanged."""

    name = "local"

    def __init__(self, latency: float):
        self.latency = latency

    def supports(self, edit_type: str) -> bool:
        return True

    def model_for(self, edit_type: str) -> str:
        return f"fixed-{self.latency:g}s"

    def run(self, request: EditRequest, *, on_submitted=None, timeout: float = 300) -> EditResult:
        time.sleep(self.latency)
        return EditResult(
            image=request.image, mime_type=request.mime_type, model=self.model_for(""), api_cost=Decimal(0)
        )

    def cancel(self, provider_job_id: str) -> None:
        """Nothing runs elsewhere: nothing to cancel."""


# -- one worker process (this script with --worker) ------------------------------------------------
def worker_main(settings: dict) -> None:
    """Build a worker with the fixed-latency provider, say `ready`, wait for `go` on stdin, drain
    the given user's queue, print the CPU seconds used from `go` on and the jobs processed."""
    import stagefy_cli.jobs.edit  # noqa: F401 - imported before the clock starts, as in a warm worker
    from stagefy_cli.backend.client import service_rest
    from stagefy_cli.worker import Worker, WorkerConfig

    client = service_rest(settings["url"], settings["service_role_key"])
    client.table("prices").select("code").limit(1).execute()  # connected before the clock starts
    worker = Worker(
        client,
        {"local": FixedLatencyProvider(settings["latency"])},
        WorkerConfig(concurrency=settings["concurrency"], poll_interval=0.02, max_poll_interval=0.05),
        user_ids=[settings["user_id"]],
    )
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    processed = worker.run(once=True)
    print(json.dumps({"cpu": time.process_time() - cpu, "processed": processed}), flush=True)


# -- the driver ------------------------------------------------------------------------------------
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


def submit_batch(ctx: UserContext, photos: int, tmp: Path) -> str:
    path = tmp / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 120, 90)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    uploaded = upload_sources(ctx, [check_photo(path)] * photos)
    return edits.submit(ctx, uploaded, edits.EditOptions("enhance"))["project_id"]


def postgres_cpu(stack) -> float:
    """CPU seconds of the postmaster and its backends, those that exited included."""
    with psycopg.connect(stack.dsn) as conn:
        postmaster = psutil.Process(conn.execute("select pg_backend_pid()").fetchone()[0]).parent()
    total = 0.0
    for process in (postmaster, *postmaster.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def run_worker_processes(
    stack, ctx: UserContext, tmp: Path, processes: int, concurrency: int, latency: float, jobs: int
):
    """Submit `jobs` edits, drain them with `processes` worker processes; returns (wall seconds,
    {cpu per process kind}, jobs not completed exactly once)."""
    settings = {
        "url": stack.url,
        "service_role_key": stack.service_role_key,
        "user_id": ctx.user_id,
        "concurrency": concurrency,
        "latency": latency,
    }
    command = [sys.executable, __file__, "--worker", json.dumps(settings)]
    pool = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    for worker in pool:
        assert worker.stdout.readline().strip() == "ready", "a worker process did not start"
    project = submit_batch(ctx, jobs, tmp)
    gateway_before, postgres_before = time.process_time(), postgres_cpu(stack)
    start = time.perf_counter()
    for worker in pool:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    reports = [json.loads(worker.stdout.readline()) for worker in pool]
    wall = time.perf_counter() - start
    cpu = {
        "worker": sum(report["cpu"] for report in reports),
        "gateway": time.process_time() - gateway_before,
        "postgres": postgres_cpu(stack) - postgres_before,
    }
    for worker in pool:
        worker.wait(30)
    return wall, cpu, not_exactly_once(stack, project, jobs)


def not_exactly_once(stack, project_id: str, jobs: int) -> int:
    with psycopg.connect(stack.dsn) as conn:
        wrong = conn.execute(
            "select count(*) from public.ai_jobs where project_id = %s and (attempts <> 1 or status <> 'completed')",
            (project_id,),
        ).fetchone()[0]
        media = conn.execute(
            "select count(distinct url) from public.media_items where project_id = %s", (project_id,)
        ).fetchone()[0]
    return wrong + abs(jobs - media)


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

    return Starlette(routes=[Route("/v1/models/{model}:generateContent", generate, methods=["POST"])])


def stagefy_worker(stack, gemini_url: str, home: Path) -> tuple[subprocess.Popen, Path]:
    """`stagefy worker run` against the stack; returns the process and its log file."""
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
    home.mkdir(parents=True, exist_ok=True)
    log = home / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*command, *options], env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


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
    SIGSTOPped two seconds in. Returns the wall time from submission until every job is finished
    (the workers are started and ready first), and the outcome."""
    photo = tmp / "fault.jpg"
    Image.new("RGB", (640, 480), (150, 120, 90)).save(photo, "JPEG")
    uploaded = upload_sources(ctx, [check_photo(photo)] * 36)
    started = [stagefy_worker(stack, gemini_url, tmp / f"home-{faults}-{n}") for n in range(3)]
    workers = [process for process, _ in started]
    while not all("running with" in log.read_text(errors="replace") for _, log in started):
        time.sleep(0.1)
    project = edits.submit(ctx, uploaded, edits.EditOptions("declutter"))["project_id"]
    start = time.perf_counter()
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--skip-faults", action="store_true", help="skip the SIGKILL/SIGSTOP run")
    args = parser.parse_args()
    if args.worker:
        worker_main(json.loads(args.worker))
        return
    with tempfile.TemporaryDirectory() as tmp, ephemeral_stack(Path(tmp)) as stack:
        tmp = Path(tmp)
        ctx = agent_with_credits(stack, 100_000)
        print(
            f"queue: 100 no-op jobs on {os.cpu_count()} cores (worker processes x concurrency), "
            f"{ROUNDS} rounds over the shapes in turn: median (slowest-fastest)"
        )
        runs = {shape: [] for shape in SHAPES}
        for _ in range(ROUNDS):  # in turn, so a change in the machine's speed touches every shape alike
            for processes, concurrency in SHAPES:
                runs[processes, concurrency].append(
                    run_worker_processes(stack, ctx, tmp, processes, concurrency, 0.0, 100)
                )
        for (processes, concurrency), results in runs.items():
            rates = [100 / wall for wall, _, _ in results]
            per_job = {
                name: statistics.median(cpu[name] for _, cpu, _ in results) * 10 for name in results[0][1]
            }
            wrong = sum(count for _, _, count in results)
            print(
                f"  {processes}x{concurrency}: {statistics.median(rates):5.1f} jobs/s "
                f"({min(rates):.1f}-{max(rates):.1f}); CPU per job: "
                + ", ".join(f"{name} {ms:.1f} ms" for name, ms in per_job.items())
                + f", total {sum(per_job.values()):.1f} ms; not completed exactly once: {wrong}"
            )

        wall, _, wrong = run_worker_processes(stack, ctx, tmp, 1, 4, 1.0, 40)
        ideal = 40 / 4 * 1.0
        print(
            f"batch: 40 jobs of 1 s, 1x4: {wall:.2f} s (ideal {ideal:.1f} s, ratio {wall / ideal:.2f}); "
            f"not completed exactly once: {wrong}"
        )

        if args.skip_faults:
            return
        with ServerThread(slow_gemini(1.5)) as gemini:
            clean, clean_outcome = fault_run(stack, ctx, tmp, gemini.url, faults=False)
            faulty, fault_outcome = fault_run(stack, ctx, tmp, gemini.url, faults=True)
        print("faults: 36 photos, 1.5 s provider, 3 worker processes x concurrency 4, lease 10 s")
        print(f"  clean run: {clean:.1f} s; {clean_outcome}")
        print(f"  one worker SIGKILLed, one SIGSTOPped: {faulty:.1f} s; {fault_outcome}")
        print(f"  extra wall time from the faults: {faulty - clean:.1f} s")


if __name__ == "__main__":
    main()
