"""The gateway's connection pool in a process with many open files: a pooled connection whose
descriptor is past 1024 (where `select()` gives up) is checked and serves requests like any other."""

from __future__ import annotations

import os
import resource

import pytest

from stagefy_cli.local.gateway.db import Database

MANY = 1100


@pytest.fixture
def many_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < MANY + 100:
        if hard != resource.RLIM_INFINITY and hard < MANY + 100:
            pytest.skip(f"this process may open only {hard} files")
        resource.setrlimit(resource.RLIMIT_NOFILE, (MANY + 100, hard))
    opened = [os.open(os.devnull, os.O_RDONLY) for _ in range(MANY)]
    yield
    for fd in opened:
        os.close(fd)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_pooled_connections_past_descriptor_1024_serve_requests(pg_dsn, many_open_files):
    db = Database(pg_dsn, max_size=2)
    try:
        for n in range(3):  # the first is the pool's own idle connection, checked before it is lent
            with db.superuser() as conn:
                assert conn.fileno() > 1024
                assert conn.execute("select %s::int as n", (n,)).fetchone() == {"n": n}
    finally:
        db.close()
