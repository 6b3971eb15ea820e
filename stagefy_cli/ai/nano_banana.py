"""Nano Banana: Gemini's image models through generateContent, the photo inline in and out.

Errors follow Google's contract: the body is {"error": {"code", "message", "status", "details"}};
a 429 carries no Retry-After header, the wait is a `google.rpc.RetryInfo` detail (`retryDelay`,
"17s"), and a `google.rpc.QuotaFailure` on a per-day quota will not clear within a job's retries.
An answer without an image is worth another try when the model just did not draw one (NO_IMAGE,
IMAGE_OTHER, OTHER, STOP with only text), and not when a safety rule refused it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal

import httpx

from stagefy_cli.backend import tls

from .base import EditRequest, EditResult, InstructionEditProvider, ProviderError
from .images import fit_for_upload, image_size, output_size_for
from .prompts import build_prompt
from .transport import Deadline, http_error, send_with_retry

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
#: The stable API version, the one the official SDK (google-genai 3.x) calls by default.
API_VERSION = "v1"
#: Gemini 3.1 Flash Image ("Nano Banana 2"), generally available; gemini-2.5-flash-image was shut
#: down on 2026-10-02 (Google's deprecations page, read 2026-12-06).
DEFAULT_MODEL = "gemini-3.1-flash-image"
MODEL_ENV = "STAGEFY_GEMINI_MODEL"
#: Image output is billed per token: (US$ per million output tokens, tokens of one image by
#: `imageSize`), from Google's pricing and model pages read 2026-12-06. A model not listed here
#: records no api_cost rather than a wrong one.
IMAGE_PRICES: dict[str, tuple[Decimal, dict[str | None, int]]] = {
    "gemini-3.1-flash-image": (Decimal("60"), {"1K": 1120, "2K": 1680, "4K": 2520}),
    "gemini-2.5-flash-image": (Decimal("30"), {None: 1290}),  # 1K only; shut down 2026-10-02
}
#: Inline requests are limited to 20 MB in all; base64 grows the photo by a third.
MAX_INLINE_BYTES = 14 * 1024 * 1024
MAX_SIDE = 3072
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")

#: finishReason values after which the same request may well give an image.
RETRY_FINISH = {"NO_IMAGE", "IMAGE_OTHER", "OTHER", "STOP", "FINISH_REASON_UNSPECIFIED", "MAX_TOKENS"}


def closest_aspect_ratio(width: int, height: int) -> str:
    """The supported aspect ratio nearest the photo's, so the result keeps its framing."""

    def distance(ratio: str) -> float:
        w, h = (int(n) for n in ratio.split(":"))
        return abs(w / h - width / height)

    return min(ASPECT_RATIOS, key=distance)


def takes_image_size(model: str) -> bool:
    """Gemini 3 image models take `imageConfig.imageSize`; 2.5 Flash Image renders about 1 MP only."""
    return model.startswith("gemini-3")


def price(model: str, size: str | None) -> Decimal | None:
    """US dollars of one image of `model` at `size` (a dated snapshot's name starts with its model's)."""
    entry = next((e for prefix, e in IMAGE_PRICES.items() if model.startswith(prefix)), None)
    if entry is None:
        return None
    rate, tokens = entry
    count = tokens.get(size) or next(iter(tokens.values()))
    return (rate * count / 1_000_000).quantize(Decimal("0.000001"))


def _seconds(duration: str) -> float | None:
    """A google.protobuf.Duration in JSON ("17s", "0.5s") as seconds."""
    try:
        return max(0.0, float(str(duration).rstrip("s")))
    except ValueError:
        return None


def read_error(response: httpx.Response, model: str) -> ProviderError:
    """The ProviderError a Google API error response means for the job."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    status = error.get("status") or f"HTTP {response.status_code}"
    said = f"{error.get('message') or response.reason_phrase} ({status})"
    if response.status_code == 404:
        return ProviderError(
            f"nano_banana: Gemini has no model {model!r} ({said}). Operator: set {MODEL_ENV} to a "
            f"current image model (default {DEFAULT_MODEL}) and restart the worker."
        )
    if response.status_code in (401, 403):
        return ProviderError(f"nano_banana: Gemini refused the API key, GEMINI_API_KEY ({said})")
    if response.status_code != 429:
        return http_error(response, f"nano_banana: {said}")
    details = [d for d in error.get("details") or () if isinstance(d, dict)]
    daily = [
        v.get("quotaId", "")
        for d in details
        if d.get("@type", "").endswith("google.rpc.QuotaFailure")
        for v in d.get("violations") or ()
        if "PerDay" in v.get("quotaId", "")
    ]
    if daily:
        return ProviderError(f"nano_banana: Gemini's daily quota is used up ({daily[0]}); try again tomorrow")
    delays = [
        _seconds(d.get("retryDelay", ""))
        for d in details
        if d.get("@type", "").endswith("google.rpc.RetryInfo")
    ]
    wait = next((s for s in delays if s is not None), None)
    return ProviderError(f"nano_banana: rate limited ({said})", retryable=True, retry_after=wait)


class NanoBananaProvider(InstructionEditProvider):
    name = "nano_banana"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
    ):
        super().__init__(api_key, base_url=base_url, model=model)

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._api_key, "Content-Type": "application/json"}

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        """Synchronous API: nothing to report to `on_submitted`, nothing to cancel."""
        deadline = Deadline(timeout, self.name)
        url = f"{self.base_url}/{API_VERSION}/models/{self.model}:generateContent"
        body = self.request_body(request)
        with tls.client() as client:
            response = send_with_retry(
                lambda left: client.post(url, json=body, headers=self._headers(), timeout=left),
                deadline=deadline,
                error=lambda r: read_error(r, self.model),
            )
        payload = response.json()
        image, mime = result_image(payload)
        size = body["generationConfig"]["imageConfig"].get("imageSize")
        return EditResult(
            image=image,
            mime_type=mime,
            model=self.model,
            api_cost=price(self.model, size),
            provider_job_id=payload.get("responseId"),
        )

    def request_body(self, request: EditRequest) -> dict:
        original = image_size(request.image)
        image, mime, _ = fit_for_upload(
            request.image, request.mime_type, max_side=MAX_SIDE, max_bytes=MAX_INLINE_BYTES
        )
        text = build_prompt(request.edit_type, request.style, request.room, request.prompt)
        image_config = {"aspectRatio": closest_aspect_ratio(*original)}
        if takes_image_size(self.model):
            image_config["imageSize"] = output_size_for(*original)
        generation: dict = {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config}
        if request.seed is not None:
            generation["seed"] = request.seed
        return {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": text},
                        {"inlineData": {"mimeType": mime, "data": base64.b64encode(image).decode()}},
                    ],
                }
            ],
            "generationConfig": generation,
        }

    def probe(self, timeout: float = 15) -> str:
        """A free check that the key works and the model exists (models.get)."""
        url = f"{self.base_url}/{API_VERSION}/models/{self.model}"
        with tls.client() as client:
            send_with_retry(
                lambda left: client.get(url, headers=self._headers(), timeout=left),
                deadline=Deadline(timeout, self.name),
                error=lambda r: read_error(r, self.model),
            )
        return f"model {self.model} available"


def result_image(payload: dict) -> tuple[bytes, str]:
    """The first inline image of the first candidate; otherwise a ProviderError saying why, retryable
    unless a safety rule refused the request or the image."""
    feedback = payload.get("promptFeedback") or {}
    if feedback.get("blockReason"):
        rule = feedback.get("blockReasonMessage") or _blocked_categories(feedback) or "no detail given"
        raise ProviderError(f"nano_banana: Gemini refused the request ({feedback['blockReason']}: {rule})")
    candidates = payload.get("candidates") or []
    if not candidates:
        raise ProviderError("nano_banana: Gemini returned no candidate", retryable=True)
    candidate = candidates[0]
    parts = (candidate.get("content") or {}).get("parts") or []
    for part in parts:
        inline = part.get("inlineData") or part.get("inline_data")
        if inline and inline.get("data") and not part.get("thought"):
            mime = inline.get("mimeType") or inline.get("mime_type") or "image/png"
            return decode_bytes(inline["data"]), mime
    finish = candidate.get("finishReason") or "FINISH_REASON_UNSPECIFIED"
    said = " ".join(p["text"].strip() for p in parts if p.get("text") and not p.get("thought")).strip()
    if finish in RETRY_FINISH:
        why = f"finish reason {finish}" + (f"; it said: {said[:200]}" if said else "")
        raise ProviderError(f"nano_banana: Gemini returned no image ({why})", retryable=True)
    rule = candidate.get("finishMessage") or _blocked_categories(candidate) or said[:200] or "no detail given"
    raise ProviderError(f"nano_banana: Gemini refused to make the image ({finish}: {rule})")


def decode_bytes(data: str) -> bytes:
    """A protobuf `bytes` field in JSON: base64, standard or URL-safe (both are valid)."""
    return base64.b64decode(data.replace("-", "+").replace("_", "/"), validate=True)


def _blocked_categories(holder: dict) -> str:
    """The safety categories a rating list marks as blocked, e.g. 'HARM_CATEGORY_DANGEROUS_CONTENT'."""
    return ", ".join(r.get("category", "") for r in holder.get("safetyRatings") or () if r.get("blocked"))
