"""The provider registry: a new llm_client kind is one decorated factory."""

from __future__ import annotations

import asyncio

import pytest

from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.judges import (
    CallSettings,
    ClientRequest,
    FakeClient,
    _providers,
    judge_client,
    make_client,
    registered_clients,
)


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(_providers, "_PROVIDERS", dict(_providers._PROVIDERS))


def test_builtin_providers_are_registered():
    assert {"anthropic", "fake", "litellm", "local", "openai"} <= set(registered_clients())


def test_a_new_provider_is_one_function(registry, monkeypatch):
    seen = []

    @judge_client("my_gateway", key_env="MY_GATEWAY_API_KEY")
    def _gateway(request: ClientRequest):
        seen.append(request)
        return FakeClient(lambda messages, settings: "ok")

    monkeypatch.setenv("MY_GATEWAY_API_KEY", "sk-secret")
    client = make_client("My_Gateway", base_url="http://gw", judge_id="j")
    out = asyncio.run(
        client.complete([{"role": "user", "content": "x"}], settings=CallSettings(model="m"))
    )
    assert out.text == "ok"
    (req,) = seen
    assert (req.llm_client, req.api_key, req.api_key_env, req.base_url) == (
        "my_gateway",
        "sk-secret",
        "MY_GATEWAY_API_KEY",
        "http://gw",
    )
    assert "sk-secret" not in repr(req)
    assert "my_gateway" in registered_clients()


def test_missing_key_of_a_registered_provider_fails_before_any_call(registry, monkeypatch):
    judge_client("keyed", key_env="KEYED_API_KEY")(lambda request: FakeClient(lambda m, s: ""))
    monkeypatch.delenv("KEYED_API_KEY", raising=False)
    with pytest.raises(JudgeConfigError, match="KEYED_API_KEY"):
        make_client("keyed", judge_id="j")


def test_duplicate_and_empty_names_are_refused(registry):
    with pytest.raises(JudgeConfigError, match="already registered"):
        judge_client("openai")(lambda request: FakeClient(lambda m, s: ""))
    with pytest.raises(JudgeConfigError, match="non-empty"):
        judge_client("  ")
