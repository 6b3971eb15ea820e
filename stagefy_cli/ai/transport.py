"""HTTP plumbing the remote providers share: a deadline, retry with backoff, output download.

The APIs we call are synchronous or polled; a provider run gets one overall deadline, and every
request is given only the time that is left. A request that starts paid work is sent once: a rate
limit (429), "unavailable" (503) or a failed connect becomes a retryable ProviderError (carrying the
wait the service asked for), and the worker puts the job back on the queue with backoff -- one retry
mechanism, bounded by the job's attempt limit, with no worker slot asleep meanwhile. Downloads of
outputs (already paid for, and safe to repeat) are retried here with backoff.

Each service words its errors its own way, so the caller turns an error response into a
ProviderError (`ErrorReader`); `http_error` is the reading that fits a plain HTTP API.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from .base import ProviderError

RETRY_STATUSES = (429, 503)
MAX_ATTEMPTS = 5
MAX_WAIT = 30.0

#: Turns an error response (4xx/5xx) into the ProviderError it means for the job.
ErrorReader = Callable[[httpx.Response], ProviderError]


class Deadline:
    """A point in time a provider run must finish by."""

    def __init__(self, timeout: float, service: str):
        self.timeout = timeout
        self.service = service
        self._end = time.monotonic() + timeout

    def seconds_left(self) -> float:
        return self._end - time.monotonic()

    def remaining(self) -> float:
        """Seconds left; ProviderError (retryable) when none are."""
        left = self.seconds_left()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> ProviderError:
        return ProviderError(f"{self.service} did not finish within {self.timeout:g} s", retryable=True)


def retry_after_header(response: httpx.Response | None) -> float | None:
    """Retry-After in seconds (the delta form; an HTTP date is rare from APIs and read as none)."""
    value = (response.headers.get("Retry-After", "") if response is not None else "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def http_error(response: httpx.Response, message: str) -> ProviderError:
    """The usual reading of an HTTP error: 429, 503 and other 5xx may pass (at least Retry-After
    later); any other 4xx is a refusal that the same request would meet again."""
    status = response.status_code
    return ProviderError(
        message, retryable=status in RETRY_STATUSES or status >= 500, retry_after=retry_after_header(response)
    )


class _RetryLater(Exception):
    def __init__(self, error: ProviderError):
        super().__init__(error.message)
        self.error = error


def _wait(state: RetryCallState, deadline: Deadline, backoff: float, attempts: int) -> float:
    if state.attempt_number >= attempts:  # tenacity asks for the wait before it checks the stop
        return 0.0
    exc = state.outcome.exception() if state.outcome else None
    hinted = exc.error.retry_after if isinstance(exc, _RetryLater) else None
    wait = (
        hinted if hinted is not None else backoff * 2 ** (state.attempt_number - 1) * random.uniform(0.8, 1.2)
    )
    wait = min(wait, MAX_WAIT)
    if wait >= deadline.remaining():
        raise deadline.expired()
    return wait


def send_with_retry(
    send: Callable[[float], httpx.Response],
    *,
    deadline: Deadline,
    error: ErrorReader,
    backoff: float = 0.5,
    attempts: int = 1,
) -> httpx.Response:
    """Call `send(timeout_left)` up to `attempts` times until it returns a 2xx response, retrying
    429/503 and failed connects within the deadline; when they persist, a retryable ProviderError.

    Any other error response raises `error(response)` at once.
    """
    service = deadline.service

    def attempt() -> httpx.Response:
        try:
            response = send(deadline.remaining())
        except httpx.TimeoutException as exc:
            raise deadline.expired() from exc
        except httpx.ConnectError as exc:
            raise _RetryLater(ProviderError(f"{service}: could not connect", retryable=True)) from exc
        if not response.is_error:
            return response
        problem = error(response)
        if problem.retryable and response.status_code in RETRY_STATUSES:
            raise _RetryLater(problem)
        raise problem

    retrying = Retrying(
        retry=retry_if_exception_type(_RetryLater),
        stop=stop_after_attempt(attempts),
        wait=lambda state: _wait(state, deadline, backoff, attempts),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _RetryLater as exc:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        raise ProviderError(
            f"{exc.error.message}{tries}", retryable=True, retry_after=exc.error.retry_after
        ) from exc


def download(client: httpx.Client, url: str, *, deadline: Deadline, backoff: float = 0.5) -> bytes:
    """Fetch an output at once (providers delete them after an hour or a day), retrying blips."""
    if url.startswith("data:"):
        return base64.b64decode(url.split(",", 1)[1])

    def reader(response: httpx.Response) -> ProviderError:
        return http_error(
            response, f"{deadline.service}: downloading the result failed (HTTP {response.status_code})"
        )

    response = send_with_retry(
        lambda left: client.get(url, timeout=left, follow_redirects=True),
        deadline=deadline,
        error=reader,
        backoff=backoff,
        attempts=MAX_ATTEMPTS,
    )
    return response.content
