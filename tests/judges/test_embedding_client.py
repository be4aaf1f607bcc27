"""Async embeddings client: batching, retries on 429/500, key errors; against the fake server."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import numpy as np
import pytest

from meta_evaluator.errors import JudgeCallError
from meta_evaluator.judges._embedding_client import OpenAIEmbeddingClient, embed_texts_async
from meta_evaluator.testing import FakeLLMServer

TEXTS = [f"text number {i}" for i in range(23)]


def _reference(server, texts):
    req = urllib.request.Request(
        server.base_url + "/embeddings",
        data=json.dumps({"model": "m", "input": texts}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    with urllib.request.urlopen(req) as r:
        return np.array([d["embedding"] for d in json.load(r)["data"]])


def _embed(server, **kw):
    client = OpenAIEmbeddingClient(api_key="sk-test-key-123", base_url=server.base_url)

    async def go():
        try:
            return await embed_texts_async(client, TEXTS, model="m", **kw)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_batches_come_back_in_input_order():
    with FakeLLMServer() as server:
        got = _embed(server, batch_size=5, max_concurrency=3)
        ref = _reference(server, TEXTS)
        n_requests = sum(r.endpoint == "embeddings" for r in server.request_log)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, atol=1e-12)
    assert n_requests == 5 + 1  # ceil(23 / 5) batches + the reference request


def test_429_and_500_are_retried_with_backoff():
    with FakeLLMServer(
        fault_rates={"429": 0.3, "500": 0.2}, embedding_faults=True, seed=3, retry_after_s=0.01
    ) as server:
        got = _embed(server, batch_size=2, max_retries=20, backoff_base_s=0.01, backoff_max_s=0.02)
        outcomes = [r.outcome for r in server.request_log if r.endpoint == "embeddings"]
        server.embedding_faults = False
        ref = _reference(server, TEXTS)
    assert "429" in outcomes and "500" in outcomes
    assert outcomes.count("ok") == 12  # ceil(23 / 2) batches finally succeeded
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_exhausted_retries_and_bad_keys_raise_without_the_key():
    with (
        FakeLLMServer(fault_rates={"500": 1.0}, embedding_faults=True) as server,
        pytest.raises(JudgeCallError, match="500") as info,
    ):
        _embed(server, max_retries=1, backoff_base_s=0.001, backoff_max_s=0.001)
    assert "sk-test-key-123" not in str(info.value)
    with (
        FakeLLMServer(require_api_key="other") as server,
        pytest.raises(JudgeCallError, match="401") as info,
    ):
        _embed(server, max_retries=3)
    assert not info.value.retryable
