"""HTTP plumbing the remote providers share: a deadline, retry with backoff, output download.

The APIs we call are synchronous or polled; a provider run gets one overall deadline, and every
request is given only the time that is left. A request that starts paid work is sent once: a rate
limit (429), "unavailable" (503) or a failed connect becomes a retryable ProviderError (carrying
Retry-After), and the worker puts the job back on the queue with backoff -- one retry mechanism,
bounded by the job's attempt limit, with no worker slot asleep meanwhile. Downloads of outputs
(already paid for, and safe to repeat) are retried here with backoff.
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


class _RetryLater(Exception):
    def __init__(self, response: httpx.Response | None, cause: str):
        super().__init__(cause)
        self.response = response


def _retry_after(response: httpx.Response | None) -> float | None:
    value = (response.headers.get("Retry-After", "") if response is not None else "").strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _wait(state: RetryCallState, deadline: Deadline, backoff: float) -> float:
    exc = state.outcome.exception() if state.outcome else None
    hinted = _retry_after(exc.response) if isinstance(exc, _RetryLater) else None
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
    error_message: Callable[[httpx.Response], str],
    backoff: float = 0.5,
    attempts: int = 1,
) -> httpx.Response:
    """Call `send(timeout_left)` up to `attempts` times until it returns a 2xx response, retrying
    429/503 and failed connects; when they persist, a retryable ProviderError.

    Any other HTTP error becomes a ProviderError whose text is `error_message(response)`.
    """
    service = deadline.service

    def attempt() -> httpx.Response:
        try:
            response = send(deadline.remaining())
        except httpx.TimeoutException as exc:
            raise deadline.expired() from exc
        except httpx.ConnectError as exc:
            raise _RetryLater(None, f"could not connect to {service}") from exc
        if response.status_code in RETRY_STATUSES:
            raise _RetryLater(response, error_message(response))
        if response.is_error:
            retryable = response.status_code >= 500
            raise ProviderError(error_message(response), retryable=retryable)
        return response

    retrying = Retrying(
        retry=retry_if_exception_type(_RetryLater),
        stop=stop_after_attempt(attempts),
        wait=lambda state: _wait(state, deadline, backoff),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _RetryLater as exc:
        status = exc.response.status_code if exc.response is not None else None
        reason = "rate limited" if status == 429 else str(exc)
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        raise ProviderError(
            f"{service}: {reason}{tries}", retryable=True, retry_after=_retry_after(exc.response)
        ) from exc


def download(client: httpx.Client, url: str, *, deadline: Deadline, backoff: float = 0.5) -> bytes:
    """Fetch an output at once (providers delete them after an hour or a day), retrying blips."""
    if url.startswith("data:"):
        return base64.b64decode(url.split(",", 1)[1])

    def message(response: httpx.Response) -> str:
        return f"{deadline.service}: downloading the result failed (HTTP {response.status_code})"

    response = send_with_retry(
        lambda left: client.get(url, timeout=left, follow_redirects=True),
        deadline=deadline,
        error_message=message,
        backoff=backoff,
        attempts=MAX_ATTEMPTS,
    )
    return response.content
