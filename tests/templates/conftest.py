"""A worker with the local provider over the test stack, running while a test needs it."""

from __future__ import annotations

import threading

import pytest

from stagefy_cli.worker import Worker, WorkerConfig


@pytest.fixture
def local_worker(stack):
    from stagefy_cli.services.workers import load_providers

    worker = Worker(
        stack.service_client(), load_providers(["local"], {}), WorkerConfig(concurrency=2, poll_interval=0.05)
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(timeout=30)
