"""Choosing and configuring providers from the worker's environment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from stagefy_testing import sql

from stagefy_cli.ai.base import Provider, ProviderError, UnsupportedEdit
from stagefy_cli.ai.catalog import EDIT_TYPES, PROVIDERS
from stagefy_cli.ai.registry import (
    choose,
    claim_routes,
    default_provider_names,
    provider_from_env,
    route_key,
)
from stagefy_cli.ai.replicate import DEFAULT_MODELS, Price


@pytest.mark.parametrize(
    ("name", "variable"),
    [("replicate", "REPLICATE_API_TOKEN"), ("qwen", "DASHSCOPE_API_KEY"), ("nano_banana", "GEMINI_API_KEY")],
)
def test_a_missing_token_names_the_variable(name, variable):
    with pytest.raises(ProviderError, match=variable):
        provider_from_env(name, {variable: "  "})


def test_every_provider_builds_from_its_token_and_speaks_the_protocol():
    env = {"REPLICATE_API_TOKEN": "r8_x", "DASHSCOPE_API_KEY": "sk-x", "GEMINI_API_KEY": "AIza-x"}
    for name in PROVIDERS:
        provider = provider_from_env(name, env)
        assert isinstance(provider, Provider) and provider.name == name
        assert all(provider.model_for(t) for t in EDIT_TYPES if provider.supports(t))


def test_unknown_provider():
    with pytest.raises(ProviderError, match="unknown provider 'dalle'"):
        provider_from_env("dalle", {})


def test_replicate_models_and_costs_are_overridable():
    env = {
        "REPLICATE_API_TOKEN": "r8_x",
        "STAGEFY_REPLICATE_MODEL_VIRTUAL_STAGING": "proplabs/virtual-staging",
        "STAGEFY_REPLICATE_COSTS": "proplabs/virtual-staging=0.002/s, google/nano-banana=0.04/run",
    }
    provider = provider_from_env("replicate", env)
    assert provider.model_for("virtual_staging") == "proplabs/virtual-staging"
    assert provider.model_for("declutter") == DEFAULT_MODELS["declutter"]
    assert provider.prices["proplabs/virtual-staging"].cost(10.0) == Decimal("0.02")
    assert provider.prices["google/nano-banana"] == Price(Decimal("0.04"), "run")
    with pytest.raises(ProviderError, match="STAGEFY_REPLICATE_COSTS"):
        provider_from_env(
            "replicate", {"REPLICATE_API_TOKEN": "r8_x", "STAGEFY_REPLICATE_COSTS": "a/b=3 dollars"}
        )


def test_default_provider_names_follow_the_tokens():
    assert default_provider_names({}) == ["local"]
    assert default_provider_names({"GEMINI_API_KEY": "k", "REPLICATE_API_TOKEN": ""}) == [
        "nano_banana",
        "local",
    ]


def test_choose_prefers_the_best_available_and_refuses_clearly():
    env = {"REPLICATE_API_TOKEN": "r8_x", "DASHSCOPE_API_KEY": "sk-x", "GEMINI_API_KEY": "AIza-x"}
    built = {name: provider_from_env(name, env) for name in PROVIDERS}

    def chosen(edit_type, names, requested=None):
        return choose(edit_type, requested, {name: built[name] for name in names}).name

    assert chosen("enhance", ["local"]) == "local"
    assert chosen("enhance", ["qwen", "local"]) == "qwen"
    assert chosen("virtual_staging", ["qwen", "replicate", "local"]) == "replicate"
    assert chosen("enhance", ["qwen", "local"], requested="local") == "local"
    # local cannot stage: it is chosen to say so in its own words (the job records model "none")
    assert chosen("virtual_staging", ["local"]) == "local"
    with pytest.raises(
        UnsupportedEdit, match="no configured provider can do virtual_staging.*replicate, nano_banana, qwen"
    ):
        chosen("virtual_staging", [])
    with pytest.raises(ProviderError, match="the qwen provider is not configured"):
        chosen("enhance", ["local"], requested="qwen")


def test_claim_routes_are_what_the_chooser_and_the_models_say():
    env = {"GEMINI_API_KEY": "AIza-x", "STAGEFY_GEMINI_MODEL": "gemini-x-image"}
    providers = {name: provider_from_env(name, env) for name in ("nano_banana", "local")}
    routes = claim_routes(providers, env)
    assert routes["edit:enhance"] == ["nano_banana", "gemini-x-image"]
    assert routes["edit:enhance:local"] == ["local", "stagefy/local-enhance-v1"]
    assert routes["edit:virtual_staging:local"] == ["local", "none"]
    assert "edit:enhance:qwen" not in routes  # not on this worker: the job keeps the server's choice
    assert "video_clip" not in routes
    replicate = {"replicate": provider_from_env("replicate", {"REPLICATE_API_TOKEN": "r8_x"})}
    assert claim_routes(replicate, {"STAGEFY_REPLICATE_MODEL_VIDEO": "owner/clip"})["video_clip"] == [
        "replicate",
        "owner/clip",
    ]
    assert "video_clip" not in claim_routes(replicate, {})  # the server's model stands


def test_what_a_queued_edit_shows_is_what_the_chooser_picks_with_every_provider(stack):
    env = {"REPLICATE_API_TOKEN": "r8_x", "DASHSCOPE_API_KEY": "sk-x", "GEMINI_API_KEY": "AIza-x"}
    routes = claim_routes({name: provider_from_env(name, env) for name in PROVIDERS}, env)
    rows = sql(
        stack,
        "select code, default_service::text, default_model from public.prices where code like 'edit:%%'",
    )
    assert {code: [service, model] for code, service, model in rows} == {
        route_key(edit_type): routes[route_key(edit_type)] for edit_type in EDIT_TYPES
    }
