import asyncio
import json
import math
import random

import aiohttp
import pytest

import meta_evaluator.testing as testing_pkg
from meta_evaluator.errors import ConfigError
from meta_evaluator.testing import FAULT_KINDS, FakeLLMServer, default_answer, prompt_hash
from meta_evaluator.testing.server import parse_faults

SCHEMA = {
    "type": "object",
    "properties": {
        "rejection": {"type": "string", "enum": ["rejection", "not rejection"]},
        "explanation": {"type": "string"},
        "score": {"type": "number", "enum": [1, 2, 3]},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}},
    },
    "required": ["rejection", "explanation", "score", "tags"],
    "additionalProperties": False,
}


def chat_body(text, schema=SCHEMA):
    body = {
        "model": "m",
        "messages": [{"role": "system", "content": "judge"}, {"role": "user", "content": text}],
    }
    if schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "judgement", "schema": schema},
        }
    return body


async def post(session, url, body):
    async with session.post(url, json=body) as resp:
        return resp.status, dict(resp.headers), await resp.json()


def test_public_api():
    assert sorted(testing_pkg.__all__) == testing_pkg.__all__
    public = {
        n
        for n, v in vars(testing_pkg).items()
        if not n.startswith("_") and not isinstance(v, type(testing_pkg))
    }
    assert set(testing_pkg.__all__) == public


def check_answer(answer):
    assert answer["rejection"] in ("rejection", "not rejection")
    assert isinstance(answer["explanation"], str) and answer["explanation"]
    assert answer["score"] in (1, 2, 3)
    assert set(answer["tags"]) <= {"a", "b", "c"}


async def test_openai_structured_answer_is_schema_derived_and_deterministic():
    async with FakeLLMServer() as server, aiohttp.ClientSession() as s:
        url = server.base_url + "/chat/completions"
        status, _, body = await post(s, url, chat_body("prompt one"))
        assert status == 200
        text = body["choices"][0]["message"]["content"]
        check_answer(json.loads(text))
        assert json.loads(text) == default_answer("prompt one", SCHEMA)
        assert body["usage"]["prompt_tokens"] > 0 and body["usage"]["completion_tokens"] > 0
        _, _, again = await post(s, url, chat_body("prompt one"))
        assert again["choices"][0]["message"]["content"] == text
        assert server.successful_calls() == {prompt_hash("prompt one"): 2}


async def test_plain_text_request_gets_json_in_prose():
    async with FakeLLMServer(default_schema=SCHEMA) as server, aiohttp.ClientSession() as s:
        _, _, body = await post(s, server.base_url + "/chat/completions", chat_body("x", None))
        text = body["choices"][0]["message"]["content"]
        assert text.startswith("Here is my verdict: {")
        start, end = text.index("{"), text.rindex("}") + 1
        check_answer(json.loads(text[start:end]))


async def test_plain_text_request_finds_schema_in_prompt():
    prompt = "Answer with JSON matching this schema: " + json.dumps(SCHEMA) + "\nText: hi"
    async with FakeLLMServer() as server, aiohttp.ClientSession() as s:
        _, _, body = await post(s, server.base_url + "/chat/completions", chat_body(prompt, None))
        text = body["choices"][0]["message"]["content"]
        check_answer(json.loads(text[text.index("{") : text.rindex("}") + 1]))


async def test_anthropic_forced_tool_and_text():
    req = {
        "model": "claude",
        "max_tokens": 100,
        "system": "judge",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
        "tools": [{"name": "judgement", "input_schema": SCHEMA}],
        "tool_choice": {"type": "tool", "name": "judgement"},
    }
    async with FakeLLMServer() as server, aiohttp.ClientSession() as s:
        status, _, body = await post(s, server.anthropic_base_url + "/v1/messages", req)
        assert status == 200 and body["stop_reason"] == "tool_use"
        block = body["content"][0]
        assert block["type"] == "tool_use" and block["name"] == "judgement"
        assert block["input"] == default_answer("hello", SCHEMA)
        del req["tools"], req["tool_choice"]
        _, _, body = await post(s, server.anthropic_base_url + "/v1/messages", req)
        assert body["content"][0]["type"] == "text"
    assert server.request_log[0].prompt_hash == prompt_hash("hello")


async def test_custom_answer_callable():
    seen = []

    def answer(prompt_text, schema):
        seen.append((prompt_text, schema))
        return '{"rejection": "rejection"}'

    async with FakeLLMServer(answer=answer) as server, aiohttp.ClientSession() as s:
        _, _, body = await post(s, server.base_url + "/chat/completions", chat_body("abc"))
    assert body["choices"][0]["message"]["content"] == '{"rejection": "rejection"}'
    assert seen == [("abc", SCHEMA)]


def expected_outcomes(seed, rates, n):
    # Independent re-draw: one uniform per request, faults in FAULT_KINDS order.
    rng = random.Random(seed)
    counts = dict.fromkeys(["ok", *FAULT_KINDS], 0)
    for _ in range(n):
        u, acc, outcome = rng.random(), 0.0, "ok"
        for kind in FAULT_KINDS:
            acc += rates.get(kind, 0.0)
            if u < acc:
                outcome = kind
                break
        counts[outcome] += 1
    return {k: v for k, v in counts.items() if v}


async def run_requests(server, n):
    sem = asyncio.Semaphore(64)
    async with aiohttp.ClientSession() as s:

        async def one(i):
            async with (
                sem,
                s.post(server.base_url + "/chat/completions", json=chat_body(f"p{i}")) as resp,
            ):
                return resp.status, resp.headers.get("Retry-After"), await resp.text()

        return await asyncio.gather(*(one(i) for i in range(n)))


async def test_fault_rates_reproducible_over_1000_requests():
    rates = {"429": 0.10, "500": 0.05, "malformed": 0.05, "hang": 0.02}
    n = 1000
    server = FakeLLMServer(fault_rates=rates, hang_s=0.0, retry_after_s=0.25, seed=7)
    async with server:
        results = await run_requests(server, n)
    counts = server.outcome_counts()
    assert counts == expected_outcomes(7, rates, n)
    # roughly honoured: each count within 4 binomial standard deviations of n*p
    for kind, p in rates.items():
        assert abs(counts.get(kind, 0) - n * p) < 4 * math.sqrt(n * p * (1 - p)), kind
    statuses = [r[0] for r in results]
    assert statuses.count(429) == counts["429"] and statuses.count(500) == counts["500"]
    assert all(r[1] == "0.25" for r in results if r[0] == 429)
    malformed = [
        r[2]
        for r in results
        if r[0] == 200 and not json.loads(r[2])["choices"][0]["message"]["content"].startswith("{")
    ]
    assert len(malformed) == counts["malformed"]
    for raw in malformed:
        text = json.loads(raw)["choices"][0]["message"]["content"].lower()
        assert "rejection" not in text and "{" not in text
    assert sum(server.successful_calls().values()) == counts["ok"]
    # same seed -> same counts
    again = FakeLLMServer(fault_rates=rates, hang_s=0.0, seed=7)
    async with again:
        await run_requests(again, n)
    assert again.outcome_counts() == counts


async def test_hang_waits_before_answering():
    async with (
        FakeLLMServer(fault_rates={"hang": 1.0}, hang_s=0.2) as server,
        aiohttp.ClientSession() as s,
    ):
        status, _, _ = await post(s, server.base_url + "/chat/completions", chat_body("h"))
    assert status == 200
    assert [r.outcome for r in server.request_log] == ["hang"]
    assert server.successful_calls() == {}


async def test_no_retry_after_header_when_disabled():
    async with (
        FakeLLMServer(fault_rates={"429": 1.0}, retry_after_s=None) as server,
        aiohttp.ClientSession() as s,
    ):
        status, headers, body = await post(s, server.base_url + "/chat/completions", chat_body("h"))
    assert status == 429 and "Retry-After" not in headers
    assert body["error"]["type"] == "rate_limit_error"


async def test_bad_request_health_embeddings_and_auth():
    async with FakeLLMServer(require_api_key="k1") as server, aiohttp.ClientSession() as s:
        async with s.get(server.root_url + "/health") as resp:
            assert resp.status == 200
        async with s.post(
            server.base_url + "/chat/completions",
            data=b"not json",
            headers={"Authorization": "Bearer k1"},
        ) as resp:
            assert resp.status == 400
        status, _, _ = await post(s, server.base_url + "/chat/completions", chat_body("a"))
        assert status == 401
        async with s.post(
            server.base_url + "/embeddings",
            json={"input": ["a", "b", "a"]},
            headers={"Authorization": "Bearer k1"},
        ) as resp:
            data = (await resp.json())["data"]
    vecs = [d["embedding"] for d in data]
    assert len(vecs[0]) == 16 and vecs[0] == vecs[2] and vecs[0] != vecs[1]
    assert sum(v * v for v in vecs[1]) == pytest.approx(1.0, abs=1e-12)
    assert [r.outcome for r in server.request_log] == ["400", "401", "ok"]


def test_sync_usage_and_restart_safe():
    server = FakeLLMServer().start()
    try:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert "127.0.0.1" in repr(server)
    finally:
        server.stop()
        server.stop()
    with pytest.raises(RuntimeError):
        _ = server.port


@pytest.mark.parametrize("rates", [{"404": 0.1}, {"429": 0.7, "500": 0.5}, {"hang": -0.1}])
def test_bad_fault_rates(rates):
    with pytest.raises(ConfigError):
        FakeLLMServer(fault_rates=rates)


def test_parse_faults():
    assert parse_faults("429=0.1, 500=0.05") == {"429": 0.1, "500": 0.05}
    with pytest.raises(Exception, match="KIND=RATE"):
        parse_faults("oops")
