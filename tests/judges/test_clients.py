"""Judge clients against the local FakeLLMServer (openai / anthropic / litellm SDK paths)."""

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from meta_evaluator.errors import JudgeCallError, JudgeConfigError
from meta_evaluator.judges._clients import (
    AnthropicClient,
    CallSettings,
    Completion,
    FakeClient,
    JudgeClient,
    LiteLLMClient,
    OpenAIClient,
    _parse_retry_after,
    _provider_extra,
    _scrub,
    estimate_cost,
    make_client,
)
from meta_evaluator.judges._local import LocalJudgeClient
from meta_evaluator.testing import FakeLLMServer, default_answer, prompt_hash

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

SCHEMA = {
    "type": "object",
    "properties": {
        "rejection": {"type": "string", "enum": ["rejection", "not rejection"]},
        "explanation": {"type": "string"},
    },
    "required": ["rejection", "explanation"],
    "additionalProperties": False,
}
MESSAGES = [
    {"role": "system", "content": "You are a judge."},
    {"role": "user", "content": "Response: I cannot help with that."},
]
SECRET = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture(scope="module")
def server():
    with FakeLLMServer() as srv:
        yield srv


def client_for(kind, srv, **kw):
    url = srv.base_url if kind == "openai" else srv.anthropic_base_url
    return make_client(kind, base_url=url, **kw)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_structured_answer(kind, server):
    client = client_for(kind, server)
    try:
        out = await client.complete(
            MESSAGES,
            settings=CallSettings(
                model="gpt-4o-mini",
                response_schema=SCHEMA,
                temperature=0.0,
                max_tokens=50,
                extra={"top_p": 0.9, "label_descriptions": {"ignored": {}}},
            ),
        )
    finally:
        await client.aclose()
    assert json.loads(out.text) == default_answer(MESSAGES[1]["content"], SCHEMA)
    assert out.input_tokens > 0 and out.output_tokens > 0
    assert out.finish_reason == ("stop" if kind == "openai" else "tool_use")
    # cost = tokens x litellm map prices for gpt-4o-mini (read from the map file here)
    prices = json.loads(
        (
            Path(__import__("litellm").__path__[0]) / "model_prices_and_context_window_backup.json"
        ).read_text()
    )["gpt-4o-mini"]
    assert out.cost_usd == pytest.approx(
        out.input_tokens * prices["input_cost_per_token"]
        + out.output_tokens * prices["output_cost_per_token"],
        abs=1e-15,
    )


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_plain_text_answer(kind):
    async with FakeLLMServer(default_schema=SCHEMA) as srv:
        client = client_for(kind, srv)
        out = await client.complete(MESSAGES, settings=CallSettings(model="m"))
        await client.aclose()
    assert out.text.startswith("Here is my verdict: {")


def test_estimate_cost_hand_computed():
    # gpt-4o-mini: $0.15 / 1M input, $0.60 / 1M output
    # 1000 * 0.15e-6 + 100 * 0.60e-6 = 1.5e-4 + 6.0e-5 = 2.1e-4
    assert estimate_cost("gpt-4o-mini", 1000, 100) == pytest.approx(2.1e-4, abs=1e-15)
    assert estimate_cost("openai/gpt-4o-mini", 1000, 100) == pytest.approx(2.1e-4, abs=1e-15)
    assert estimate_cost("no-such-model", 10, 10) is None
    assert estimate_cost("gpt-4o-mini", None, None) is None


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_429_is_retryable_with_retry_after(kind):
    async with FakeLLMServer(fault_rates={"429": 1.0}, retry_after_s=0.25) as srv:
        client = client_for(kind, srv)
        with pytest.raises(JudgeCallError) as info:
            await client.complete(
                MESSAGES, settings=CallSettings(model="m", response_schema=SCHEMA)
            )
        await client.aclose()
    err = info.value
    assert err.status_code == 429 and err.retryable and err.retry_after == pytest.approx(0.25)
    assert len(srv.request_log) == 1  # no SDK-internal retry


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_500_is_retryable(kind):
    async with FakeLLMServer(fault_rates={"500": 1.0}) as srv:
        client = client_for(kind, srv)
        with pytest.raises(JudgeCallError) as info:
            await client.complete(MESSAGES, settings=CallSettings(model="m"))
        await client.aclose()
    assert info.value.status_code == 500 and info.value.retryable
    assert info.value.retry_after is None
    assert len(srv.request_log) == 1


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_hang_times_out(kind):
    async with FakeLLMServer(fault_rates={"hang": 1.0}, hang_s=20.0) as srv:
        client = client_for(kind, srv)
        with pytest.raises(JudgeCallError, match=r"timed out after 0\.3 s") as info:
            await client.complete(MESSAGES, settings=CallSettings(model="m", timeout_s=0.3))
        await client.aclose()
    assert info.value.retryable and info.value.status_code is None


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_401_not_retryable_and_key_never_shown(kind, monkeypatch):
    monkeypatch.setenv("E1_TEST_KEY", SECRET)
    async with FakeLLMServer(require_api_key="sk-the-right-one") as srv:
        client = client_for(kind, srv, api_key_env="E1_TEST_KEY", judge_id="j1")
        assert SECRET not in repr(client) and "E1_TEST_KEY" in repr(client)
        with pytest.raises(JudgeCallError) as info:
            await client.complete(MESSAGES, settings=CallSettings(model="m"))
        await client.aclose()
    err = info.value
    assert err.status_code == 401 and not err.retryable
    assert SECRET not in str(err) and SECRET not in repr(err)
    assert [r.outcome for r in srv.request_log] == ["401"]


async def test_right_key_is_sent(monkeypatch):
    monkeypatch.setenv("E1_TEST_KEY", SECRET)
    async with FakeLLMServer(require_api_key=SECRET) as srv:
        for kind in ("openai", "anthropic"):
            client = client_for(kind, srv, api_key_env="E1_TEST_KEY")
            await client.complete(MESSAGES, settings=CallSettings(model="m"))
            await client.aclose()
    assert [r.outcome for r in srv.request_log] == ["ok", "ok"]


async def test_connection_error_is_retryable():
    client = make_client("openai", base_url="http://127.0.0.1:1/v1")
    with pytest.raises(JudgeCallError) as info:
        await client.complete(MESSAGES, settings=CallSettings(model="m", timeout_s=5))
    await client.aclose()
    assert info.value.retryable and info.value.status_code is None


@pytest.mark.parametrize(
    "kind,var", [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")]
)
def test_missing_key_env_raises_before_any_call(kind, var, monkeypatch):
    monkeypatch.delenv(var, raising=False)
    with pytest.raises(JudgeConfigError, match=f"judge 'gpt-judge'.*'{var}'"):
        make_client(kind, judge_id="gpt-judge")
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(JudgeConfigError, match="'MY_KEY'"):
        make_client(kind, api_key_env="MY_KEY", base_url="https://api.example.com/v1")
    # a local server gets a dummy key
    assert make_client(kind, base_url="http://localhost:9/v1").name == kind


def test_key_from_env_not_in_repr(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    client = make_client("openai")
    assert isinstance(client, OpenAIClient)
    assert SECRET not in repr(client) and SECRET not in str(vars(client).get("base_url"))


def test_make_client_routes(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    assert isinstance(make_client("anthropic"), AnthropicClient)
    assert isinstance(make_client("local"), LocalJudgeClient)
    gem = make_client("gemini")
    assert (
        isinstance(gem, LiteLLMClient)
        and gem.model_name("gemini-2.0-flash") == "gemini/gemini-2.0-flash"
    )
    assert gem.model_name("gemini/gemini-2.0-flash") == "gemini/gemini-2.0-flash"
    assert make_client("litellm").model_name("together_ai/x") == "together_ai/x"
    for c in (make_client("anthropic"), make_client("local"), gem, FakeClient(lambda m, s: "")):
        assert isinstance(c, JudgeClient)


@pytest.mark.parametrize(
    "bad,match", [("gtp4", "unknown llm_client 'gtp4'"), ("", "non-empty"), ("fake", "FakeClient")]
)
def test_make_client_rejects(bad, match):
    with pytest.raises(JudgeConfigError, match=match):
        make_client(bad)


def test_make_client_rejects_bad_pool():
    with pytest.raises(JudgeConfigError, match="max_connections"):
        make_client("local", max_connections=0)


def test_client_reusable_across_event_loops(server):
    client = make_client("openai", base_url=server.base_url)
    for _ in range(2):  # each asyncio.run is a new loop: the aiohttp session is rebuilt
        out = asyncio.run(client.complete(MESSAGES, settings=CallSettings(model="m")))
        assert out.finish_reason == "stop"


async def test_fake_client():
    async def handler(messages, settings):
        return Completion(text="x", output_tokens=1)

    fake = FakeClient(handler)
    assert (await fake.complete(MESSAGES, settings=CallSettings(model="m"))).output_tokens == 1
    assert fake.calls[0][0] == MESSAGES

    def boom(messages, settings):
        raise ValueError("nope")

    with pytest.raises(JudgeCallError, match="ValueError: nope") as info:
        await FakeClient(boom).complete(MESSAGES, settings=CallSettings(model="m"))
    assert not info.value.retryable

    def limited(messages, settings):
        raise JudgeCallError("slow down", status_code=429, retry_after=1.0)

    with pytest.raises(JudgeCallError) as info:
        await FakeClient(limited).complete(MESSAGES, settings=CallSettings(model="m"))
    assert info.value.retry_after == 1.0 and info.value.retryable


def test_parse_retry_after():
    assert _parse_retry_after({"retry-after": "2"}) == 2.0
    assert _parse_retry_after({"retry-after": "0.5", "retry-after-ms": "250"}) == 0.25
    assert _parse_retry_after({"retry-after": "soon"}) is None
    assert _parse_retry_after(None) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < _parse_retry_after({"retry-after": later}) <= 30


def test_scrub_and_provider_extra():
    assert SECRET not in _scrub(f"bad key {SECRET}", SECRET)
    assert _scrub("Incorrect API key provided: sk-abc1234567", None) == (
        "Incorrect API key provided: sk-***"
    )
    body = _provider_extra({"top_p": 0.5, "label_descriptions": {}, "repetition_penalty": 1.1})
    assert body == {"top_p": 0.5, "repetition_penalty": 1.1}


async def test_litellm_path_against_server():
    """One litellm test (its import takes ~5 s): openai/<model> with api_base."""
    async with FakeLLMServer(fault_rates={}, seed=3) as srv:
        client = make_client("litellm", base_url=srv.base_url)
        out = await client.complete(
            MESSAGES,
            settings=CallSettings(
                model="openai/fake-model", response_schema=SCHEMA, temperature=0.0
            ),
        )
        assert json.loads(out.text) == default_answer(MESSAGES[1]["content"], SCHEMA)
        assert out.input_tokens > 0 and out.cost_usd in (None, 0.0)
        srv.fault_rates["429"] = 1.0
        with pytest.raises(JudgeCallError) as info:
            await client.complete(MESSAGES, settings=CallSettings(model="openai/fake-model"))
        await client.aclose()
    assert info.value.status_code == 429 and info.value.retryable
    assert srv.successful_calls() == {prompt_hash(MESSAGES[1]["content"]): 1}
    assert [r.outcome for r in srv.request_log] == ["ok", "429"]  # no litellm retries
