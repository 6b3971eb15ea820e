"""Import and export of 10,000 contacts through the CLI: seconds and peak memory (max RSS of the
`stagefy` process), against a fresh embedded local stack. Export is also run on 100,000 contacts to
show that its memory does not grow with the number of contacts (it streams page by page).

Run: .venv/bin/python benchmarks/crm_import_export.py [--contacts 10000] [--big 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crm_list import BenchStack, bench_stack

HEADER = "name,email,phone,type,status,tags,notes,last_contacted_at\n"
TYPES = ("buyer", "seller", "investor", "other")


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(count):
            out.write(
                f"Contact {i:06d},c{i}@example.com,+27 21 555 {i % 10000:04d},{TYPES[i % 4]},lead,"
                f'imported;batch-{i % 10},"Met at show day {i}, wants 3 bedrooms",2026-11-{1 + i % 28:02d}T10:00:00+02:00\n'
            )


def run_measured(bench: BenchStack, *args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `stagefy` process; os.wait4 gives that child's own rusage."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "stagefy_cli.entry", *args],
        env=bench.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"stagefy {' '.join(args)} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def add_contacts_sql(bench: BenchStack, count: int) -> None:
    import psycopg

    with psycopg.connect(bench.dsn, autocommit=True) as conn:
        conn.execute(
            "insert into public.crm_contacts (user_id, name, email, tags, notes) "
            "select %s, 'Bulk ' || g, 'b' || g || '@example.com', array['bulk'], 'Notes ' || g "
            "from generate_series(1, %s) g",
            (bench.user_id, count),
        )
        conn.execute("analyze public.crm_contacts")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="Also export this many (0: skip).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="stagefy-bench-files-") as tmp, bench_stack() as bench:
        source = Path(tmp) / "contacts.csv"
        write_csv(source, args.contacts)
        n = f"{args.contacts:,}"
        rows = [
            (
                f"import --dry-run ({n})",
                run_measured(bench, "crm", "contacts", "import", str(source), "--dry-run"),
            ),
            (f"import ({n})", run_measured(bench, "crm", "contacts", "import", str(source))),
            (f"export csv ({n})", run_measured(bench, "crm", "contacts", "export", "-o", f"{tmp}/out.csv")),
            (
                f"export json ({n})",
                run_measured(bench, "crm", "contacts", "export", "--format", "json", "-o", f"{tmp}/out.json"),
            ),
        ]
        exported = (Path(tmp) / "out.csv").read_text(encoding="utf-8").count("\n") - 1
        assert exported == args.contacts, exported
        if args.big > args.contacts:
            add_contacts_sql(bench, args.big - args.contacts)
            rows.append(
                (
                    f"export csv ({args.big:,})",
                    run_measured(bench, "crm", "contacts", "export", "-o", f"{tmp}/big.csv"),
                )
            )
        baseline = run_measured(bench, "crm", "contacts", "list", "--json", "--limit", "1")

    print(f"{'stagefy crm contacts ...':32s} {'seconds':>8s} {'peak RSS':>10s}")
    for label, (seconds, rss) in rows:
        print(f"{label:32s} {seconds:8.2f} {rss:7.0f} MB")
    print(f"{'(list --limit 1, for scale)':32s} {baseline[0]:8.2f} {baseline[1]:7.0f} MB")


if __name__ == "__main__":
    main()
