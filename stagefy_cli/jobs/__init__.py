"""What the worker does for each kind of job (`ai_jobs.input.kind`).

A handler takes a JobContext and returns a JobOutput (the bytes to store), or raises with a message
the user will read in `stagefy projects show`. The worker stores the output, writes the media row and
completes the job; on an exception it fails the job (or, for a retryable provider error, puts it
back on the queue) and the database refunds a failed job once.

Delivery is at-least-once: a handler may run twice for one job (a worker stalled past its lease
while another one took the job over), so a handler only produces bytes and touches nothing shared.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stagefy_cli.errors import StagefyError


@dataclass
class JobOutput:
    data: bytes
    mime_type: str
    extension: str
    api_cost: Decimal | None = None
    media_type: str = "image"  # media_type enum: image | video | template
    title: str | None = None
    thumbnail: bytes | None = None


class JobStopped(Exception):
    """The job was taken from this attempt (cancelled, lease lost, time limit, shutdown): stop."""


@dataclass
class JobContext:
    job: dict
    worker: Any  # stagefy_cli.worker.Worker
    cancelled: threading.Event
    deadline: float | None = None  # time.monotonic() by which this attempt must be done

    @property
    def input(self) -> dict:
        return self.job.get("input") or {}

    def download(self, path: str) -> bytes:
        return self.worker.storage().download(path)

    def provider_timeout(self) -> float:
        """Seconds a provider run may take: the worker's setting, within the job's time limit."""
        timeout = self.worker.config.provider_timeout
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
        if timeout <= 0 or self.cancelled.is_set():
            raise JobStopped("no time left for this job")
        return timeout


Handler = Callable[[JobContext], JobOutput]

# kind -> "module:function", imported on first use so a worker loads only what it runs.
HANDLERS: dict[str, str] = {
    "edit": "stagefy_cli.jobs.edit:run_edit",
    "video": "stagefy_cli.jobs.video:run_video",
    "video_clip": "stagefy_cli.jobs.video:run_clip",
    "video_join": "stagefy_cli.jobs.video:run_join",
    "template": "stagefy_cli.jobs.template:run_template",
}


def handler_for(job: dict) -> Handler:
    kind = (job.get("input") or {}).get("kind", "edit")
    target = HANDLERS.get(kind)
    if target is None:
        raise StagefyError(f"this worker cannot run '{kind}' jobs; upgrade stagefy on the worker.")
    module_name, _, function = target.partition(":")
    return getattr(importlib.import_module(module_name), function)
