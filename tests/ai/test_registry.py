"""Choosing and configuring providers from the worker's environment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stagefy_cli.ai.base import Provider, ProviderError, UnsupportedEdit
from stagefy_cli.ai.catalog import EDIT_TYPES, PROVIDERS
from stagefy_cli.ai.registry import choose_provider, default_provider_names, provider_from_env
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


def test_choose_provider_prefers_the_best_available_and_refuses_clearly():
    assert choose_provider("enhance", ["local"]) == "local"
    assert choose_provider("enhance", ["qwen", "local"]) == "qwen"
    assert choose_provider("virtual_staging", ["qwen", "replicate", "local"]) == "replicate"
    with pytest.raises(UnsupportedEdit, match="virtual_staging.*replicate, nano_banana, qwen"):
        choose_provider("virtual_staging", ["local"])
    with pytest.raises(UnsupportedEdit, match="unknown edit type"):
        choose_provider("recolour", ["local"])
