"""Building providers from the worker's environment and choosing one per job.

Tokens are read from the environment only (never from a profile, a job row or the command line):

    REPLICATE_API_TOKEN   replicate     REPLICATE_BASE_URL, REPLICATE_POLL_INTERVAL,
                                        STAGEFY_REPLICATE_MODEL_<TYPE> (owner/name[:version]),
                                        STAGEFY_REPLICATE_COSTS ("owner/name=0.039/run,owner/x=0.0007/s")
    GEMINI_API_KEY        nano_banana   GEMINI_BASE_URL, STAGEFY_GEMINI_MODEL
    DASHSCOPE_API_KEY     qwen          DASHSCOPE_BASE_URL, STAGEFY_QWEN_MODEL, STAGEFY_QWEN_PRICE
    (none)                local
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .base import Provider, ProviderError, UnsupportedEdit
from .catalog import EDIT_TYPES, PROVIDERS, TOKEN_ENV, providers_for


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


def choose_provider(edit_type: str, available: list[str]) -> str:
    """The preferred provider for `edit_type` among `available`, else UnsupportedEdit."""
    if edit_type not in EDIT_TYPES:
        raise UnsupportedEdit(f"unknown edit type {edit_type!r}; choose from {', '.join(EDIT_TYPES)}")
    for name in providers_for(edit_type):
        if name in available:
            return name
    able = providers_for(edit_type)
    tokens = " / ".join(TOKEN_ENV[name] for name in able if name in TOKEN_ENV)
    have = ", ".join(available) or "none"
    raise UnsupportedEdit(
        f"no available provider can do {edit_type} (available: {have}); it needs {', '.join(able)}: "
        f"give the worker {tokens}"
    )
