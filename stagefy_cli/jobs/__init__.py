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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from stagefy_cli.errors import StagefyError

if TYPE_CHECKING:
    from stagefy_cli.ai.base import Provider


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
    """What a handler may use: the job and the few services of the worker it needs, nothing else."""

    job: dict
    cancelled: threading.Event  # set when the attempt is stopped (cancelled, lease lost, timeout, shutdown)
    providers: Mapping[str, Provider]  # the worker's providers, by name
    download: Callable[[str], bytes]  # a stored object's bytes, by its path in the media bucket
    signed_url: Callable[[str], str | None]  # a URL a remote provider can fetch it from; None: not public
    record_provider_job: Callable[[str], None]  # a remote provider's run id, so a cancel reaches it
    provider_seconds: float = 600.0  # the worker's limit on one provider run
    deadline: float | None = None  # time.monotonic() by which this attempt must be done

    @property
    def input(self) -> dict:
        return self.job.get("input") or {}

    def provider_timeout(self) -> float:
        """Seconds a provider run may take: the worker's limit, within the job's time limit."""
        timeout = self.provider_seconds
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
        if timeout <= 0 or self.cancelled.is_set():
            raise JobStopped("no time left for this job")
        return timeout

    def photo(self, path: str, name: str) -> bytes:
        """A stored photo, refused (the job fails at once) when its header declares too many pixels."""
        from stagefy_cli.jobs.limits import check_photo

        data = self.download(path)
        check_photo(data, name)
        return data


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
