"""The job loop: claim queued ai_jobs, run them, store the output, complete, retry or fail them.

Any number of workers, on any number of machines, share the queue in PostgreSQL through the
service-role RPCs of `supabase/migrations/*_jobs.sql`:
`claim_jobs` uses `FOR UPDATE SKIP LOCKED` and a lease, and records who runs each job (the routes
of `ai.registry.claim_routes`); a heartbeat extends the leases of the jobs in hand (never past a
job's time limit); a job whose worker died or stalled is claimed again when its lease expires.

A job costs its worker three API requests: the input's download, the output's upload and
`complete_and_claim`, which completes the attempt and claims the job the freed slot runs next
(a thumbnail adds an upload; a remote provider's run adds `record_provider_job`, so a cancel
reaches it). The loop itself claims only for slots that are free otherwise (at the start, after a
failure, when the queue was empty). Every claim carries a token, so a call repeated because its
answer was lost gets the jobs the first one claimed instead of stranding them. The requests go
over the CLI's thin client (`backend/rest.py` on `backend/wire.py`) as the service role, not
supabase-py: a no-op job is mostly those requests, and the thin client spends a fraction of
httpx's CPU on each; its pool of keep-alive connections serves the thread each job runs in.

Delivery is at-least-once, results exactly-once: every claim is a numbered attempt that writes its
output under its own path (`.../<job>/attempt-<n>.<ext>`), and `complete_job` accepts one attempt.
An attempt that loses (its lease lapsed and another worker finished the job, or the job was
cancelled) removes only its own files. Calls that finish a job are retried through outages of the
API or the database, so a job whose work is done is not run again. An outage longer than the lease
lets the worker's own claim take a job it is still running: the running attempt carries on as the
new one, and the worker's bookkeeping is per attempt, so one attempt's end never touches another's.

What a job does depends on `ai_jobs.input.kind`; handlers live in `stagefy_cli/jobs/`.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from stagefy_cli.backend.api_errors import DATABASE_UNAVAILABLE_CODES, ApiError
from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.jobs import HANDLERS, JobContext, JobOutput, JobStopped, handler_for

log = logging.getLogger("stagefy.worker")

MAINTENANCE_INTERVAL_S = 300.0
# SQLSTATE classes that mean "the database is unavailable, try again" rather than "refused".
TRANSIENT_SQLSTATES = ("08", "53", "57P", "40001", "40P01")


@dataclass
class WorkerConfig:
    concurrency: int = 2
    lease_seconds: int = 120
    poll_interval: float = 0.5
    max_poll_interval: float = 2.0
    provider_timeout: float = 600.0
    max_attempts: int = 3  # claims of one job, retries included
    retry_base: float = 15.0  # seconds before the first retry of a retryable error; doubles each time
    retry_cap: float = 900.0
    grace: float = 30.0  # seconds running jobs get to finish when the worker is asked to stop
    finish_patience: float = 300.0  # how long to keep trying to report a finished job through an outage
    user_ids: tuple[str, ...] | None = None  # claim only these users' jobs (None: everybody's)
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )

    def retry_delay(self, attempt: int, hint: float | None = None) -> float:
        """Exponential backoff with jitter (half to all of the step), at least the provider's hint."""
        step = min(self.retry_cap, self.retry_base * 2 ** max(attempt - 1, 0))
        return max(step * random.uniform(0.5, 1.0), min(hint or 0.0, self.retry_cap))


@dataclass
class _InFlight:
    job: dict
    cancelled: threading.Event
    deadline: float | None  # time.monotonic() when the attempt's time limit ends
    reason: str | None = None  # why it was stopped: lost | timeout | shutdown
    settled: bool = False  # reporting its outcome: its attempt number is final

    @property
    def attempt(self) -> int:
        return int(self.job.get("attempts") or 1)

    @property
    def key(self) -> tuple[str, int]:
        """The claim this entry holds: the job and its attempt."""
        return self.job["id"], self.attempt

    def stop(self, reason: str) -> bool:
        """Mark the attempt stopped (first reason wins); False when it already was."""
        if self.cancelled.is_set():
            return False
        self.reason = reason
        self.cancelled.set()
        return True


class Worker:
    """Runs jobs with `client` (the thin client as the service role: `backend.client.service_rest`)
    and the given providers; with `user_ids`, only the jobs of those users (a worker of one's own,
    or a test's)."""

    def __init__(
        self,
        client,
        providers: dict,
        config: WorkerConfig | None = None,
        public_api: bool = False,
        user_ids: list[str] | None = None,
    ):
        from stagefy_cli.ai.registry import capabilities, claim_routes

        self.client = client
        self.providers = providers
        self.routes = claim_routes(providers)  # who runs what, recorded by each claim
        # What it tells the server it can run: the edits and AI motion it can do, and the kinds
        # every worker renders itself.
        plain = [kind for kind in HANDLERS if kind not in ("edit", "video_clip")]
        self.capabilities = sorted({*capabilities(providers, self.routes), *plain})
        self.bucket = client.storage.from_(MEDIA_BUCKET)
        self.config = config or WorkerConfig()
        if user_ids is not None:
            self.config = replace(self.config, user_ids=tuple(user_ids))
        self.public_api = public_api  # can providers fetch signed URLs from this API? (not on 127.0.0.1)
        self._inflight: dict[tuple[str, int], _InFlight] = {}  # by claim: (job id, attempt)
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self._wake = threading.Event()  # a slot freed or a stop was asked for
        self.processed = 0

    # -- the loop -----------------------------------------------------------------------------
    def run(self, once: bool = False) -> int:
        """Process jobs until stopped (or, with `once`, until the queue is empty). Returns how many.

        A stop (`stop()`, SIGTERM) ends claiming at once, gives running jobs `config.grace` seconds
        to finish, then gives the rest back to the queue for another worker to take at once."""
        self.register()
        self._maintenance()
        watchdog = threading.Thread(target=self._watchdog_loop, name="stagefy-heartbeat", daemon=True)
        watchdog.start()
        poll = self.config.poll_interval
        while not self.stop_event.is_set():
            free = self.config.concurrency - self._inflight_count()
            claimed = self._claim(free) if free > 0 else []
            for job in claimed:
                self._start(job)
            if claimed:
                poll = self.config.poll_interval
                continue
            if once and self._inflight_count() == 0:
                break
            # Wake as soon as a job finishes (its slot takes the next job at once); back off only
            # while the queue stays empty.
            woken = self._wake.wait(poll)
            self._wake.clear()
            poll = self.config.poll_interval if woken else min(poll * 1.5, self.config.max_poll_interval)
        self._drain()
        self.stop_event.set()
        watchdog.join(timeout=5)
        self._unregister()
        return self.processed

    def register(self) -> None:
        """Tell the server this worker is alive and what it can run, for a lease's time (the
        watchdog says it again every third of one). Quotes refuse what no live worker can run."""
        users = self.config.user_ids
        try:
            self._rpc(
                "register_worker",
                p_providers=sorted(self.providers),
                p_capabilities=self.capabilities,
                p_user_ids=list(users) if users is not None else None,
                p_seconds=self.config.lease_seconds,
            )
        except Exception as exc:  # noqa: BLE001 - the next beat tries again; claiming does not need it
            log.warning("could not register the worker: %s", exc)

    def _unregister(self) -> None:
        try:
            self._rpc("unregister_worker")
        except Exception as exc:  # noqa: BLE001 - its row expires by itself
            log.warning("could not unregister the worker: %s", exc)

    def stop(self) -> None:
        self.stop_event.set()
        self._wake.set()

    def wake(self) -> None:
        """Claim now: work was queued (the local stack calls this on the database's notice)."""
        self._wake.set()

    def _inflight_count(self) -> int:
        with self._lock:
            return len(self._inflight)

    def _start(self, job: dict) -> None:
        with self._lock:
            started = self._admit([job])
        for entry in started:
            self._run_in_thread(entry)

    def _admit(self, claimed: list[dict]) -> list[_InFlight]:
        """Record claimed jobs as in flight (the caller holds the lock); returns the entries that
        need a thread.

        A claim can be a new attempt of a job this worker is still running: while the database was
        unreachable its lease lapsed, and the worker's own claim took the job again. The running
        attempt takes the new claim over (it reports as the new attempt, and the heartbeat keeps
        it), so the provider is not asked twice. One already reporting its outcome has lost the job
        to the new attempt: it is stopped, and the new attempt runs afresh. Either way each attempt
        has its own entry, which only it removes when it is done."""
        started = []
        for job in claimed:
            running = [
                e
                for e in self._inflight.values()
                if e.job["id"] == job["id"] and e.attempt < int(job["attempts"])
            ]
            adoptable = [e for e in running if not e.settled and not e.cancelled.is_set()]
            if adoptable:
                [entry] = adoptable
                del self._inflight[entry.key]
                entry.job.update({k: v for k, v in job.items() if k != "provider_job_id" or v})
                self._inflight[entry.key] = entry
                log.info(
                    "job %s: its lease lapsed while running here; attempt %s goes on",
                    job["id"],
                    entry.attempt,
                )
                continue
            for entry in running:
                entry.stop("lost")
            entry = self._entry(job)
            self._inflight[entry.key] = entry
            started.append(entry)
        return started

    def _run_in_thread(self, entry: _InFlight) -> None:
        """A thread for a slot: it runs the job, then each job claimed with the previous one's
        completion, until a completion brings no next job."""

        def run_slot(entry: _InFlight | None) -> None:
            while entry is not None:
                entry = self._hand_over(entry, self._process(entry))

        threading.Thread(target=run_slot, args=(entry,), name="stagefy-job", daemon=True).start()

    def _entry(self, job: dict) -> _InFlight:
        budget = _seconds_between(job.get("claimed_at"), job.get("deadline_at"))
        return _InFlight(
            job=job,
            cancelled=threading.Event(),
            deadline=time.monotonic() + budget if budget is not None else None,
        )

    def _drain(self) -> None:
        """Give running jobs the grace period, then release the rest of them to the queue."""
        end = time.monotonic() + self.config.grace
        while self._inflight_count() and time.monotonic() < end:
            self._wake.wait(min(0.1, max(end - time.monotonic(), 0)))
            self._wake.clear()
        with self._lock:
            left = [entry for entry in self._inflight.values() if entry.stop("shutdown")]
        if not left:
            return
        for entry in left:
            self._cancel_provider_run(entry)
        self._release([entry.job["id"] for entry in left])

    def _release(self, ids: list[str]) -> None:
        try:
            released = self._rpc("release_jobs", p_job_ids=ids) or []
            log.info("released %s job(s) to the queue: %s", len(released), ", ".join(released))
        except Exception as exc:  # noqa: BLE001 - their leases lapse and another worker takes them then
            log.warning("could not release jobs %s (their leases will lapse): %s", ids, exc)

    def _claim_terms(self) -> dict:
        """What every claim says besides how many: for how long, whose jobs, who runs what, and a
        token that makes a repeat of the same call return what the first one claimed."""
        users = self.config.user_ids
        return {
            "p_lease_seconds": self.config.lease_seconds,
            "p_max_attempts": self.config.max_attempts,
            "p_user_ids": list(users) if users is not None else None,
            "p_routes": self.routes,
            "p_claim_token": str(uuid.uuid4()),
        }

    def _claim(self, limit: int) -> list[dict]:
        try:
            return self._rpc("claim_jobs", p_limit=limit, **self._claim_terms()) or []
        except Exception as exc:  # noqa: BLE001 - the database may be restarting; try again later
            log.warning("claim failed: %s", exc)
            self.stop_event.wait(self.config.max_poll_interval)
            return []

    def _watchdog_loop(self) -> None:
        """Heartbeats for the jobs in hand, their time limits, and the periodic chores."""
        interval = max(self.config.lease_seconds / 3, 0.2)
        next_heartbeat = time.monotonic() + interval
        next_maintenance = time.monotonic() + MAINTENANCE_INTERVAL_S
        while not self.stop_event.wait(min(interval, 0.5)):
            self._enforce_time_limits()
            now = time.monotonic()
            if now >= next_maintenance:
                self._maintenance()
                next_maintenance = now + MAINTENANCE_INTERVAL_S
            if now >= next_heartbeat:
                self._heartbeat()
                self.register()
                next_heartbeat = time.monotonic() + interval

    def _heartbeat(self) -> None:
        with self._lock:
            ids = sorted(
                {entry.job["id"] for entry in self._inflight.values() if not entry.cancelled.is_set()}
            )
        if not ids:
            return
        try:
            owned = set(
                self._rpc("heartbeat_jobs", p_job_ids=ids, p_lease_seconds=self.config.lease_seconds) or []
            )
        except Exception as exc:  # noqa: BLE001 - the next beat tries again; the lease has slack
            log.warning("heartbeat failed: %s", exc)
            return
        for job_id in ids:
            if job_id not in owned:
                self._abandon(job_id)

    def _enforce_time_limits(self) -> None:
        """Stop attempts past their time limit and fail them now, whatever their thread is doing."""
        now = time.monotonic()
        with self._lock:
            late = [e for e in self._inflight.values() if e.deadline is not None and now > e.deadline]
        for entry in late:
            self._time_out(entry)

    def _time_out(self, entry: _InFlight) -> None:
        if not entry.stop("timeout"):
            return
        attempt = self._settle(entry)
        self._cancel_provider_run(entry)
        job = entry.job
        limit = _seconds_between(job.get("claimed_at"), job.get("deadline_at")) or 0
        kind = (job.get("input") or {}).get("kind", "edit")
        message = f"stopped after {limit:g} s: a {kind} job may run at most {limit:g} s"
        log.warning("job %s: %s", job["id"], message)
        self._finish_rpc(
            "fail_job",
            p_job_id=job["id"],
            p_error=message,
            p_latency_ms=int(limit * 1000),
            p_attempt=attempt,
        )

    def _maintenance(self) -> None:
        """Periodic database chores that must happen even when nobody runs a command: plans whose
        paid period has ended drop to the free tier; week-old idempotency keys are dropped."""
        for chore in ("expire_subscriptions", "purge_idempotency_keys"):
            try:
                self.client.rpc(chore, {}).execute()
            except Exception as exc:  # noqa: BLE001 - a chore; the next round tries again
                log.warning("maintenance (%s) failed: %s", chore, exc)

    def _abandon(self, job_id: str) -> None:
        """The job was cancelled (or reclaimed): stop working on it and cancel the provider's run."""
        with self._lock:
            stopped = [e for e in self._inflight.values() if e.job["id"] == job_id and e.stop("lost")]
        for entry in stopped:
            log.info("job %s is no longer ours (cancelled or reclaimed); stopping it", job_id)
            self._cancel_provider_run(entry)

    def _settle(self, entry: _InFlight) -> int:
        """The attempt starts reporting its outcome: from now on no new claim of its job is handed
        to it (`_admit`). Returns its attempt number."""
        with self._lock:
            entry.settled = True
            return entry.attempt

    def _cancel_provider_run(self, entry: _InFlight) -> None:
        provider_job_id = entry.job.get("provider_job_id")
        provider = self.providers.get(entry.job.get("service"))
        if provider_job_id and provider is not None:
            try:
                provider.cancel(provider_job_id)
            except Exception as exc:  # noqa: BLE001 - best effort
                log.warning("could not cancel %s run %s: %s", entry.job.get("service"), provider_job_id, exc)

    # -- one job ------------------------------------------------------------------------------
    def _process(self, entry: _InFlight) -> list[dict]:
        """Run one attempt and report it; returns the jobs claimed with its completion."""
        job = entry.job
        started = time.monotonic()
        ctx = JobContext(
            job=job,
            cancelled=entry.cancelled,
            providers=self.providers,
            download=self.bucket.download,
            signed_url=self.signed_url,
            record_provider_job=lambda provider_job_id: self._record_provider_job(job, provider_job_id),
            provider_seconds=self.config.provider_timeout,
            deadline=entry.deadline,
        )
        following: list[dict] = []
        try:
            output = handler_for(job)(ctx)
            if not entry.cancelled.is_set():
                following = self._complete(entry, output, int((time.monotonic() - started) * 1000))
        except JobStopped:
            if not entry.cancelled.is_set():  # the handler found its time used up before the watchdog did
                self._time_out(entry)
            # otherwise whoever stopped it (time limit, lease lost, shutdown) reported or released it
        except Exception as exc:  # noqa: BLE001 - every failure becomes the job's error message
            if not entry.cancelled.is_set():
                self._fail(entry, exc, int((time.monotonic() - started) * 1000))
        return following

    def _hand_over(self, done: _InFlight, following: list[dict]) -> _InFlight | None:
        """An attempt is done: its slot goes to the job claimed with its completion, if any. Both
        happen under one lock, so the loop never sees the slot free and claims for it too. Only the
        attempt's own entry goes: a newer attempt of the same job keeps its bookkeeping. Returns
        the job the finishing thread runs next (any other claimed one gets a thread of its own)."""
        with self._lock:
            if self._inflight.get(done.key) is done:
                del self._inflight[done.key]
            self.processed += 1
            stopping = self.stop_event.is_set()
            entries = [] if stopping else self._admit(following)
        self._wake.set()
        if stopping:
            if following:  # claimed as the stop began: back to the queue at once
                self._release([claimed["id"] for claimed in following])
            return None
        for entry in entries[1:]:
            self._run_in_thread(entry)
        return entries[0] if entries else None

    def _fail(self, entry: _InFlight, exc: Exception, latency_ms: int) -> None:
        from stagefy_cli.ai.base import ProviderError
        from stagefy_cli.errors import StagefyError

        job = entry.job
        attempt = self._settle(entry)
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        retry_in = None
        if isinstance(exc, ProviderError) and exc.retryable or _is_transient(exc):
            if attempt < self.config.max_attempts:
                retry_in = self.config.retry_delay(attempt, getattr(exc, "retry_after", None))
            log.info("job %s attempt %s failed (retryable): %s", job["id"], attempt, message)
        elif isinstance(exc, StagefyError | ProviderError):  # a refusal: its message is for the user
            log.info("job %s failed: %s", job["id"], message)
        else:
            log.exception("job %s failed with an unexpected error", job["id"])
            message = f"internal error in the worker ({type(exc).__name__}: {message})"
        self._finish_rpc(
            "fail_job",
            p_job_id=job["id"],
            p_error=message,
            p_latency_ms=latency_ms,
            p_retry_in_seconds=round(retry_in, 3) if retry_in is not None else None,
            p_max_attempts=self.config.max_attempts,
            p_attempt=attempt,
        )

    def output_folder(self, job: dict) -> str:
        """Where this attempt's files go: one folder per job, one file name per attempt.

        Intermediate outputs (a video's clips) live outside the user's folder, where only the
        service role can read them: they are not results until the project says so."""
        owner = "internal" if (job.get("input") or {}).get("intermediate") else f"{job['user_id']}/outputs"
        return f"{owner}/{job['project_id']}/{job['id']}"

    def _complete(self, entry: _InFlight, output: JobOutput, latency_ms: int) -> list[dict]:
        """Store the output and complete the attempt, claiming the job this slot runs next in the
        same call (`complete_and_claim`); returns the claimed jobs."""
        job = entry.job
        attempt = self._settle(entry)
        stem = f"{self.output_folder(job)}/attempt-{attempt}"
        path = f"{stem}{output.extension}"
        thumb = output.thumbnail
        thumbnail = f"{stem}.thumb.jpg" if thumb is not None else None
        self._finish_call(lambda: self._upload(path, output.data, output.mime_type), f"upload {path}")
        if thumbnail and thumb is not None:
            self._finish_call(lambda: self._upload(thumbnail, thumb, "image/jpeg"), f"upload {thumbnail}")
        params = {
            "p_job_id": job["id"],
            "p_output_path": path,
            "p_file_size": len(output.data),
            "p_latency_ms": latency_ms,
            "p_api_cost": float(output.api_cost) if output.api_cost is not None else None,
            "p_media_type": output.media_type,
            "p_title": output.title,
            "p_thumbnail_path": thumbnail,
            "p_attempt": attempt,
        }
        files = [p for p in (path, thumbnail) if p]
        claim = {"p_claim_limit": 0 if self.stop_event.is_set() else 1, **self._claim_terms()}
        answer: dict = {"won": False, "claimed": []}
        try:
            if not entry.cancelled.is_set():
                answer = self._finish_call(
                    lambda: self._rpc("complete_and_claim", **params, **claim), "complete_and_claim"
                )
        except Exception:
            self._remove(files)  # the job fails (or its lease lapses): these files are nobody's
            raise
        if not answer["won"]:  # cancelled, or another attempt has the job: these files are nobody's
            log.info("job %s attempt %s lost the job; removing its own output", job["id"], attempt)
            self._remove(files)
        return answer["claimed"]

    def _remove(self, paths: list[str]) -> None:
        try:
            self._finish_call(lambda: self.bucket.remove(paths), f"remove {paths[0]}")
        except Exception as exc:  # noqa: BLE001 - an orphaned file costs storage, not money
            log.warning("could not remove %s: %s", ", ".join(paths), exc)

    def _upload(self, path: str, data: bytes, mime_type: str) -> None:
        from stagefy_cli.errors import StagefyError

        try:
            self.bucket.upload(path, data, {"content-type": mime_type, "upsert": "true"})
        except ApiError as exc:
            if exc.service != "storage" or exc.status != 413:
                raise
            raise StagefyError(
                f"the result is {len(data) / 1e6:.1f} MB, more than the storage bucket takes "
                "(its file_size_limit); make it shorter, or ask the operator to raise the limit."
            ) from None

    # -- calls that must get through ----------------------------------------------------------
    def _finish_call(self, call: Callable, what: str):
        """Run `call` until it succeeds, retrying transient failures (the API or the database is
        down or restarting) for up to `config.finish_patience` seconds."""
        end = time.monotonic() + self.config.finish_patience
        wait = 0.25
        while True:
            try:
                return call()
            except Exception as exc:
                if not _is_transient(exc) or time.monotonic() + wait > end:
                    raise
                log.warning("%s failed (%s); trying again in %.1f s", what, exc, wait)
                time.sleep(wait)
                wait = min(wait * 2, 5.0)

    def _finish_rpc(self, name: str, **params):
        try:
            return self._finish_call(lambda: self._rpc(name, **params), name)
        except Exception as exc:  # noqa: BLE001 - the lease lapses; another attempt takes the job over
            log.error("%s for job %s did not get through: %s", name, params.get("p_job_id"), exc)
            return False

    # -- services for handlers (through JobContext) --------------------------------------------
    def signed_url(self, path: str, expires_in: int = 3600) -> str | None:
        """A URL a remote provider can fetch the object from, or None when this API is not public."""
        if not self.public_api:
            return None
        return self.bucket.create_signed_url(path, expires_in)["signedURL"]

    def _rpc(self, name: str, **params):
        return self.client.rpc(name, {"p_worker": self.config.worker_id, **params}).execute().data

    def _record_provider_job(self, job: dict, provider_job_id: str) -> None:
        """Note a remote provider's run id (in the job, for `_cancel_provider_run`, and in the database)."""
        job["provider_job_id"] = provider_job_id
        self._rpc("record_provider_job", p_job_id=job["id"], p_provider_job_id=provider_job_id)


def _seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from one database timestamp to another (both from the same clock: no skew)."""
    from datetime import datetime

    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _is_transient(exc: BaseException) -> bool:
    """Whether `exc` says the API or the database was unreachable or restarting (worth retrying),
    rather than that the request was refused."""
    if not isinstance(exc, ApiError):
        return False
    if exc.service == "transport":
        return True  # no answer at all: refused, reset, timed out
    if exc.service == "postgrest":
        code = str(exc.code or "")
        if not code:
            return True  # an error without PostgREST's code
        if code == str(exc.status):  # not PostgREST's JSON (a proxy's error page): its HTTP status
            return exc.status >= 500
        if code.startswith("PGRST"):
            return code in DATABASE_UNAVAILABLE_CODES
        return code.startswith(TRANSIENT_SQLSTATES)
    if exc.service == "storage":
        return exc.status >= 500
    return False


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
