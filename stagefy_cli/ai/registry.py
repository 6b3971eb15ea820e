"""Building providers from the worker's environment, and choosing who runs each job.

Tokens are read from the environment only (never from a profile, a job row or the command line):

    REPLICATE_API_TOKEN   replicate     REPLICATE_BASE_URL, REPLICATE_POLL_INTERVAL,
                                        STAGEFY_REPLICATE_MODEL_<TYPE> (owner/name[:version]),
                                        STAGEFY_REPLICATE_COSTS ("owner/name=0.039/run,owner/x=0.0007/s")
    GEMINI_API_KEY        nano_banana   GEMINI_BASE_URL, STAGEFY_GEMINI_MODEL
    DASHSCOPE_API_KEY     qwen          DASHSCOPE_BASE_URL, STAGEFY_QWEN_MODEL, STAGEFY_QWEN_PRICE
    (none)                local
    STAGEFY_REPLICATE_MODEL_VIDEO       the image-to-video model of AI motion clips (replicate)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .base import Provider, ProviderError, UnsupportedEdit
from .catalog import EDIT_TYPES, PROVIDERS, TOKEN_ENV, providers_for

#: The operator's image-to-video model for AI motion clips, instead of the server's (prices.default_model).
CLIP_MODEL_ENV = "STAGEFY_REPLICATE_MODEL_VIDEO"


def provider_from_env(name: str, env: Mapping[str, str] = os.environ) -> Provider:
    """The provider `name`, configured from `env`; ProviderError when its token is missing."""
    if name not in PROVIDERS:
        raise ProviderError(f"unknown provider {name!r}; choose from {', '.join(PROVIDERS)}")
    if name == "local":
        from .local import LocalProvider

        return LocalProvider()
    token = env.get(TOKEN_ENV[name], "").strip()
    if not token:
        raise ProviderError(f"the {name} provider needs {TOKEN_ENV[name]} in the worker's environment")
    if name == "replicate":
        return _replicate(token, env)
    if name == "qwen":
        from .qwen import DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_PRICE_PER_IMAGE, QwenProvider

        return QwenProvider(
            token,
            base_url=env.get("DASHSCOPE_BASE_URL") or DEFAULT_BASE_URL,
            model=env.get("STAGEFY_QWEN_MODEL") or DEFAULT_MODEL,
            price_per_image=_decimal(env, "STAGEFY_QWEN_PRICE", DEFAULT_PRICE_PER_IMAGE),
        )
    from .nano_banana import DEFAULT_BASE_URL, DEFAULT_MODEL, NanoBananaProvider

    return NanoBananaProvider(
        token,
        base_url=env.get("GEMINI_BASE_URL") or DEFAULT_BASE_URL,
        model=env.get("STAGEFY_GEMINI_MODEL") or DEFAULT_MODEL,
    )


def _replicate(token: str, env: Mapping[str, str]) -> Provider:
    from .replicate import Price, ReplicateProvider

    models = {
        edit_type: env[key]
        for edit_type in EDIT_TYPES
        if (key := f"STAGEFY_REPLICATE_MODEL_{edit_type.upper()}") in env and env[key].strip()
    }
    prices = {}
    for item in filter(None, (part.strip() for part in env.get("STAGEFY_REPLICATE_COSTS", "").split(","))):
        model, _, price = item.partition("=")
        try:
            prices[model.strip()] = Price.parse(price)
        except (ValueError, InvalidOperation) as exc:
            raise ProviderError(f"STAGEFY_REPLICATE_COSTS: {exc}") from exc
    try:
        poll_interval = float(env.get("REPLICATE_POLL_INTERVAL") or 0.5)
    except ValueError as exc:
        raise ProviderError("REPLICATE_POLL_INTERVAL must be a number of seconds") from exc
    return ReplicateProvider(
        token,
        base_url=env.get("REPLICATE_BASE_URL") or None,
        models=models,
        prices=prices,
        poll_interval=poll_interval,
    )


def _decimal(env: Mapping[str, str], key: str, default: Decimal) -> Decimal:
    try:
        return Decimal(env[key]) if env.get(key) else default
    except InvalidOperation as exc:
        raise ProviderError(f"{key} must be a number of US dollars") from exc


def default_provider_names(env: Mapping[str, str] = os.environ) -> list[str]:
    """The providers this environment can run, in preference order; `local` always."""
    return [name for name in PROVIDERS if name == "local" or env.get(TOKEN_ENV[name], "").strip()]


def choose(edit_type: str, requested: str | None, providers: Mapping[str, Provider]) -> Provider:
    """The provider for an edit among `providers` (the worker's): the one the user asked for (the
    server checked it may be asked for), else the most preferred one that can do the type. The one
    place a provider is chosen: `claim_routes` records its answer at claim time and the edit
    handler runs it. ProviderError or UnsupportedEdit when none here can."""
    if requested:
        if requested not in providers:
            raise ProviderError(
                f"the {requested} provider is not configured on the worker that picked up this job."
            )
        return providers[requested]
    for name in providers_for(edit_type):
        if name in providers and providers[name].supports(edit_type):
            return providers[name]
    if "local" in providers:  # let the local provider say why it cannot, in its own words
        return providers["local"]
    able = ", ".join(providers_for(edit_type)) or "none"
    raise UnsupportedEdit(f"no configured provider can do {edit_type}; providers that can: {able}.")


def route_key(edit_type: str, requested: str | None = None) -> str:
    """The key of an edit in `claim_routes` (claim_jobs computes the same from the job's input)."""
    return f"edit:{edit_type}:{requested}" if requested else f"edit:{edit_type}"


def claim_routes(providers: Mapping[str, Provider], env: Mapping[str, str] = os.environ) -> dict:
    """Who runs each job this worker may claim, as claim_jobs records it in `ai_jobs.service` and
    `model`: route key -> [service, model] ("none": the provider refuses the type, and the job
    names who refused it). Jobs without a route keep what the server chose at submission."""
    routes: dict[str, list[str]] = {}
    for edit_type in EDIT_TYPES:
        for requested in (None, *PROVIDERS):
            try:
                provider = choose(edit_type, requested, providers)
            except (ProviderError, UnsupportedEdit):
                continue
            model = provider.model_for(edit_type) if provider.supports(edit_type) else "none"
            routes[route_key(edit_type, requested)] = [provider.name, model]
    clip_model = env.get(CLIP_MODEL_ENV, "").strip()
    if "replicate" in providers and clip_model:
        routes["video_clip"] = ["replicate", clip_model]
    return routes


def capabilities(providers: Mapping[str, Provider], routes: Mapping[str, list[str]]) -> list[str]:
    """What a worker with these providers and routes can run, as it tells the server
    (`register_worker`): the route keys of the edits it can do, and `video_clip` (AI motion) when
    it has the replicate provider. The server refuses, before charging, what no worker seen
    recently has."""
    able = {key for key, (_service, model) in routes.items() if key.startswith("edit:") and model != "none"}
    if "replicate" in providers:
        able.add("video_clip")
    return sorted(able)
