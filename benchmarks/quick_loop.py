"""The developer's loop: `scripts/test --quick` from start to end, against its one-minute target.

Each round runs the whole command as a developer does (the lints, import contracts, mypy, the Edge
Functions' Deno tests, then every test not marked `slow` on two pytest-xdist workers per core) and
reports its wall time, the CPU it used (its own and its children's, PostgreSQL's servers excepted:
they are not its children) and the number of tests. Run it on an otherwise idle machine.

Run: .venv/bin/python benchmarks/quick_loop.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0


def one_round() -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, tests passed) of one `scripts/test --quick`."""
    with tempfile.TemporaryDirectory(prefix="quick-loop-") as basetemp:
        before = os.times()
        start = time.perf_counter()
        run = subprocess.run(
            [str(ROOT / "scripts" / "test"), "--quick", f"--basetemp={basetemp}", "-p", "no:cacheprovider"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        after = os.times()
    if run.returncode != 0:
        raise SystemExit(f"scripts/test --quick failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    passed = re.findall(r"(\d+) passed", run.stdout)  # pytest's summary is the last
    return wall, cpu, int(passed[-1]) if passed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    walls = []
    for number in range(1, args.rounds + 1):
        wall, cpu, passed = one_round()
        walls.append(wall)
        print(
            f"round {number}: {wall:5.1f} s wall, {cpu:5.1f} s CPU, {passed} tests ({os.cpu_count()} cores)"
        )
    median = statistics.median(walls)
    print(
        f"scripts/test --quick: median {median:.1f} s (fastest {min(walls):.1f}, slowest {max(walls):.1f}); "
        f"target {TARGET_S:.0f} s, ratio {median / TARGET_S:.2f}"
    )


if __name__ == "__main__":
    main()
