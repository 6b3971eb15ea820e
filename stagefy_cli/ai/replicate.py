"""Replicate: one model per edit type, run through the official `replicate` client.

A prediction is created (once: a 429/503 is a retryable error the worker's queue retries with
backoff, and the client never retries a POST), reported to the caller through `on_submitted`,
polled until it is terminal, cancelled when the deadline passes, and its output downloaded at
once (Replicate deletes outputs after an hour).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import replicate
from replicate.exceptions import ReplicateError

from .base import EditRequest, EditResult, ProviderError
from .catalog import EDIT_TYPES, label
from .images import data_uri, sniff_mime
from .prompts import NEGATIVE_PROMPT, build_prompt, describe_staged_room
from .transport import Deadline, download

log = logging.getLogger(__name__)

DEFAULT_MODELS = {
    "virtual_staging": "adirik/interior-design",
    "declutter": "google/nano-banana",
    "enhance": "nightmareai/real-esrgan",
    "sky_replacement": "google/nano-banana",
    "day_to_dusk": "google/nano-banana",
    "custom": "google/nano-banana",
}

TERMINAL = ("succeeded", "failed", "canceled")


@dataclass(frozen=True)
class Price:
    """What a model costs: per second of model time (`metrics.predict_time`) or per run."""

    amount: Decimal
    per: str  # "s" | "run"

    @classmethod
    def parse(cls, text: str) -> Price:
        """'0.039/run' or '0.000725/s'."""
        amount, _, per = text.strip().partition("/")
        if per not in ("s", "run"):
            raise ValueError(f"a price is AMOUNT/s or AMOUNT/run, not {text!r}")
        return cls(Decimal(amount), per)

    def cost(self, predict_time: float | None) -> Decimal | None:
        if self.per == "run":
            return self.amount
        if predict_time is None:
            return None
        return (self.amount * Decimal(str(predict_time))).quantize(Decimal("0.000001"))


#: Public list prices (Nov 2026, unverified): hardware time for community models, per output image for
#: the official ones. Override with STAGEFY_REPLICATE_COSTS="owner/name=0.04/run,owner/other=0.001/s".
DEFAULT_PRICES = {
    "adirik/interior-design": Price(Decimal("0.000725"), "s"),
    "proplabs/virtual-staging": Price(Decimal("0.0014"), "s"),
    "nightmareai/real-esrgan": Price(Decimal("0.000225"), "s"),
    "google/nano-banana": Price(Decimal("0.039"), "run"),
    "qwen/qwen-image-edit-plus": Price(Decimal("0.03"), "run"),
}


def model_input(model: str, request: EditRequest, image: str) -> dict[str, Any]:
    """The input document of `model` (owner/name, without version) as its page documents it."""
    seed = {"seed": request.seed} if request.seed is not None else {}
    if model == "adirik/interior-design":
        return {
            "image": image,
            "prompt": _description(request),
            "negative_prompt": NEGATIVE_PROMPT,
            "num_inference_steps": 50,
            "guidance_scale": 15,
            "prompt_strength": 0.8,
            **seed,
        }
    if model == "proplabs/virtual-staging":
        return {
            "image": image,
            "room": label(request.room or "living_room"),
            "furniture_style": label(request.style or "modern"),
            "furniture_items": "Default",
        }
    if model == "nightmareai/real-esrgan":
        return {"image": image, "scale": 2, "face_enhance": False}
    prompt = build_prompt(request.edit_type, request.style, request.room, request.prompt)
    if model == "google/nano-banana":
        return {
            "prompt": prompt,
            "image_input": [image],
            "output_format": "jpg",
            "aspect_ratio": "match_input_image",
        }
    if model == "qwen/qwen-image-edit-plus":
        return {
            "prompt": prompt,
            "image": [image],
            "aspect_ratio": "match_input_image",
            "output_format": "jpg",
            "output_quality": 95,
            "go_fast": True,
            **seed,
        }
    return {"prompt": prompt, "image": image, **seed}  # a model set by the operator: the common shape


def _description(request: EditRequest) -> str:
    text = describe_staged_room(request.style, request.room)
    return f"{text}, {request.prompt.strip()}" if request.prompt and request.prompt.strip() else text


def _describe(exc: ReplicateError) -> str:
    if exc.status == 401:
        return "replicate rejected the API token (HTTP 401)"
    detail = exc.detail or exc.title or "request failed"
    return f"replicate: {detail} (HTTP {exc.status})"


class ReplicateProvider:
    name = "replicate"

    def __init__(
        self,
        api_token: str,
        *,
        base_url: str | None = None,
        models: Mapping[str, str] | None = None,
        prices: Mapping[str, Price] | None = None,
        poll_interval: float = 0.5,
        backoff: float = 0.5,
    ):
        self.client = replicate.Client(
            api_token=api_token, base_url=base_url, timeout=httpx.Timeout(30.0, connect=10.0)
        )
        self.models = {**DEFAULT_MODELS, **(models or {})}
        self.prices = {**DEFAULT_PRICES, **(prices or {})}
        self.poll_interval = poll_interval
        self.backoff = backoff

    def supports(self, edit_type: str) -> bool:
        return edit_type in EDIT_TYPES

    def model_for(self, edit_type: str) -> str:
        return self.models[edit_type]

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        deadline = Deadline(timeout, self.name)
        model = self.model_for(request.edit_type)
        image = request.image_url or data_uri(request.image, request.mime_type)
        prediction = self.create_prediction(model, model_input(model.split(":")[0], request, image), deadline)
        if on_submitted:
            on_submitted(prediction.id)
        prediction = self.wait_for(prediction, deadline)
        if prediction.status == "failed":
            raise ProviderError(f"replicate: the model failed: {prediction.error or 'no reason given'}")
        if prediction.status == "canceled":
            raise ProviderError("replicate: the prediction was canceled")
        url = first_output(prediction.output)
        # Outputs are public, short-lived URLs: fetched without our token, which must not leave for other hosts.
        with httpx.Client() as plain:
            data = download(plain, url, deadline=deadline, backoff=self.backoff)
        price = self.prices.get(model.split(":")[0])
        predict_time = (prediction.metrics or {}).get("predict_time")
        return EditResult(
            image=data,
            mime_type=sniff_mime(data),
            model=model,
            api_cost=price.cost(predict_time) if price else None,
            provider_job_id=prediction.id,
        )

    def cancel(self, provider_job_id: str) -> None:
        try:
            self.client.predictions.cancel(provider_job_id)
        except (ReplicateError, httpx.HTTPError) as exc:
            log.warning("replicate: cancelling prediction %s failed: %s", provider_job_id, exc)

    def create_prediction(self, model: str, input: dict[str, Any], deadline: Deadline):
        owner_name, _, version = model.partition(":")
        deadline.remaining()
        try:
            if version:
                return self.client.predictions.create(version=version, input=input)
            return self.client.predictions.create(model=owner_name, input=input)
        except ReplicateError as exc:
            if exc.status == 429:
                raise ProviderError("replicate: rate limited", retryable=True) from exc
            raise ProviderError(_describe(exc), retryable=(exc.status or 0) >= 500) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"replicate: could not reach the API ({type(exc).__name__})", retryable=True
            ) from exc

    def wait_for(self, prediction, deadline: Deadline):
        while prediction.status not in TERMINAL:
            if deadline.seconds_left() <= self.poll_interval:
                self.cancel(prediction.id)
                raise deadline.expired()
            time.sleep(self.poll_interval)
            try:
                prediction.reload()
            except ReplicateError as exc:
                raise ProviderError(_describe(exc), retryable=True) from exc
            except httpx.HTTPError as exc:
                raise ProviderError(
                    f"replicate: polling failed ({type(exc).__name__})", retryable=True
                ) from exc
        return prediction


def first_output(output: Any) -> str:
    if isinstance(output, list) and output:
        output = output[0]
    if not isinstance(output, str) or not output:
        raise ProviderError("replicate: the prediction succeeded but returned no image", retryable=True)
    return output
