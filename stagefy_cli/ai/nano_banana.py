"""Nano Banana: Gemini's image model through generateContent, the photo inline in and out."""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal

import httpx

from .base import EditRequest, EditResult, InstructionEditProvider, ProviderError
from .images import fit_for_upload, image_size
from .prompts import build_prompt
from .transport import Deadline, send_with_retry

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_MODEL = "gemini-2.5-flash-image"
PRICE_PER_IMAGE = Decimal("0.039")  # 1290 output tokens at $30 per million
#: Inline requests are limited to 20 MB in all; base64 grows the photo by a third.
MAX_INLINE_BYTES = 14 * 1024 * 1024
MAX_SIDE = 3072
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


def closest_aspect_ratio(width: int, height: int) -> str:
    """The supported aspect ratio nearest the photo's, so the result keeps its framing."""

    def distance(ratio: str) -> float:
        w, h = (int(n) for n in ratio.split(":"))
        return abs(w / h - width / height)

    return min(ASPECT_RATIOS, key=distance)


def error_message(response: httpx.Response) -> str:
    """Google API errors are {"error": {"code", "message", "status"}}."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    status = error.get("status") or f"HTTP {response.status_code}"
    return f"nano_banana: {error.get('message') or response.reason_phrase} ({status})"


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

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        """Synchronous API: nothing to report to `on_submitted`, nothing to cancel."""
        deadline = Deadline(timeout, self.name)
        url = f"{self.base_url}/v1beta/models/{self.model}:generateContent"
        body = self.request_body(request)
        headers = {"x-goog-api-key": self._api_key, "Content-Type": "application/json"}
        with httpx.Client() as client:
            response = send_with_retry(
                lambda left: client.post(url, json=body, headers=headers, timeout=left),
                deadline=deadline,
                error_message=error_message,
            )
        payload = response.json()
        image, mime = _result_image(payload)
        return EditResult(
            image=image,
            mime_type=mime,
            model=self.model,
            api_cost=PRICE_PER_IMAGE,
            provider_job_id=payload.get("responseId"),
        )

    def request_body(self, request: EditRequest) -> dict:
        image, mime, _ = fit_for_upload(
            request.image, request.mime_type, max_side=MAX_SIDE, max_bytes=MAX_INLINE_BYTES
        )
        text = build_prompt(request.edit_type, request.style, request.room, request.prompt)
        generation: dict = {
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": {"aspectRatio": closest_aspect_ratio(*image_size(image))},
        }
        if request.seed is not None:
            generation["seed"] = request.seed
        return {
            "contents": [
                {
                    "parts": [
                        {"text": text},
                        {"inlineData": {"mimeType": mime, "data": base64.b64encode(image).decode()}},
                    ]
                }
            ],
            "generationConfig": generation,
        }


def _result_image(payload: dict) -> tuple[bytes, str]:
    """The first inline image of the first candidate; a refusal becomes a ProviderError naming why."""
    reason = (payload.get("promptFeedback") or {}).get("blockReason")
    if reason:
        raise ProviderError(f"nano_banana: Gemini blocked the request ({reason})")
    candidates = payload.get("candidates") or []
    if not candidates:
        raise ProviderError("nano_banana: Gemini returned no candidate", retryable=True)
    candidate = candidates[0]
    parts = (candidate.get("content") or {}).get("parts") or []
    for part in parts:
        inline = part.get("inlineData") or part.get("inline_data")
        if inline and inline.get("data"):
            mime = inline.get("mimeType") or inline.get("mime_type") or "image/png"
            return base64.b64decode(inline["data"]), mime
    finish = candidate.get("finishReason")
    said = " ".join(part["text"].strip() for part in parts if part.get("text")).strip()
    why = (
        f"finish reason {finish}"
        if finish and finish != "STOP"
        else f"it said: {said[:200]}"
        if said
        else "no reason"
    )
    raise ProviderError(f"nano_banana: Gemini returned no image ({why})")
