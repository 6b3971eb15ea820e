"""Assemble a Worker from the environment: the thin client as the service role, providers with tokens."""

from __future__ import annotations

import os

from stagefy_cli.errors import FieldError, UsageError, require_extras


def load_providers(names: list[str] | None, env=os.environ) -> dict:
    from stagefy_cli.ai.registry import default_provider_names, provider_from_env

    chosen = names or default_provider_names(env)
    return {name: provider_from_env(name, env) for name in chosen}


def check_providers(names: list[str] | None = None, env=os.environ) -> list[dict]:
    """Probe each provider cheaply (a model lookup: no edit, nothing billed): is its token accepted,
    does its configured model exist? One row per provider: provider, ok, model, detail."""
    from stagefy_cli.ai.base import ProviderError
    from stagefy_cli.ai.catalog import EDIT_TYPES, PROVIDERS
    from stagefy_cli.ai.registry import default_provider_names, provider_from_env

    unknown = [name for name in names or () if name not in PROVIDERS]
    if unknown:
        raise UsageError(f"unknown provider(s): {', '.join(unknown)}. Choose from: {', '.join(PROVIDERS)}.")
    rows = []
    for name in names or default_provider_names(env):
        row = {"provider": name, "ok": False, "model": None, "detail": ""}
        try:
            provider = provider_from_env(name, env)
            models = {provider.model_for(t) for t in EDIT_TYPES if provider.supports(t)}
            row["model"] = ", ".join(sorted(models))
            probe = getattr(provider, "probe", None)
            row["detail"] = probe() if probe else "built in: nothing to reach"
            row["ok"] = True
        except ProviderError as exc:
            row["detail"] = exc.message
        rows.append(row)
    return rows


def resolve_users(client, users: list[str]) -> list[str]:
    """The ids of `users` (emails or user ids, in any mix), read from `public.users` with a
    service-role client; UsageError naming those that match nobody."""
    keys = {value: _user_key(value) for value in users}
    ids = [key for key in keys.values() if "@" not in key]
    emails = [key for key in keys.values() if "@" in key]
    found: dict[str, str] = {}
    if ids:
        for row in client.table("users").select("id").in_("id", ids).execute().data:
            found[row["id"]] = row["id"]
    if emails:
        for row in client.table("users").select("id,email").in_("email", emails).execute().data:
            found[row["email"].lower()] = row["id"]
    missing = [value for value, key in keys.items() if key not in found]
    if missing:
        raise FieldError(f"{{users}}: no user has the email or id {', '.join(missing)}.", "users")
    return list(dict.fromkeys(found[key] for key in keys.values()))


def _user_key(value: str) -> str:
    """A user id in its canonical form, or an email in lower case."""
    import uuid

    value = value.strip()
    if "@" in value:
        return value.lower()
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FieldError(f"{{users}} takes an email or a user id, not {value!r}.", "users") from None


def build_worker(
    *,
    providers: str | None = None,
    users: list[str] | None = None,
    concurrency: int = 4,
    lease_seconds: int = 120,
    grace: float = 30.0,
    client=None,
):
    """A Worker with the chosen providers; `client` is a service-role thin client
    (`backend.client.service_rest`), by default the active profile's (`worker_client`)."""
    require_extras("the worker", "worker")  # it renders templates and videos, whatever its providers
    from stagefy_cli.ai.catalog import PROVIDERS
    from stagefy_cli.backend.client import worker_client
    from stagefy_cli.worker import Worker, WorkerConfig, is_public_url

    names = [p.strip() for p in providers.split(",") if p.strip()] if providers else None
    unknown = [name for name in names or () if name not in PROVIDERS]
    if unknown:
        raise FieldError(
            f"unknown provider(s) for {{providers}}: {', '.join(unknown)}. Choose from: {', '.join(PROVIDERS)}.",
            "providers",
        )
    loaded = load_providers(names)
    if not loaded:
        raise UsageError("no providers to run jobs with.")
    client = client or worker_client()
    config = WorkerConfig(
        concurrency=concurrency,
        lease_seconds=lease_seconds,
        grace=grace,
        user_ids=tuple(resolve_users(client, users)) if users else None,
    )
    return Worker(client, loaded, config, public_api=is_public_url(client.wire.base_url))
