"""Replicate: one model per edit type, through the HTTP predictions API.

Official models (the defaults) are run by name, `POST /v1/models/{owner}/{name}/predictions`;
since August 2025 that route refuses community models, which run by version through
`POST /v1/predictions` ({"version": ...}): an operator's model is `owner/name:version`.

A prediction is created once (a 429/503 is a retryable error the worker's queue retries after the
Retry-After the API sent), held open with `Prefer: wait` for up to a minute (most edits finish in
it, without a poll), reported to the caller through `on_submitted`, polled until it is terminal,
cancelled when the deadline passes, and its output downloaded at once (Replicate deletes outputs
after an hour). Plain httpx rather than the `replicate` client: the client drops the Retry-After
of a refused request, and its GETs retry up to ten times with waits of up to a minute, past a
job's deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from stagefy_cli.backend import tls

from .base import EditRequest, EditResult, ProviderError
from .catalog import EDIT_TYPES, label
from .images import data_uri, image_size, output_size_for, sniff_mime
from .prompts import NEGATIVE_PROMPT, build_prompt, describe_staged_room
from .transport import Deadline, download, http_error, send_with_retry

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.replicate.com"
#: Every edit type goes to Nano Banana 2 (Gemini 3.1 Flash Image), an official model that edits
#: from an instruction at up to 4K; google/nano-banana (2.5 Flash Image) was superseded by it.
DEFAULT_MODEL = "google/nano-banana-2"
DEFAULT_MODELS = dict.fromkeys(EDIT_TYPES, DEFAULT_MODEL)
MODEL_ENV = "STAGEFY_REPLICATE_MODEL_{}"
#: The longest hold `Prefer: wait` allows, in seconds.
MAX_WAIT_HOLD = 60
POLL_ATTEMPTS = 3

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


#: Public list prices, read 2026-12-06 (unverified on Replicate's pages, which were out of reach):
#: per output image for the official Google models (Google's own list price for the same model,
#: by resolution for Nano Banana 2), hardware time for community models. Override with
#: STAGEFY_REPLICATE_COSTS="owner/name=0.04/run,owner/other=0.001/s".
DEFAULT_PRICES = {
    "google/nano-banana": Price(Decimal("0.039"), "run"),
    "adirik/interior-design": Price(Decimal("0.000725"), "s"),
    "proplabs/virtual-staging": Price(Decimal("0.0014"), "s"),
    "nightmareai/real-esrgan": Price(Decimal("0.000225"), "s"),
    "qwen/qwen-image-edit-plus": Price(Decimal("0.03"), "run"),
}
RESOLUTION_PRICES = {
    "google/nano-banana-2": {
        "1K": Price(Decimal("0.067"), "run"),
        "2K": Price(Decimal("0.101"), "run"),
        "4K": Price(Decimal("0.151"), "run"),
    }
}


@dataclass
class Prediction:
    """The fields of a prediction we read (the API's JSON object)."""

    id: str
    status: str
    output: Any = None
    error: str | None = None
    metrics: dict = field(default_factory=dict)

    @classmethod
    def read(cls, response: httpx.Response) -> Prediction:
        """The prediction an answer carries; an answer that is none is a retryable ProviderError."""
        try:
            body = response.json()
            return cls(
                id=body["id"],
                status=body.get("status") or "starting",
                output=body.get("output"),
                error=body.get("error"),
                metrics=body.get("metrics") or {},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ProviderError(
                f"replicate: the answer is not a prediction ({type(exc).__name__}: {exc})", retryable=True
            ) from None


def model_input(model: str, request: EditRequest, image: str, resolution: str = "1K") -> dict[str, Any]:
    """The input document of `model` (owner/name, without version) as its page documents it;
    `resolution` is the output size asked of models that take one."""
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
    if model == "google/nano-banana-2":
        return {
            "prompt": prompt,
            "image_input": [image],
            "aspect_ratio": "match_input_image",
            "output_format": "jpg",
            "resolution": resolution,
        }
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


def read_error(response: httpx.Response, model: str, edit_type: str | None = None) -> ProviderError:
    """Replicate's errors are RFC 7807 problem details ({"title", "detail", "status"})."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    status = response.status_code
    detail = body.get("detail") or body.get("title") or response.reason_phrase or "request failed"
    setting = MODEL_ENV.format(edit_type.upper()) if edit_type else "STAGEFY_REPLICATE_MODEL_<TYPE>"
    if status == 401:
        return ProviderError("replicate rejected the API token, REPLICATE_API_TOKEN (HTTP 401)")
    if status == 404 or (status == 422 and "version" in detail.lower()):
        owner_name, _, version = model.partition(":")
        what = f"version {version[:12]} of {owner_name}" if version else f"an official model {owner_name}"
        return ProviderError(
            f"replicate: Replicate has no {what} ({detail}, HTTP {status}). Operator: set {setting} "
            "to an official model (owner/name) or a community model with its version "
            "(owner/name:version) and restart the worker."
        )
    if status == 402:
        return ProviderError(f"replicate: the account cannot pay for runs ({detail}, HTTP 402)")
    return http_error(response, f"replicate: {detail} (HTTP {status})")


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
        wait_hold: int = MAX_WAIT_HOLD,
    ):
        self._api_token = api_token
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.models = {**DEFAULT_MODELS, **(models or {})}
        self.prices = {**DEFAULT_PRICES, **(prices or {})}
        self.poll_interval = poll_interval
        self.backoff = backoff
        self.wait_hold = wait_hold

    def supports(self, edit_type: str) -> bool:
        return edit_type in EDIT_TYPES

    def model_for(self, edit_type: str) -> str:
        return self.models[edit_type]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_token}", "Content-Type": "application/json"}

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        deadline = Deadline(timeout, self.name)
        model = self.model_for(request.edit_type)
        owner_name = model.split(":")[0]
        image = request.image_url or data_uri(request.image, request.mime_type)
        resolution = output_size_for(*image_size(request.image))
        prediction = self.create_prediction(
            model, model_input(owner_name, request, image, resolution), deadline, request.edit_type
        )
        if on_submitted:
            on_submitted(prediction.id)
        prediction = self.wait_for(prediction, deadline)
        if prediction.status == "failed":
            raise ProviderError(f"replicate: the model failed: {prediction.error or 'no reason given'}")
        if prediction.status == "canceled":
            raise ProviderError("replicate: the prediction was canceled")
        url = first_output(prediction.output)
        # Outputs are public, short-lived URLs: fetched without our token, which must not leave for other hosts.
        with tls.client() as plain:
            data = download(plain, url, deadline=deadline, backoff=self.backoff)
        return EditResult(
            image=data,
            mime_type=sniff_mime(data),
            model=model,
            api_cost=self.cost(model, prediction, resolution),
            provider_job_id=prediction.id,
        )

    def cost(self, model: str, prediction: Prediction, resolution: str | None = None) -> Decimal | None:
        """US dollars of a run: the operator's price for the model, else the list price."""
        owner_name = model.split(":")[0]
        price = self.prices.get(owner_name)
        if price is None and resolution:
            price = RESOLUTION_PRICES.get(owner_name, {}).get(resolution)
        return price.cost(prediction.metrics.get("predict_time")) if price else None

    def cancel(self, provider_job_id: str) -> None:
        try:
            with tls.client() as client:
                response = client.post(
                    f"{self.base_url}/v1/predictions/{provider_job_id}/cancel",
                    headers=self._headers(),
                    timeout=10,
                )
            if response.is_error:
                log.warning(
                    "replicate: cancelling prediction %s: HTTP %s", provider_job_id, response.status_code
                )
        except httpx.HTTPError as exc:
            log.warning("replicate: cancelling prediction %s failed: %s", provider_job_id, exc)

    def create_prediction(
        self, model: str, input: dict[str, Any], deadline: Deadline, edit_type: str | None = None
    ) -> Prediction:
        """Create a prediction, once; held open with `Prefer: wait` while the deadline allows."""
        owner_name, _, version = model.partition(":")
        if version:
            url, body = f"{self.base_url}/v1/predictions", {"version": version, "input": input}
        else:
            url, body = f"{self.base_url}/v1/models/{owner_name}/predictions", {"input": input}
        hold = min(self.wait_hold, int(deadline.remaining()) - 5)
        headers = self._headers() | ({"Prefer": f"wait={hold}"} if hold >= 1 else {})
        with tls.client() as client:
            response = send_with_retry(
                lambda left: client.post(url, json=body, headers=headers, timeout=left),
                deadline=deadline,
                error=lambda r: read_error(r, model, edit_type),
            )
        return Prediction.read(response)

    def wait_for(self, prediction: Prediction, deadline: Deadline) -> Prediction:
        """Poll until the prediction is terminal. A prediction given up on (the deadline came first,
        during a poll or between two, or polling kept failing) is cancelled: it would go on running,
        and costing, while the job's retry pays for a new one."""
        url = f"{self.base_url}/v1/predictions/{prediction.id}"
        try:
            with tls.client() as client:
                while prediction.status not in TERMINAL:
                    if deadline.seconds_left() <= self.poll_interval:
                        raise deadline.expired()
                    time.sleep(self.poll_interval)
                    response = send_with_retry(
                        lambda left: client.get(url, headers=self._headers(), timeout=min(left, 30)),
                        deadline=deadline,
                        error=lambda r: http_error(r, f"replicate: polling failed (HTTP {r.status_code})"),
                        backoff=self.backoff,
                        attempts=POLL_ATTEMPTS,
                    )
                    prediction = Prediction.read(response)
        except Exception:  # a ProviderError, or a failure it did not foresee: given up on either way
            self.cancel(prediction.id)
            raise
        return prediction

    def probe(self, timeout: float = 15) -> str:
        """A free check that the token works and every configured model (and version) exists."""
        deadline = Deadline(timeout, self.name)
        checked = []
        with tls.client() as client:
            for edit_type, model in self.models.items():
                if model not in checked:
                    self._probe_model(client, model, edit_type, deadline)
                    checked.append(model)
        return "models " + ", ".join(checked) + " available"

    def _probe_model(self, client: httpx.Client, model: str, edit_type: str, deadline: Deadline) -> None:
        owner_name, _, version = model.partition(":")
        url = self.base_url + f"/v1/models/{owner_name}" + (f"/versions/{version}" if version else "")
        send_with_retry(
            lambda left: client.get(url, headers=self._headers(), timeout=left),
            deadline=deadline,
            error=lambda r: read_error(r, model, edit_type),
        )


def first_output(output: Any) -> str:
    if isinstance(output, list) and output:
        output = output[0]
    if not isinstance(output, str) or not output:
        raise ProviderError("replicate: the prediction succeeded but returned no image", retryable=True)
    return output
