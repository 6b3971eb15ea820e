"""What waiting costs a project: reads per minute of a waiting `stagefy projects watch`, and how soon it
ends after its project's last job, with Realtime's pushes and with the polling fallback, measured in
the same run through a counting proxy in front of the API (what a hosted project would serve).

Each of AGENTS agents waits (a real `stagefy projects watch` process, signed in through the proxy) on
a batch of PHOTOS edits that a worker completes one every SECONDS / PHOTOS seconds, so every wait
lasts about SECONDS. Targets: at most 6 project/job reads a minute per waiting agent, and the command
ends within 0.3 s of its last job (a push, not a poll).

Run: .venv/bin/python benchmarks/progress_push.py [--agents 3] [--photos 6] [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
from counting_proxy import CountingProxy  # noqa: E402 - the tests' proxy
from worker_batch import FixedLatencyProvider, agent_with_credits, submit_batch  # noqa: E402

from stagefy_cli.backend.client import service_rest  # noqa: E402
from stagefy_cli.local.ephemeral import ephemeral_stack  # noqa: E402
from stagefy_cli.worker import Worker, WorkerConfig  # noqa: E402

STAGEFY = str(Path(sys.executable).with_name("stagefy"))


def sign_in(home: Path, url: str, anon_key: str, email: str) -> dict:
    env = {**os.environ, "STAGEFY_HOME": str(home), "SUPABASE_URL": url, "SUPABASE_ANON_KEY": anon_key}
    subprocess.run(
        [STAGEFY, "auth", "login", "--email", email, "--password-stdin"],
        input="bench-password\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def one_mode(stack, tmp: Path, agents: int, photos: int, seconds: float, realtime: bool) -> dict:
    with CountingProxy(stack.url) as proxy:
        proxy.refuse_realtime = not realtime
        waiting = []
        for index in range(agents):
            ctx = agent_with_credits(stack, 10_000)
            home = tmp / f"{'push' if realtime else 'poll'}-{index}"
            env = sign_in(home, proxy.url, stack.anon_key, ctx.email)
            project = submit_batch(ctx, photos, tmp)
            waiting.append((ctx, project, env, home))
        reads_before = proxy.reads
        watchers = [
            subprocess.Popen(
                [STAGEFY, "projects", "watch", project, "--out", str(home / "out")],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _, project, env, home in waiting
        ]
        ended: dict[int, float] = {}

        def reap(index: int, process: subprocess.Popen) -> None:
            process.wait()
            ended[index] = time.time()

        reapers = [threading.Thread(target=reap, args=item) for item in enumerate(watchers)]
        for reaper in reapers:
            reaper.start()
        time.sleep(2)  # the watchers are up and waiting before the first job starts
        start = time.monotonic()
        worker = Worker(
            service_rest(stack.url, stack.service_role_key),
            {"local": FixedLatencyProvider(seconds / photos)},
            WorkerConfig(concurrency=agents, poll_interval=0.05, max_poll_interval=0.2),
            user_ids=[ctx.user_id for ctx, *_ in waiting],
        )
        worker.run(once=True)
        for reaper in reapers:
            reaper.join()
        minutes = (time.monotonic() - start + 2) / 60
        reads = proxy.reads - reads_before
    with psycopg.connect(stack.dsn) as conn:
        lags = [
            ended[index]
            - float(
                conn.execute(
                    "select extract(epoch from completed_at) from public.projects where id = %s", (project,)
                ).fetchone()[0]
            )
            for index, (_, project, _, _) in enumerate(waiting)
        ]
    return {
        "reads_per_agent_minute": reads / agents / minutes,
        "lag_median": statistics.median(lags),
        "lag_max": max(lags),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ephemeral_stack(Path(tmp) / "stack") as stack:
        print(f"{args.agents} agents, each waiting on {args.photos} photos over about {args.seconds:g} s")
        print(f"{'mode':<22}{'reads/agent/min':>16}{'end lag median':>16}{'end lag max':>13}")
        results = {}
        for realtime in (True, False):
            mode = "Realtime push" if realtime else "polling fallback"
            results[mode] = one_mode(stack, Path(tmp), args.agents, args.photos, args.seconds, realtime)
            figures = results[mode]
            print(
                f"{mode:<22}{figures['reads_per_agent_minute']:>16.1f}"
                f"{figures['lag_median']:>15.2f}s{figures['lag_max']:>12.2f}s"
            )
        push, poll = results["Realtime push"], results["polling fallback"]
        ratio = poll["reads_per_agent_minute"] / max(push["reads_per_agent_minute"], 1e-9)
        print(f"polling reads {ratio:.1f}x as often as push (targets: push <= 6 reads/min, end lag <= 0.3 s)")


if __name__ == "__main__":
    main()
