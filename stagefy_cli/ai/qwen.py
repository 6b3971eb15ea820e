"""Qwen image edit through Alibaba Model Studio (DashScope): one synchronous HTTP call.

The photo goes as its signed URL when it fits the API's limits (384-3072 px a side, 10 MB), else
inline as a data URI, reduced when it is too large. The result is a URL (kept 24 h) fetched at once.

The instruction must fit 800 characters (the service cuts the rest without a word): it is built
to fit, and a wish that cannot is refused. `prompt_extend` stays off: it has a language model
rewrite the instruction, which may drop the sentences that keep the property as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx

from stagefy_cli.backend import tls

from .base import EditRequest, EditResult, InstructionEditProvider, ProviderError
from .images import data_uri, fit_for_upload, image_size, sniff_mime
from .prompts import PROMPT_LIMITS, PromptTooLong, build_prompt
from .transport import Deadline, download, http_error, send_with_retry

DEFAULT_BASE_URL = "https://dashscope-intl.aliyuncs.com"
GENERATION_PATH = "/api/v1/services/aigc/multimodal-generation/generation"
MODELS_PATH = "/compatible-mode/v1/models"
#: The dated snapshot of Qwen Image Edit Plus (Dec 2025): pinned, so results do not change under us.
DEFAULT_MODEL = "qwen-image-edit-plus-2025-12-15"
MODEL_ENV = "STAGEFY_QWEN_MODEL"
#: International price list, read 2026-12-06: qwen-image-edit-plus (and its snapshots) $0.03 an
#: image, qwen-image-edit-max $0.075. Configurable (STAGEFY_QWEN_PRICE) for other models or regions.
DEFAULT_PRICE_PER_IMAGE = Decimal("0.03")
MIN_SIDE, MAX_SIDE, MAX_BYTES = 384, 3072, 10 * 1024 * 1024
#: `size` ("W*H") of the plus and max models: each side 512 to 2048 px.
MIN_OUT, MAX_OUT = 512, 2048


def output_size(width: int, height: int) -> str:
    """The largest output the API makes at the photo's aspect ratio ("W*H", sides 512-2048): the
    price is per image, whatever its size."""
    scale = MAX_OUT / max(width, height)
    w, h = (max(MIN_OUT, min(MAX_OUT, round(side * scale))) for side in (width, height))
    return f"{w}*{h}"


def takes_size(model: str) -> bool:
    """Only the first model, plain qwen-image-edit, has neither `size` nor `n`."""
    return model != "qwen-image-edit"


def read_error(response: httpx.Response, model: str) -> ProviderError:
    """DashScope errors are {"code", "message", "request_id"}: the ProviderError each means."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") or f"HTTP {response.status_code}"
    message = body.get("message") or response.reason_phrase
    request_id = f", request {body['request_id']}" if body.get("request_id") else ""
    said = f"{message} ({code}{request_id})"
    lowered = message.lower()
    if (
        response.status_code == 404
        or code in ("ModelNotFound", "model_not_found")
        or ("model" in lowered and ("not exist" in lowered or "not found" in lowered))
    ):
        return ProviderError(
            f"qwen: Model Studio has no model {model!r} ({said}). Operator: set {MODEL_ENV} to a "
            f"current image edit model (default {DEFAULT_MODEL}) and restart the worker."
        )
    if code == "DataInspectionFailed":
        return ProviderError(
            f"qwen: Model Studio's content moderation refused the photo or the request ({said})"
        )
    if code.startswith("Throttling"):
        return http_error(response, f"qwen: rate limited ({said})")
    if code == "InvalidApiKey":
        return ProviderError(f"qwen: Model Studio refused the API key, DASHSCOPE_API_KEY ({said})")
    return http_error(response, f"qwen: {said}")


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
        with tls.client() as client:
            response = send_with_retry(
                lambda left: client.post(
                    self.base_url + GENERATION_PATH, json=body, headers=headers, timeout=left
                ),
                deadline=deadline,
                error=lambda r: read_error(r, self.model),
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

    def probe(self, timeout: float = 15) -> str:
        return probe_models(self.base_url, self._api_key, self.model, timeout)

    def request_body(self, request: EditRequest) -> dict:
        image, mime, changed = fit_for_upload(
            request.image, request.mime_type, max_side=MAX_SIDE, max_bytes=MAX_BYTES, min_side=MIN_SIDE
        )
        reference = request.image_url if request.image_url and not changed else data_uri(image, mime)
        try:
            text = build_prompt(
                request.edit_type,
                request.style,
                request.room,
                request.prompt,
                limit=PROMPT_LIMITS[self.name],
                provider=self.name,
            )
        except PromptTooLong as exc:
            raise ProviderError(f"{exc}; shorten the request to {exc.max_wish} characters") from exc
        parameters: dict = {"negative_prompt": " ", "watermark": False}
        if takes_size(self.model):
            parameters.update(n=1, size=output_size(*image_size(request.image)), prompt_extend=False)
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


def probe_models(base_url: str, api_key: str, model: str, timeout: float = 15) -> str:
    """A free check of the key: the model list of the OpenAI-compatible endpoint."""
    with tls.client() as client:
        response = send_with_retry(
            lambda left: client.get(
                base_url + MODELS_PATH, headers={"Authorization": f"Bearer {api_key}"}, timeout=left
            ),
            deadline=Deadline(timeout, "qwen"),
            error=lambda r: read_error(r, model),
        )
    listed = {item.get("id") for item in (response.json().get("data") or ()) if isinstance(item, dict)}
    if model in listed:
        return f"key accepted; model {model} listed"
    return f"key accepted; model {model} not in the model list (image models may be missing from it)"
