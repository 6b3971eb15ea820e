"""The provider interface: what the worker hands a provider and what it gets back.

Providers are plain synchronous objects with no knowledge of the database: the worker passes the
photo (bytes, and a signed URL when the provider can fetch one) and receives the edited image bytes,
which it stores at once (remote providers delete their outputs after an hour or a day).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass
class EditRequest:
    edit_type: str
    image: bytes
    mime_type: str
    image_url: str | None = None  # a signed URL the provider can fetch, if any
    prompt: str | None = None
    style: str | None = None
    room: str | None = None
    seed: int | None = None
    variation: int = 0  # 0-based index when several results of one photo are asked for
    keep_metadata: bool = False  # keep GPS, serial numbers and owner in the result (`--keep-metadata`)


@dataclass
class EditResult:
    image: bytes
    mime_type: str
    model: str
    api_cost: Decimal | None  # US dollars the provider charged for this run, when known
    provider_job_id: str | None = None


class ProviderError(Exception):
    """A provider could not produce the edit. The message is one line a user can read.

    `retryable` says whether the same request may succeed later (rate limit, timeout, outage),
    as opposed to a refusal or a bad input that will fail again: the worker puts a retryable job
    back on the queue (with backoff, at least `retry_after` seconds when the provider said so) and
    fails the others at once.
    """

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


class UnsupportedEdit(ProviderError):
    """The provider cannot do this edit type; the message names the providers that can."""


@runtime_checkable
class Provider(Protocol):
    name: str  # an `ai_service` enum value: 'replicate' | 'qwen' | 'nano_banana' | 'local'

    def model_for(self, edit_type: str) -> str: ...

    def supports(self, edit_type: str) -> bool: ...

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        """Do the edit within `timeout` seconds or raise ProviderError.

        `on_submitted(provider_job_id)` is called as soon as the remote job exists, so the caller
        can record it and `cancel` it later; providers whose API is synchronous never call it.
        """
        ...

    def cancel(self, provider_job_id: str) -> None:
        """Best effort; a no-op where the API has no cancel."""
        ...


class InstructionEditProvider:
    """Shared by the synchronous instruction-editing APIs (Gemini, DashScope): one configurable model
    does every edit type from a prompt, and a request that returns has nothing left to cancel."""

    def __init__(self, api_key: str, *, base_url: str, model: str):
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model = model

    def supports(self, edit_type: str) -> bool:
        from .catalog import EDIT_TYPES

        return edit_type in EDIT_TYPES

    def model_for(self, edit_type: str) -> str:
        return self.model

    def cancel(self, provider_job_id: str) -> None:
        """The API is synchronous: there is nothing to cancel."""
