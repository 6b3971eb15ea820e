"""PayFast ITNs per second through the real handler: a fresh embedded PostgreSQL with the migrations,
the gateway with the handler at /functions/v1/payfast-itn (as the local stack mounts it), and a local
stand-in for PayFast's validation endpoint. Each ITN runs every check (signature, source, amount
from the database, validation postback) and is applied with the service role; then every ITN is
replayed once, and the credits are checked: each payment counted exactly once.

Run: .venv/bin/python benchmarks/itn_throughput.py [--requests 400] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from stagefy_cli.billing.apply import create_payfast_itn_app
from stagefy_cli.billing.config import PayFastConfig
from stagefy_cli.local.gateway.app import create_app
from stagefy_cli.local.gateway.context import GatewayContext
from stagefy_cli.local.gateway.db import Database
from stagefy_cli.local.keys import generate
from stagefy_cli.local.migrate import prepare_database
from stagefy_cli.local.postgres import EmbeddedPostgres, stop_data_dir
from supabase import create_client

PASSPHRASE = "benchmark-passphrase"


def serve(app) -> tuple[uvicorn.Server, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


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


def report(label: str, elapsed: float, latencies: list[float], statuses: list[int]) -> None:
    print(
        f"{label}: {len(statuses)} ITNs in {elapsed:.2f} s = {len(statuses) / elapsed:,.1f} ITN/s; "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms; "
        f"non-200: {sum(1 for s in statuses if s != 200)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="stagefy-bench-")) / "data"
    dsn = EmbeddedPostgres(data_dir).dsn()
    try:
        prepare_database(dsn)
        user_ids = [uuid.uuid4() for _ in range(args.users)]
        with psycopg.connect(dsn, autocommit=True) as conn:
            for user_id in user_ids:
                conn.execute(
                    "insert into auth.users (id, email, raw_user_meta_data) values (%s, %s, %s)",
                    (user_id, f"bench-{user_id.hex[:8]}@example.com", json.dumps({"full_name": "Bench"})),
                )

        _, payfast_url = serve(validation_stand_in())
        keys = generate()
        db = Database(dsn)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        api_url = f"http://127.0.0.1:{port}"
        config = PayFastConfig.from_env(
            {
                "PAYFAST_SANDBOX": "1",
                "PAYFAST_PASSPHRASE": PASSPHRASE,
                "STAGEFY_PAYFAST_VALIDATE_URL": f"{payfast_url}/eng/query/validate",
                "STAGEFY_PAYFAST_ITN_HOSTS": "localhost",
            }
        )
        itn_app = create_payfast_itn_app(create_client(api_url, keys.service_role_key), config)
        ctx = GatewayContext(db=db, keys=keys, storage_root=data_dir.parent / "storage", api_url=api_url)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(ctx, functions={"payfast-itn": itn_app}),
                host="127.0.0.1",
                port=port,
                log_level="error",
                lifespan="off",
            )
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.02)

        url = f"{api_url}/functions/v1/payfast-itn"
        bodies = [
            itn_body(str(user_ids[i % len(user_ids)]), f"{1_000_000 + i}") for i in range(args.requests)
        ]
        print(f"{args.requests} ITNs over {args.users} users, {args.concurrency} at a time")
        report("new payments", *post_all(url, bodies, args.concurrency))
        report("replays     ", *post_all(url, bodies, args.concurrency))

        with psycopg.connect(dsn, autocommit=True) as conn:
            credited, payments, mismatched = conn.execute(
                "select (select coalesce(sum(amount), 0) from public.credit_transactions where type = 'purchase'), "
                "(select count(*) from public.payments), "
                "(select count(*) from public.users u where u.credits <> "
                " (select coalesce(sum(amount), 0) from public.credit_transactions t where t.user_id = u.id))"
            ).fetchone()
        ok = credited == 100 * args.requests and payments == args.requests and mismatched == 0
        print(
            f"credited {credited} (expected {100 * args.requests}), payments {payments}, "
            f"balances off their ledger: {mismatched} -> {'OK' if ok else 'BROKEN'}"
        )
        server.should_exit = True
        db.close()
        if not ok:
            raise SystemExit(1)
    finally:
        stop_data_dir(data_dir)


if __name__ == "__main__":
    main()
