"""The job loop: claim queued ai_jobs, run them, store the output, complete or fail them.

Any number of workers, on any number of machines, share the queue in PostgreSQL through the
service-role RPCs of `supabase/migrations/*_jobs_and_edits.sql`: `claim_jobs` uses
`FOR UPDATE SKIP LOCKED` and a lease; a heartbeat extends the leases of the jobs in hand; a job
whose worker died is claimed again when its lease expires. `complete_job`/`fail_job` only act
for the worker that owns the job, so a job finishes (and is refunded) once.

What a job does depends on `ai_jobs.input.kind`; handlers live in `stagefy_cli/jobs/`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from stagefy_cli.jobs import JobContext, JobOutput, handler_for
from stagefy_cli.services.uploads import BUCKET

log = logging.getLogger("stagefy.worker")

MAINTENANCE_INTERVAL_S = 300.0


@dataclass
class WorkerConfig:
    concurrency: int = 2
    lease_seconds: int = 120
    poll_interval: float = 0.5
    max_poll_interval: float = 2.0
    provider_timeout: float = 600.0
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )


@dataclass
class _InFlight:
    job: dict
    cancelled: threading.Event
    future: Future | None = None


class Worker:
    """Runs jobs with `client` (a service-role supabase-py client) and the given providers."""

    def __init__(self, client, providers: dict, config: WorkerConfig | None = None, public_api: bool = False):
        self.client = client
        self.providers = providers
        self.config = config or WorkerConfig()
        self.public_api = public_api  # can providers fetch signed URLs from this API? (not on 127.0.0.1)
        self._inflight: dict[str, _InFlight] = {}
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self.processed = 0

    # -- the loop -----------------------------------------------------------------------------
    def run(self, once: bool = False) -> int:
        """Process jobs until stopped (or, with `once`, until the queue is empty). Returns how many."""
        self._maintenance()
        heartbeat = threading.Thread(target=self._heartbeat_loop, name="stagefy-heartbeat", daemon=True)
        heartbeat.start()
        poll = self.config.poll_interval
        with ThreadPoolExecutor(
            max_workers=self.config.concurrency, thread_name_prefix="stagefy-job"
        ) as pool:
            while not self.stop_event.is_set():
                free = self.config.concurrency - self._inflight_count()
                claimed = self._claim(free) if free > 0 else []
                for job in claimed:
                    entry = _InFlight(job=job, cancelled=threading.Event())
                    with self._lock:
                        self._inflight[job["id"]] = entry
                    entry.future = pool.submit(self._process, entry)
                if claimed:
                    poll = self.config.poll_interval
                    continue
                if once and self._inflight_count() == 0:
                    break
                self.stop_event.wait(poll)
                poll = min(poll * 1.5, self.config.max_poll_interval)
        self.stop_event.set()
        heartbeat.join(timeout=5)
        return self.processed

    def stop(self) -> None:
        self.stop_event.set()

    def _inflight_count(self) -> int:
        with self._lock:
            return len(self._inflight)

    def _claim(self, limit: int) -> list[dict]:
        try:
            return (
                self.client.rpc(
                    "claim_jobs",
                    {
                        "p_worker": self.config.worker_id,
                        "p_limit": limit,
                        "p_lease_seconds": self.config.lease_seconds,
                    },
                )
                .execute()
                .data
                or []
            )
        except Exception as exc:  # noqa: BLE001 - the database may be restarting; try again later
            log.warning("claim failed: %s", exc)
            self.stop_event.wait(self.config.max_poll_interval)
            return []

    def _heartbeat_loop(self) -> None:
        interval = max(self.config.lease_seconds / 3, 0.2)
        next_maintenance = time.monotonic() + MAINTENANCE_INTERVAL_S
        while not self.stop_event.wait(interval):
            if time.monotonic() >= next_maintenance:
                self._maintenance()
                next_maintenance = time.monotonic() + MAINTENANCE_INTERVAL_S
            with self._lock:
                ids = list(self._inflight)
            if not ids:
                continue
            try:
                owned = set(
                    self.client.rpc(
                        "heartbeat_jobs",
                        {
                            "p_worker": self.config.worker_id,
                            "p_job_ids": ids,
                            "p_lease_seconds": self.config.lease_seconds,
                        },
                    )
                    .execute()
                    .data
                    or []
                )
            except Exception as exc:  # noqa: BLE001
                log.warning("heartbeat failed: %s", exc)
                continue
            for job_id in ids:
                if job_id not in owned:
                    self._abandon(job_id)

    def _maintenance(self) -> None:
        """Periodic database chores that must happen even when nobody runs a command: plans whose
        paid period has ended drop to the free tier."""
        try:
            self.client.rpc("expire_subscriptions", {}).execute()
        except Exception as exc:  # noqa: BLE001 - a chore; the next round tries again
            log.warning("maintenance failed: %s", exc)

    def _abandon(self, job_id: str) -> None:
        """The job was cancelled (or reclaimed): stop waiting for it and cancel the provider's run."""
        with self._lock:
            entry = self._inflight.get(job_id)
        if entry is None or entry.cancelled.is_set():
            return
        entry.cancelled.set()
        log.info("job %s is no longer ours (cancelled or reclaimed)", job_id)
        provider_job_id = entry.job.get("provider_job_id")
        provider = self.providers.get(entry.job.get("service"))
        if provider_job_id and provider is not None:
            try:
                provider.cancel(provider_job_id)
            except Exception as exc:  # noqa: BLE001 - best effort
                log.warning("could not cancel %s run %s: %s", entry.job.get("service"), provider_job_id, exc)

    # -- one job ------------------------------------------------------------------------------
    def _process(self, entry: _InFlight) -> None:
        job = entry.job
        started = time.monotonic()
        ctx = JobContext(job=job, worker=self, cancelled=entry.cancelled)
        try:
            output = handler_for(job)(ctx)
            latency_ms = int((time.monotonic() - started) * 1000)
            if entry.cancelled.is_set():
                return
            self._complete(job, output, latency_ms)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the job's error message
            latency_ms = int((time.monotonic() - started) * 1000)
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            log.info("job %s failed: %s", job["id"], message)
            if not entry.cancelled.is_set():
                self._rpc("fail_job", p_job_id=job["id"], p_error=message, p_latency_ms=latency_ms)
        finally:
            with self._lock:
                self._inflight.pop(job["id"], None)
                self.processed += 1

    def _complete(self, job: dict, output: JobOutput, latency_ms: int) -> None:
        # Intermediate outputs (a video's clips) live outside the user's folder, where only the
        # service role can read them: they are not results until the project says so.
        folder = "internal" if (job.get("input") or {}).get("intermediate") else f"{job['user_id']}/outputs"
        path = f"{folder}/{job['project_id']}/{job['id']}{output.extension}"
        data = output.data
        self.storage().upload(path, data, {"content-type": output.mime_type, "upsert": "true"})
        thumbnail = None
        if output.thumbnail is not None:
            thumbnail = f"{folder}/{job['project_id']}/{job['id']}.thumb.jpg"
            self.storage().upload(
                thumbnail, output.thumbnail, {"content-type": "image/jpeg", "upsert": "true"}
            )
        done = self._rpc(
            "complete_job",
            p_job_id=job["id"],
            p_output_path=path,
            p_file_size=len(data),
            p_latency_ms=latency_ms,
            p_api_cost=float(output.api_cost) if output.api_cost is not None else None,
            p_media_type=output.media_type,
            p_title=output.title,
            p_thumbnail_path=thumbnail,
        )
        if not done:  # cancelled while we worked: the output is nobody's
            self.storage().remove([p for p in (path, thumbnail) if p])

    # -- helpers for handlers -----------------------------------------------------------------
    def storage(self):
        return self.client.storage.from_(BUCKET)

    def signed_url(self, path: str, expires_in: int = 3600) -> str | None:
        """A URL a remote provider can fetch the object from, or None when this API is not public."""
        if not self.public_api:
            return None
        return self.storage().create_signed_url(path, expires_in)["signedURL"]

    def _rpc(self, name: str, **params):
        return self.client.rpc(name, {"p_worker": self.config.worker_id, **params}).execute().data

    def record_start(self, job: dict, service: str, model: str, provider_job_id: str | None = None) -> None:
        job["service"], job["model"] = service, model
        if provider_job_id:
            job["provider_job_id"] = provider_job_id
        self._rpc(
            "start_job",
            p_job_id=job["id"],
            p_service=service,
            p_model=model,
            p_provider_job_id=provider_job_id,
        )


def is_public_url(url: str) -> bool:
    """Whether a remote provider could reach `url` (not loopback or a private address)."""
    import ipaddress
    from urllib.parse import urlparse

    host = urlparse(url).hostname or ""
    if host in ("localhost", ""):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global
