"""HTTP plumbing the remote providers share: a deadline, retry with backoff, output download.

The APIs we call are synchronous or polled; a provider run gets one overall deadline, and every
request is given only the time that is left. Rate limits (429) and "unavailable" (503) are retried
with backoff (honouring Retry-After) because the request was not processed; other errors are not,
since retrying a POST that may have run would pay twice.
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
) -> httpx.Response:
    """Call `send(timeout_left)` until it returns a 2xx response; retry 429/503 and failed connects.

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
        stop=stop_after_attempt(MAX_ATTEMPTS),
        wait=lambda state: _wait(state, deadline, backoff),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _RetryLater as exc:
        status = exc.response.status_code if exc.response is not None else None
        reason = "rate limited" if status == 429 else str(exc)
        raise ProviderError(
            f"{service}: {reason} after {MAX_ATTEMPTS} attempts; try again later", retryable=True
        ) from exc


def download(client: httpx.Client, url: str, *, deadline: Deadline) -> bytes:
    """Fetch an output image at once (providers delete them after an hour or a day)."""
    if url.startswith("data:"):
        return base64.b64decode(url.split(",", 1)[1])

    def message(response: httpx.Response) -> str:
        return f"{deadline.service}: downloading the result failed (HTTP {response.status_code})"

    response = send_with_retry(
        lambda left: client.get(url, timeout=left, follow_redirects=True),
        deadline=deadline,
        error_message=message,
    )
    return response.content
