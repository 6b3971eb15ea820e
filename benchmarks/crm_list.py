"""`stagefy crm contacts list --json` for an agent with 10,000 contacts, in a database of 200,000
contacts of 1,000 agents: wall time of the command (a real subprocess against a fresh embedded local
stack) and of its query inside PostgreSQL, then the same with the seed's plain `auth.uid() = user_id`
policy, as ratios.

The query is timed as the gateway runs it: role `authenticated`, the agent's JWT claims, the CLI's
filter and order (EXPLAIN ANALYZE execution time, median of N).

Run: .venv/bin/python benchmarks/crm_list.py [--runs 7] [--users 1000] [--contacts 200000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "benchmark-password-1"
OUR_POLICY = "crm_contacts: read own; admins read all"


@dataclass
class BenchStack:
    """A fresh embedded local stack in a temp STAGEFY_HOME, and one agent signed in to the CLI."""

    dsn: str
    env: dict
    user_id: str

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "stagefy_cli.entry", *args],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            check=True,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def bench_stack() -> Iterator[BenchStack]:
    """Start the product's own local stack (PostgreSQL + migrations + gateway) in a temp dir, sign
    up one agent through the CLI, and stop the stack afterwards."""
    with tempfile.TemporaryDirectory(prefix="stagefy-bench-") as tmp:
        env = {
            **os.environ,
            "STAGEFY_HOME": str(Path(tmp) / "home"),
            "STAGEFY_LOCAL_PORT": str(_free_port()),
            "STAGEFY_NO_NOTICES": "1",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        for name in ("STAGEFY_PROFILE", "SUPABASE_URL", "SUPABASE_ANON_KEY"):
            env.pop(name, None)
        os.environ.update({k: env[k] for k in ("STAGEFY_HOME", "STAGEFY_LOCAL_PORT")})
        from stagefy_cli.local.stack import LocalStack

        stack = LocalStack()
        state = stack.start()
        try:
            bench = BenchStack(dsn=state.db_url, env=env, user_id="")
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            bench.cli("auth", "signup", "--email", email, "--name", "Bench Agent", "--password-stdin",
                      input=PASSWORD + "\n")  # fmt: skip
            bench.user_id = json.loads(bench.cli("auth", "status", "--json").stdout)["user_id"]
            yield bench
        finally:
            stack.stop()


def seed_contacts(dsn: str, user_id: str, *, users: int, total: int, own: int) -> None:
    """`own` contacts for the agent and the rest spread over `users - 1` other agents; names are
    hashes, so in name order the agent's rows are interleaved with everyone else's."""
    import psycopg

    others = users - 1
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, aud, role, email, raw_user_meta_data) "
            "select gen_random_uuid(), 'authenticated', 'authenticated', 'other' || g || '@example.com', "
            "jsonb_build_object('full_name', 'Agent ' || g) from generate_series(1, %s) g",
            (others,),
        )
        conn.execute(
            "insert into public.crm_contacts (user_id, name, email, type, status, tags, notes) "
            "select %s, 'Contact ' || md5('own' || g), 'c' || g || '@example.com', "
            "(array['buyer','seller','investor','other'])[1 + g %% 4]::public.contact_type, "
            "(array['lead','active','closed'])[1 + g %% 3]::public.contact_status, array['t' || g %% 10], "
            "'Notes about contact ' || g from generate_series(1, %s) g",
            (user_id, own),
        )
        conn.execute(
            "insert into public.crm_contacts (user_id, name, email) "
            "select u.id, 'Contact ' || md5(g::text), 'x' || g || '@example.com' "
            "from (select id, row_number() over (order by id) as n from public.users where id <> %s) u "
            "join generate_series(1, %s) g on g %% %s = u.n - 1",
            (user_id, total - own, others),
        )
        conn.execute("analyze public.crm_contacts")
        conn.execute("analyze public.users")


def command_seconds(bench: BenchStack, args: list[str], runs: int) -> tuple[float, int]:
    samples, rows = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        out = bench.cli(*args).stdout
        samples.append(time.perf_counter() - start)
        rows = len(json.loads(out))
    return statistics.median(samples), rows


def query_ms(conn, user_id: str, sql: str, runs: int) -> float:
    """Median EXPLAIN ANALYZE execution time of `sql` run as the agent (role + claims, as PostgREST)."""
    claims = json.dumps({"sub": user_id, "role": "authenticated"})
    samples = []
    for _ in range(runs):
        with conn.transaction():
            conn.execute("set local role authenticated")
            conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
            plan = conn.execute(f"explain (analyze, format json) {sql}", (user_id,)).fetchone()[0]
        samples.append(plan[0]["Execution Time"])
    return statistics.median(samples)


# The CLI's list (default --limit 30 and with every row) and its exact count, as the gateway runs them.
QUERIES = {
    "list, limit 30": "select * from public.crm_contacts where user_id = %s order by name, id limit 30",
    "list, all 10,000": "select * from public.crm_contacts where user_id = %s order by name, id limit 10000",
    "count (Showing 30 of N)": "select count(*) from public.crm_contacts where user_id = %s",
}
# What a client that relies on the policy alone would send (no user_id filter).
POLICY_ONLY = "select * from public.crm_contacts where %s::uuid is not null order by name, id limit 30"


@contextlib.contextmanager
def plain_policy(dsn: str) -> Iterator[None]:
    """Swap our SELECT policy for the seed's `auth.uid() = user_id`, and put ours back afterwards."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'alter policy "{OUR_POLICY}" on public.crm_contacts rename to "bench: ours"')
        conn.execute(
            'create policy "bench: plain" on public.crm_contacts for select to authenticated '
            "using (auth.uid() = user_id)"
        )
        conn.execute('alter policy "bench: ours" on public.crm_contacts using (false)')
    try:
        yield
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute('drop policy "bench: plain" on public.crm_contacts')
            conn.execute(
                'alter policy "bench: ours" on public.crm_contacts '
                "using (user_id = (select auth.uid()) or (select public.is_admin()))"
            )
            conn.execute(f'alter policy "bench: ours" on public.crm_contacts rename to "{OUR_POLICY}"')


def measure(bench: BenchStack, runs: int) -> dict:
    import psycopg

    figures = {}
    for label, args in {
        "stagefy crm contacts list --json": ["crm", "contacts", "list", "--json"],
        "stagefy crm contacts list --json --limit 10000": [
            "crm",
            "contacts",
            "list",
            "--json",
            "--limit",
            "10000",
        ],
    }.items():
        figures[label] = command_seconds(bench, args, runs)
    with psycopg.connect(bench.dsn, autocommit=True) as conn:
        for label, sql in {**QUERIES, "policy only, no user_id filter, limit 30": POLICY_ONLY}.items():
            figures[label] = query_ms(conn, bench.user_id, sql, runs)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--own", type=int, default=10_000)
    args = parser.parse_args()

    with bench_stack() as bench:
        start = time.perf_counter()
        seed_contacts(bench.dsn, bench.user_id, users=args.users, total=args.contacts, own=args.own)
        print(
            f"seeded {args.contacts:,} contacts of {args.users:,} agents ({args.own:,} for the measured "
            f"agent) in {time.perf_counter() - start:.1f} s; medians of {args.runs} runs\n"
        )
        ours = measure(bench, args.runs)
        with plain_policy(bench.dsn):
            plain = measure(bench, args.runs)

    print(f"{'':48s} {'our policy':>12s} {'auth.uid() = user_id':>22s} {'ratio':>7s}")
    for label, value in ours.items():
        if isinstance(value, tuple):
            (a, rows), (b, _) = value, plain[label]
            print(f"{label:48s} {a * 1000:9.0f} ms {b * 1000:19.0f} ms {a / b:7.2f}  ({rows:,} rows)")
        else:
            print(f"query: {label:41s} {value:9.2f} ms {plain[label]:19.2f} ms {value / plain[label]:7.2f}")


if __name__ == "__main__":
    main()
