"""Qwen image edit through Alibaba Model Studio (DashScope): one synchronous HTTP call.

The photo goes as its signed URL when it fits the API's limits (384-3072 px a side, 10 MB), else
inline as a data URI, reduced when it is too large. The result is a URL (kept 24 h) fetched at once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx

from .base import EditRequest, EditResult, InstructionEditProvider, ProviderError
from .images import data_uri, fit_for_upload, sniff_mime
from .prompts import build_prompt
from .transport import Deadline, download, send_with_retry

DEFAULT_BASE_URL = "https://dashscope-intl.aliyuncs.com"
GENERATION_PATH = "/api/v1/services/aigc/multimodal-generation/generation"
DEFAULT_MODEL = "qwen-image-edit-plus"
#: Third-party quotes range from $0.025 to $0.05 per image (unverified): configurable.
DEFAULT_PRICE_PER_IMAGE = Decimal("0.035")
MIN_SIDE, MAX_SIDE, MAX_BYTES = 384, 3072, 10 * 1024 * 1024


def error_message(response: httpx.Response) -> str:
    """DashScope errors are {"code", "message", "request_id"}."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") or f"HTTP {response.status_code}"
    message = body.get("message") or response.reason_phrase
    request_id = f", request {body['request_id']}" if body.get("request_id") else ""
    return f"qwen: {message} ({code}{request_id})"


class QwenProvider(InstructionEditProvider):
    name = "qwen"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        model: str = DEFAULT_MODEL,
        price_per_image: Decimal = DEFAULT_PRICE_PER_IMAGE,
    ):
        super().__init__(api_key, base_url=base_url, model=model)
        self.price_per_image = price_per_image

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        """Synchronous API: nothing to report to `on_submitted`, nothing to cancel."""
        deadline = Deadline(timeout, self.name)
        body = self.request_body(request)
        headers = {"Authorization": f"Bearer {self._api_key}", "Content-Type": "application/json"}
        with httpx.Client() as client:
            response = send_with_retry(
                lambda left: client.post(
                    self.base_url + GENERATION_PATH, json=body, headers=headers, timeout=left
                ),
                deadline=deadline,
                error_message=error_message,
            )
            payload = response.json()
            url = _result_url(payload)
            data = download(client, url, deadline=deadline)
        count = (payload.get("usage") or {}).get("image_count") or 1
        return EditResult(
            image=data,
            mime_type=sniff_mime(data),
            model=self.model,
            api_cost=self.price_per_image * count,
            provider_job_id=payload.get("request_id"),
        )

    def request_body(self, request: EditRequest) -> dict:
        image, mime, changed = fit_for_upload(
            request.image, request.mime_type, max_side=MAX_SIDE, max_bytes=MAX_BYTES, min_side=MIN_SIDE
        )
        reference = request.image_url if request.image_url and not changed else data_uri(image, mime)
        text = build_prompt(request.edit_type, request.style, request.room, request.prompt)
        parameters: dict = {"negative_prompt": " ", "watermark": False}
        if self.model.endswith("-plus"):
            parameters["n"] = 1
        if request.seed is not None:
            parameters["seed"] = request.seed
        return {
            "model": self.model,
            "input": {"messages": [{"role": "user", "content": [{"image": reference}, {"text": text}]}]},
            "parameters": parameters,
        }


def _result_url(payload: dict) -> str:
    try:
        content = payload["output"]["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ProviderError("qwen: the answer has no result image", retryable=True) from exc
    for part in content:
        if isinstance(part, dict) and part.get("image"):
            return part["image"]
    raise ProviderError("qwen: the answer has no result image", retryable=True)
