"""Start-up and everyday-command time, as ratios to a bare `python -c pass` measured in the same run.

1. `stagefy --help`, `--version`, a group's help and tab completion (groups, and a command's options).
2. Every everyday command, signed in on a fresh embedded local stack: median and min wall over N
   runs, the ratio of the medians, and the five imports that cost most (cumulative, `-X importtime`).
   Each command's runs alternate with runs of `python -c pass`, so load on the machine hits both.
   Target: at most 6x.
3. The CLI's overhead around the worker: one `stagefy edit` of examples/living-room.jpg (`local`
   enhance) and a 100-photo batch, as wall time minus the worker's own processing, split into
   before the job was queued, waiting in the queue, and after the worker finished (noticing the
   result and downloading it); the CLI's own part is before + after, the queue is the worker's poll.
   Target: at most 0.5 s for the single edit.

Run: .venv/bin/python benchmarks/startup.py [--runs 15] [--batch 100]  (--batch 0: no batch)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from crm_list import bench_stack  # noqa: E402 - the shared throw-away stack of the benchmarks

ROOT = Path(__file__).resolve().parents[1]
STAGEFY = str(Path(sys.executable).with_name("stagefy"))
EVERYDAY = [
    ["credits", "balance"],
    ["credits", "history"],
    ["crm", "contacts", "list"],
    ["crm", "contacts", "show", "{contact}"],
    ["crm", "listings", "list"],
    ["projects", "list"],
    ["projects", "show", "{project}"],
    ["media", "list"],
    ["notifications", "list"],
    ["profile", "show"],
    ["auth", "status"],
]


def wall(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def paired(command: list[str], runs: int, env: dict | None = None) -> tuple[list[float], list[float]]:
    """Samples of `command` and of `python -c pass`, alternating."""
    ours, bare = [], []
    for _ in range(runs):
        bare.append(wall([sys.executable, "-c", "pass"]))
        ours.append(wall(command, env))
    return ours, bare


def top_imports(args: list[str], env: dict, count: int = 5) -> list[tuple[str, float]]:
    """The libraries one run imports with the largest cumulative time (ms): the outermost import of
    each, Stagefy's own modules and the interpreter's start-up left out."""
    code = f"import sys; sys.argv = {['stagefy', *args]!r}; from stagefy_cli.entry import main; main()"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True
    )
    ours = ("stagefy_cli", "site", "encodings", "_frozen_importlib_external")
    found, outer = [], []  # outer: the open imports above the current line, as (depth, is ours)
    for line in reversed(done.stderr.splitlines()):  # a parent is printed after its children
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", line)
        if not match:
            continue
        depth, name = len(match.group(2)), match.group(3)
        while outer and outer[-1][0] >= depth:
            outer.pop()
        is_ours = name.split(".")[0] in ours
        if not is_ours and all(mine for _, mine in outer):
            found.append((name, int(match.group(1)) / 1000))
        outer.append((depth, is_ours))
    return sorted(found, key=lambda item: -item[1])[:count]


def report(label: str, ours: list[float], bare: list[float]) -> None:
    ratio = statistics.median(ours) / statistics.median(bare)
    print(
        f"{label:44s} median {statistics.median(ours) * 1000:6.1f} ms  min {min(ours) * 1000:6.1f} ms"
        f"  {ratio:5.1f}x"
    )


def startup_cases(runs: int) -> None:
    completion = {**os.environ, "_STAGEFY_COMPLETE": "complete_bash"}
    cases = {
        "stagefy --help": ([STAGEFY, "--help"], None),
        "stagefy --version": ([STAGEFY, "--version"], None),
        "stagefy auth --help": ([STAGEFY, "auth", "--help"], None),
        "completion: stagefy cr<TAB>": (
            [STAGEFY],
            {**completion, "COMP_WORDS": "stagefy cr", "COMP_CWORD": "1"},
        ),
        "completion: stagefy credits history --<TAB>": (
            [STAGEFY],
            {**completion, "COMP_WORDS": "stagefy credits history --", "COMP_CWORD": "3"},
        ),
    }
    for label, (command, env) in cases.items():
        report(label, *paired(command, runs, env))


def seed(bench, photo: Path) -> dict:
    contact = json.loads(bench.cli("crm", "contacts", "add", "--name", "Sipho Dlamini", "--json").stdout)
    bench.cli("crm", "listings", "add", "--address", "12 Beach Rd", "--contact", contact["id"][:8])
    submitted = subprocess.run(  # --no-wait exits 8 (still pending) with the project ID
        [STAGEFY, "edit", str(photo), "--type", "enhance", "--yes", "--no-wait"],
        env=bench.env,
        capture_output=True,
        text=True,
    )
    project = submitted.stdout.strip()
    return {"contact": contact["id"][:8], "project": project[:8]}


def everyday(bench, ids: dict, runs: int) -> None:
    env = {**bench.env}
    env.pop("STAGEFY_NO_NOTICES", None)  # as users run them: with the unread notice
    for args in EVERYDAY:
        args = [a.format(**ids) for a in args]
        report("stagefy " + " ".join(args[:3]), *paired([STAGEFY, *args], runs, env))
        imports = ", ".join(f"{name} {ms:.0f}" for name, ms in top_imports(args, env))
        print(f"{'':44s} top imports (ms): {imports}")


def jobs_of(bench, project_prefix: str) -> list[dict]:
    out = bench.cli("projects", "show", project_prefix, "--json").stdout
    return json.loads(out)["jobs"]


def _moment(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def edit_overhead(bench, photos: list[Path], out: Path) -> None:
    """Run one `stagefy edit` of `photos` and split its wall time around the worker's processing."""
    started = time.time()
    done = bench.cli("edit", *map(str, photos), "--type", "enhance", "--yes", "--out", str(out), "--json")
    finished = time.time()
    project = json.loads(done.stdout)
    jobs = project["jobs"]
    processing_start = min(_moment(j["completed_at"]) - j["latency_ms"] / 1000 for j in jobs)
    processing_end = max(_moment(j["completed_at"]) for j in jobs)
    queued = min(_moment(j["created_at"]) for j in jobs)
    processing = processing_end - processing_start
    label = f"edit of {len(photos)} photo(s)"
    before, after = queued - started, finished - processing_end
    print(
        f"{label:22s} wall {finished - started:6.2f} s  worker processing {processing:6.2f} s  "
        f"overhead {finished - started - processing:5.2f} s  (before queued {before:.2f} s, "
        f"in queue {processing_start - queued:.2f} s, after the worker finished {after:.2f} s; "
        f"the CLI's own part {before + after:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    print(f"Start-up, ratio to python -c pass in the same run ({args.runs} runs each):")
    startup_cases(args.runs)
    example = ROOT / "examples" / "living-room.jpg"
    with bench_stack() as bench, tempfile.TemporaryDirectory() as tmp:
        ids = seed(bench, example)
        print("\nEveryday commands, signed in on the local stack:")
        everyday(bench, ids, args.runs)
        bench.cli("credits", "balance")  # the stack's worker is warm
        print("\nOverhead around the worker (local enhance):")
        edit_overhead(bench, [example], Path(tmp) / "one")
        if not args.batch:
            return
        from PIL import Image

        batch = []
        for n in range(args.batch):
            path = Path(tmp) / f"photo-{n:03d}.jpg"
            Image.new("RGB", (640, 480), (120 + n % 100, 110, 100)).save(path, quality=85)
            batch.append(path)
        email = json.loads(bench.cli("auth", "status", "--json").stdout)["email"]
        bench.cli("admin", "set-role", email, "admin", "--service-role")
        bench.cli("admin", "grant-credits", email, str(args.batch), "--reason", "benchmark batch")
        edit_overhead(bench, batch, Path(tmp) / "batch")


if __name__ == "__main__":
    main()
