"""Async OpenAI(-compatible) embeddings, with the judge runs' retry and limit machinery.

:class:`OpenAIEmbeddingClient` is the embeddings twin of
:class:`~meta_evaluator.judges._sdk_clients.OpenAIClient` (``AsyncOpenAI`` on the aiohttp
transport, SDK retries off, every failure a :class:`~meta_evaluator.errors.JudgeCallError`, the
key never in a message). :func:`embed_texts_async` batches the texts, runs at most
``max_concurrency`` requests at once (and ``requests_per_minute``), and retries retryable
failures with :func:`~meta_evaluator.judges._limits.backoff_delay`, honouring ``Retry-After``.
No blocking HTTP happens inside async scoring.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from meta_evaluator.errors import JudgeCallError
from meta_evaluator.judges._limits import backoff_delay, rate_limiter
from meta_evaluator.judges._protocol import CallSettings
from meta_evaluator.judges._sdk_clients import _SDKClient

__all__ = ["OpenAIEmbeddingClient", "embed_texts_async"]


class OpenAIEmbeddingClient(_SDKClient):
    """POST ``/embeddings`` through ``AsyncOpenAI`` (any OpenAI-compatible ``base_url``).

    Args:
        api_key: The key (read from the environment by the caller).
        base_url: OpenAI-compatible server root; None = OpenAI.
        api_key_env: Name of the variable the key came from (for messages only).
        max_connections: Connection pool size.
    """

    name = "openai"
    _provider_label = "openai embeddings"
    _sdk_name = "openai"
    _async_class = "AsyncOpenAI"
    _httpx_name = "httpx"

    async def embed(
        self, texts: Sequence[str], *, model: str, timeout_s: float = 60.0
    ) -> list[list[float]]:
        """One request: the embedding of each text, in input order.

        Raises:
            JudgeCallError: The call failed (``retryable`` says whether a retry can help).
        """
        sdk = self._get_sdk()
        settings = CallSettings(model=model, timeout_s=timeout_s)
        resp = await self._guard(
            sdk.embeddings.create(model=model, input=list(texts), timeout=timeout_s), settings
        )
        rows = sorted(resp.data, key=lambda d: d.index)
        if len(rows) != len(texts):
            raise JudgeCallError(
                f"openai embeddings: {len(rows)} vectors for {len(texts)} texts", retryable=True
            )
        return [list(map(float, row.embedding)) for row in rows]


async def embed_texts_async(
    client: OpenAIEmbeddingClient,
    texts: Sequence[str],
    *,
    model: str,
    batch_size: int = 256,
    max_concurrency: int = 4,
    requests_per_minute: float | None = None,
    max_retries: int = 4,
    timeout_s: float = 60.0,
    backoff_base_s: float = 0.5,
    backoff_max_s: float = 20.0,
) -> np.ndarray:
    """Embed ``texts`` (``(n, d)`` float64, input order) with batching, limits and retries.

    Args:
        client: The embeddings client.
        texts: The texts.
        model: The embedding model, e.g. ``"text-embedding-3-small"``.
        batch_size: Texts per request.
        max_concurrency: Requests in flight at once.
        requests_per_minute: Optional request rate limit.
        max_retries: Retries per request after a retryable failure.
        timeout_s: Per-request timeout.
        backoff_base_s: First backoff ceiling (full jitter).
        backoff_max_s: Largest backoff ceiling.

    Returns:
        The embeddings.

    Raises:
        JudgeCallError: A request failed for good (not retryable, or retries exhausted).
    """
    if not texts:
        return np.zeros((0, 0))
    sem = asyncio.Semaphore(max(1, max_concurrency))
    limiter = rate_limiter(requests_per_minute)
    batches = [list(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]

    async def one(batch: list[str]) -> list[list[float]]:
        attempt = 0
        while True:
            try:
                async with sem:
                    if limiter is not None:
                        await limiter.acquire()
                    return await client.embed(batch, model=model, timeout_s=timeout_s)
            except JudgeCallError as exc:
                if not exc.retryable or attempt >= max_retries:
                    raise
                await asyncio.sleep(
                    backoff_delay(
                        attempt, exc.retry_after, base_s=backoff_base_s, max_s=backoff_max_s
                    )
                )
                attempt += 1

    parts = await asyncio.gather(*(one(b) for b in batches))
    return np.asarray([row for part in parts for row in part], dtype=np.float64)
