"""A worker with the local provider over the test stack, running while a test needs it."""

from __future__ import annotations

import threading

import pytest

from stagefy_cli.worker import Worker, WorkerConfig


def start_worker(stack, providers: dict) -> tuple[Worker, threading.Thread]:
    worker = Worker(stack.service_client(), providers, WorkerConfig(concurrency=2, poll_interval=0.05))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, thread


@pytest.fixture
def worker_with(stack):
    """worker_with(providers) starts a worker; every one started is stopped after the test."""
    started: list[tuple[Worker, threading.Thread]] = []

    def _start(providers: dict) -> Worker:
        started.append(start_worker(stack, providers))
        return started[-1][0]

    yield _start
    for worker, thread in started:
        worker.stop()
        thread.join(timeout=30)


@pytest.fixture
def local_worker(worker_with):
    from stagefy_cli.services.workers import load_providers

    return worker_with(load_providers(["local"], {}))
