"""The gateway keeps serving in a process holding more than 1024 open files (select() cannot watch
descriptors past that; a busy gateway, or a long test run, gets there)."""

from __future__ import annotations

import os
import resource

import pytest
import web

from stagefy_cli.local.ephemeral import gateway


@pytest.fixture
def past_1024_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this machine allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    assert max(held) > 1024
    yield
    for fd in held:
        os.close(fd)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_gateway_whose_connections_sit_past_descriptor_1024_answers(stack, tmp_path, past_1024_descriptors):
    with gateway(stack.dsn, tmp_path / "storage", keys=stack.ctx.keys) as late:
        for _ in range(3):  # a pooled connection is checked each time a request takes it
            answer = web.get(
                f"{late.url}/rest/v1/prices?select=code&limit=1", headers={"apikey": late.service_role_key}
            )
            assert answer.status_code == 200 and len(answer.json()) == 1
