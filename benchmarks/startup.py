"""Start-up time of `stagefy --help`, `--version`, a group's help and completion, as ratios to a bare
`python -c pass` on the same machine (median of N runs). Target: `--help` within 8x.

Run: .venv/bin/python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def median_seconds(command: list[str], runs: int, env: dict | None = None) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    stagefy = shutil.which("stagefy") or os.path.join(os.path.dirname(sys.executable), "stagefy")
    baseline = median_seconds([sys.executable, "-c", "pass"], args.runs)
    cases = {
        "stagefy --help": ([stagefy, "--help"], None),
        "stagefy --version": ([stagefy, "--version"], None),
        "stagefy auth --help": ([stagefy, "auth", "--help"], None),
        "completion (stagefy cr<TAB>)": (
            [stagefy],
            {
                **os.environ,
                "_STAGEFY_COMPLETE": "complete_bash",
                "COMP_WORDS": "stagefy cr",
                "COMP_CWORD": "1",
            },
        ),
    }
    print(f"python -c pass: {baseline * 1000:.1f} ms (median of {args.runs})")
    for label, (command, env) in cases.items():
        seconds = median_seconds(command, args.runs, env)
        print(f"{label:32s} {seconds * 1000:7.1f} ms  {seconds / baseline:5.1f}x")


if __name__ == "__main__":
    main()
