"""PayFast ITNs per second through the payment function: a fresh embedded PostgreSQL with the
migrations, the gateway serving `supabase/functions/payfast` with Deno (as the local stack does),
and a local stand-in for PayFast's validation endpoint. Each ITN runs every check (signature,
merchant, source, amount from the database, validation postback) and is applied with the service
role; then every ITN is replayed once; then a burst of one user's distinct notices at once. The
credits are checked: each payment counted exactly once, no notice refused.

Run: .venv/bin/python benchmarks/itn_throughput.py [--requests 400] [--concurrency 8] [--burst 50]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from stagefy_cli.local.ephemeral import ServerThread, embedded_database, gateway

PASSPHRASE = "benchmark-passphrase"


def validation_stand_in() -> Starlette:
    async def validate(request):
        await request.body()
        return PlainTextResponse("VALID")

    return Starlette(routes=[Route("/eng/query/validate", validate, methods=["POST"])])


def itn_body(user_id: str, pf_payment_id: str) -> str:
    fields = [
        ("m_payment_id", f"pack-{pf_payment_id}"),
        ("pf_payment_id", pf_payment_id),
        ("payment_status", "COMPLETE"),
        ("item_name", "Starter pack"),
        ("amount_gross", "149.00"),
        ("amount_fee", "-3.43"),
        ("amount_net", "145.57"),
        ("custom_str1", user_id),
        ("custom_str2", "pack"),
        ("custom_str3", "starter"),
        ("email_address", "bench@example.com"),
        ("merchant_id", "10000100"),
    ]
    param_string = urlencode(fields)
    return f"{param_string}&signature={hashlib.md5(f'{param_string}&passphrase={PASSPHRASE}'.encode()).hexdigest()}"


def post_all(url: str, bodies: list[str], concurrency: int) -> tuple[float, list[float], list[int]]:
    with httpx.Client(timeout=60) as http, ThreadPoolExecutor(concurrency) as pool:

        def post(body: str) -> tuple[float, int]:
            started = time.perf_counter()
            response = http.post(
                url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            return time.perf_counter() - started, response.status_code

        started = time.perf_counter()
        outcomes = list(pool.map(post, bodies))
        elapsed = time.perf_counter() - started
    return elapsed, sorted(o[0] for o in outcomes), [o[1] for o in outcomes]


def report(label: str, elapsed: float, latencies: list[float], statuses: list[int]) -> int:
    refused = sum(1 for s in statuses if s != 200)
    print(
        f"{label}: {len(statuses)} ITNs in {elapsed:.2f} s = {len(statuses) / elapsed:,.1f} ITN/s; "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms; "
        f"non-200: {refused}"
    )
    return refused


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--burst", type=int, default=50, help="distinct notices for one user, all at once")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="stagefy-bench-"))
    with embedded_database(root / "pg") as dsn, ServerThread(validation_stand_in()) as payfast:
        user_ids = [uuid.uuid4() for _ in range(args.users + 1)]
        with psycopg.connect(dsn, autocommit=True) as conn:
            for user_id in user_ids:
                conn.execute(
                    "insert into auth.users (id, email, raw_user_meta_data) values (%s, %s, %s)",
                    (user_id, f"bench-{user_id.hex[:8]}@example.com", json.dumps({"full_name": "Bench"})),
                )
        settings = {
            "PAYFAST_SANDBOX": "1",
            "PAYFAST_MERCHANT_ID": "10000100",
            "PAYFAST_MERCHANT_KEY": "46f0cd694581a",
            "PAYFAST_PASSPHRASE": PASSPHRASE,
            "PAYFAST_VALIDATE_URL": f"{payfast.url}/eng/query/validate",
            "PAYFAST_ITN_HOSTS": "localhost",
        }
        with gateway(
            dsn, root / "storage", functions=settings, functions_log=root / "functions.log"
        ) as stack:
            url = f"{stack.url}/functions/v1/payfast/itn"
            spread, burst_user = user_ids[:-1], user_ids[-1]
            bodies = [
                itn_body(str(spread[i % len(spread)]), f"{1_000_000 + i}") for i in range(args.requests)
            ]
            burst = [itn_body(str(burst_user), f"{5_000_000 + i}") for i in range(args.burst)]
            print(f"{args.requests} ITNs over {args.users} users, {args.concurrency} at a time")
            refused = report("new payments", *post_all(url, bodies, args.concurrency))
            refused += report("replays     ", *post_all(url, bodies, args.concurrency))
            refused += report(f"burst of {args.burst} for one user", *post_all(url, burst, args.burst))

        expected = 100 * (args.requests + args.burst)
        with psycopg.connect(dsn, autocommit=True) as conn:
            credited, payments, mismatched = conn.execute(
                "select (select coalesce(sum(amount), 0) from public.credit_transactions where type = 'purchase'), "
                "(select count(*) from public.payments), "
                "(select count(*) from public.users u where u.credits <> "
                " (select coalesce(sum(amount), 0) from public.credit_transactions t where t.user_id = u.id))"
            ).fetchone()
    ok = credited == expected and payments == args.requests + args.burst and mismatched == 0 and not refused
    print(
        f"credited {credited} (expected {expected}), payments {payments}, "
        f"balances off their ledger: {mismatched}, refused: {refused} -> {'OK' if ok else 'BROKEN'}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
