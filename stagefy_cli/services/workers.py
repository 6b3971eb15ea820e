"""Assemble a Worker from the environment: service-role client, providers with tokens."""

from __future__ import annotations

import os

from stagefy_cli.errors import UsageError


def load_providers(names: list[str] | None, env=os.environ) -> dict:
    from stagefy_cli.ai.registry import default_provider_names, provider_from_env

    chosen = names or default_provider_names(env)
    return {name: provider_from_env(name, env) for name in chosen}


def build_worker(
    *,
    providers: str | None = None,
    concurrency: int = 4,
    lease_seconds: int = 120,
    grace: float = 30.0,
    client=None,
    url=None,
):
    from stagefy_cli.ai.catalog import PROVIDERS
    from stagefy_cli.backend.client import resolve_endpoint, service_client
    from stagefy_cli.backend.config import current_profile
    from stagefy_cli.worker import Worker, WorkerConfig, is_public_url

    names = [p.strip() for p in providers.split(",") if p.strip()] if providers else None
    unknown = [name for name in names or () if name not in PROVIDERS]
    if unknown:
        raise UsageError(
            f"unknown provider(s) for --providers: {', '.join(unknown)}. Choose from: {', '.join(PROVIDERS)}."
        )
    loaded = load_providers(names)
    if not loaded:
        raise UsageError("no providers to run jobs with.")
    client = client or service_client()
    url = url or resolve_endpoint(current_profile()).url
    config = WorkerConfig(concurrency=concurrency, lease_seconds=lease_seconds, grace=grace)
    return Worker(client, loaded, config, public_api=is_public_url(url))
