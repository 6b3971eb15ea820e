"""32 concurrent credit grants and spends on ONE user for 10 s, on a fresh embedded PostgreSQL with
the project's migrations: operations per second, latency, and the ledger invariant afterwards.

Grants go through `public.admin_grant_credits` as the service role (the admin console's function:
ledger + audit row); spends through `private.post_ledger` with a negative amount (what a job
submission does). Every operation locks the same users row, so this measures the serialised path.

Run: .venv/bin/python benchmarks/ledger_concurrency.py [--workers 32] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg

from stagefy_cli.local.migrate import prepare_database
from stagefy_cli.local.postgres import EmbeddedPostgres, stop_data_dir

SERVICE_CLAIMS = json.dumps({"role": "service_role"})


def worker(dsn: str, user_id: uuid.UUID, index: int, deadline: float, results: dict) -> None:
    latencies, grants, spends, refused = [], 0, 0, 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select set_config('request.jwt.claims', %s, false)", (SERVICE_CLAIMS,))
        step = 0
        while time.perf_counter() < deadline:
            step += 1
            started = time.perf_counter()
            if (index + step) % 2:
                conn.execute("select public.admin_grant_credits(%s, 3, 'benchmark')", (str(user_id),))
                grants += 1
            else:
                try:
                    conn.execute("select private.post_ledger(%s, -2, 'usage', 'benchmark spend')", (user_id,))
                    spends += 1
                except psycopg.errors.RaiseException as exc:
                    if exc.sqlstate != "P0402":
                        raise
                    refused += 1
            latencies.append(time.perf_counter() - started)
    results[index] = (latencies, grants, spends, refused)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="stagefy-bench-")) / "data"
    dsn = EmbeddedPostgres(data_dir).dsn()
    try:
        prepare_database(dsn)
        user_id = uuid.uuid4()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "insert into auth.users (id, email, raw_user_meta_data, email_confirmed_at) values (%s, %s, %s, now())",
                (user_id, f"bench-{user_id.hex[:8]}@example.com", json.dumps({"full_name": "Bench"})),
            )
        results: dict[int, tuple] = {}
        deadline = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=worker, args=(dsn, user_id, i, deadline, results))
            for i in range(args.workers)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started

        latencies = sorted(sample for lat, *_ in results.values() for sample in lat)
        grants = sum(r[1] for r in results.values())
        spends = sum(r[2] for r in results.values())
        refused = sum(r[3] for r in results.values())
        with psycopg.connect(dsn, autocommit=True) as conn:
            credits, ledger_sum, rows, audits = conn.execute(
                "select u.credits, (select sum(amount) from public.credit_transactions where user_id = u.id), "
                "(select count(*) from public.credit_transactions where user_id = u.id), "
                "(select count(*) from public.admin_audit_log where resource_id = u.id) "
                "from public.users u where u.id = %s",
                (user_id,),
            ).fetchone()
        operations = grants + spends + refused
        print(f"{args.workers} workers on one user for {elapsed:.1f} s")
        print(f"operations: {operations} ({operations / elapsed:,.0f} ops/s)")
        print(f"  grants {grants}, spends {spends}, spends refused (insufficient credits) {refused}")
        print(
            f"latency: p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        )
        print(f"balance {credits}, ledger sum {ledger_sum}, ledger rows {rows}, audit rows {audits}")
        expected = 50 + 3 * grants - 2 * spends
        ok = credits == ledger_sum == expected and rows == 1 + grants + spends and audits == grants
        print(f"ledger invariant: {'OK' if ok else 'BROKEN'} (expected balance {expected})")
        if not ok:
            raise SystemExit(1)
    finally:
        stop_data_dir(data_dir)


if __name__ == "__main__":
    main()
