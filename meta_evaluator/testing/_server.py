"""A local OpenAI- and Anthropic-compatible LLM server for tests and benchmarks.

:class:`FakeLLMServer` serves, on 127.0.0.1 only:

- ``POST /v1/chat/completions``: OpenAI chat format (``usage`` included); honours
  ``response_format={"type": "json_schema", ...}``.
- ``POST /v1/messages``: Anthropic Messages format; a forced tool gets a ``tool_use`` block.
- ``POST /v1/embeddings``: deterministic fake unit vectors (16 dims, or ``dimensions``).
- ``GET /health``.

Answers are deterministic per prompt. The *prompt text* is the content of the last user
message. The answer schema is, in order: the request's structured-output schema, else the
first JSON schema (an object with ``"properties"``) found in the messages, else
``default_schema``. Each enum property gets a label picked by a hash of (prompt text,
property); free-text properties get a short sentence; arrays of enums get a subset. A
structured request gets bare JSON; a plain-text request gets the JSON inside prose
(``"Here is my verdict: {...}"``) so fallback parsing is exercised.

Faults are drawn per completion request from a seeded RNG (so counts are reproducible):
``"429"`` (with ``Retry-After``), ``"500"``, ``"malformed"`` (prose with no JSON and no label)
and ``"hang"`` (sleep ``hang_s``, then answer: the client's timeout must fire). With
``require_api_key`` set, a request with another key gets 401.

Example:
    >>> with FakeLLMServer(fault_rates={"429": 0.1}, seed=1) as server:
    ...     server.base_url.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from meta_evaluator.errors import ConfigError
from meta_evaluator.testing._answers import (
    _EMBED_DIMS,
    FAULT_KINDS,
    Outcome,
    _chat_reply,
    _content_text,
    _draw_fault,
    _fake_vector,
    _messages_reply,
    _tokens,
    default_answer,
    prompt_hash,
)

__all__ = ["FAULT_KINDS", "FakeLLMServer", "RequestRecord", "default_answer", "prompt_hash"]

_ReplyBuilder = Callable[
    [
        dict[str, Any],
        str,
        Outcome,
        Callable[[str, dict[str, Any] | None], str] | None,
        dict[str, Any] | None,
    ],
    dict[str, Any],
]
"""(body, prompt text, outcome, answer, default schema) -> a provider's response body."""


@dataclass(frozen=True, kw_only=True)
class RequestRecord:
    """One request the server received."""

    time: float
    """``time.time()`` when the request arrived."""
    endpoint: str
    """``chat``, ``messages`` or ``embeddings``."""
    prompt_hash: str
    """:func:`prompt_hash` of the prompt text (last user message; embeddings: first input)."""
    outcome: Outcome
    """``ok``, a fault kind, ``401`` (wrong key) or ``400`` (bad request)."""


class FakeLLMServer:
    """An aiohttp server on 127.0.0.1 speaking the OpenAI and Anthropic formats (see module doc).

    Runs in a background thread with its own event loop, so it works from sync code and from
    async tests (``with`` or ``async with``).

    Args:
        answer: ``answer(prompt_text, schema) -> text`` replaces the default schema-derived
            answer (the text is sent as is; for a forced Anthropic tool it must be JSON).
        latency_s: Delay before every answer.
        latency_jitter_s: Extra uniform random delay in [0, jitter].
        fault_rates: Probability per completion request of each fault: keys ``"429"``,
            ``"500"``, ``"malformed"``, ``"hang"``; the sum must be <= 1.
        hang_s: How long a ``hang`` sleeps before answering.
        retry_after_s: ``Retry-After`` seconds sent with 429 (None = no header).
        seed: Seed of the fault and jitter draws.
        embedding_faults: Also draw ``"429"`` / ``"500"`` faults for embedding requests (other
            fault kinds answer normally there); off by default.
        require_api_key: If set, requests with another key get 401.
        default_schema: Schema for plain-text requests that carry none.
        port: Port to bind (0 = a free port).
    """

    def __init__(
        self,
        *,
        answer: Callable[[str, dict[str, Any] | None], str] | None = None,
        latency_s: float = 0.0,
        latency_jitter_s: float = 0.0,
        fault_rates: dict[str, float] | None = None,
        hang_s: float = 30.0,
        retry_after_s: float | None = 0.05,
        seed: int = 0,
        require_api_key: str | None = None,
        default_schema: dict[str, Any] | None = None,
        port: int = 0,
        embedding_faults: bool = False,
    ) -> None:
        rates = dict(fault_rates or {})
        unknown = sorted(set(rates) - set(FAULT_KINDS))
        if unknown:
            raise ConfigError(
                f"FakeLLMServer: unknown fault kind(s) {unknown!r}; use keys from {FAULT_KINDS!r}."
            )
        if any(not 0.0 <= float(r) <= 1.0 for r in rates.values()) or sum(rates.values()) > 1.0:
            raise ConfigError(
                f"FakeLLMServer: fault_rates must be probabilities summing to <= 1; got {rates!r}."
            )
        if latency_s < 0 or latency_jitter_s < 0 or hang_s < 0:
            raise ConfigError("FakeLLMServer: latency_s, latency_jitter_s and hang_s must be >= 0.")
        self.answer = answer
        self.latency_s = float(latency_s)
        self.latency_jitter_s = float(latency_jitter_s)
        self.fault_rates = {k: float(rates.get(k, 0.0)) for k in FAULT_KINDS}
        self.hang_s = float(hang_s)
        self.retry_after_s = retry_after_s
        self.seed = seed
        self.require_api_key = require_api_key
        self.default_schema = default_schema
        self.embedding_faults = embedding_faults
        self.request_log: list[RequestRecord] = []
        """Every request received, in arrival order."""
        self._port = port
        self._fault_rng = random.Random(seed)
        self._jitter_rng = random.Random(seed + 1)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._bound_port is None:
            raise RuntimeError("FakeLLMServer is not running; call start() first.")
        return self._bound_port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL: ``http://127.0.0.1:PORT/v1``."""
        return f"{self.root_url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """Anthropic-style base URL (the root: the SDK appends ``/v1/messages``)."""
        return self.root_url

    def start(self) -> FakeLLMServer:
        """Start serving in a background thread; returns self once the port is bound."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._setup())
            except BaseException as exc:  # pragma: no cover - bind failures
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="FakeLLMServer", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    async def _setup(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/chat/completions", self._chat)
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/embeddings", self._embeddings)
        app.router.add_post("/embeddings", self._embeddings)
        app.router.add_get("/health", self._health)
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=0.2,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port, backlog=1024, reuse_address=True)
        await site.start()
        self._runner = runner
        self._bound_port = runner.addresses[0][1]

    def stop(self) -> None:
        """Stop serving and join the thread (safe to call twice)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if self._runner is not None:
            fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop)
            with contextlib.suppress(Exception):  # best-effort shutdown
                fut.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None
        self._loop = None
        self._runner = None
        self._bound_port = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeLLMServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def __repr__(self) -> str:
        where = self.base_url if self._bound_port is not None else "stopped"
        return f"FakeLLMServer({where}, fault_rates={self.fault_rates!r}, seed={self.seed})"

    # ------------------------------------------------------------------ queries
    def successful_calls(self) -> dict[str, int]:
        """Prompt hash -> number of ``ok`` completion answers served."""
        out: dict[str, int] = {}
        for rec in list(self.request_log):
            if rec.outcome == "ok" and rec.endpoint != "embeddings":
                out[rec.prompt_hash] = out.get(rec.prompt_hash, 0) + 1
        return out

    def outcome_counts(self) -> dict[str, int]:
        """Outcome -> number of requests (all endpoints)."""
        out: dict[str, int] = {}
        for rec in list(self.request_log):
            out[rec.outcome] = out.get(rec.outcome, 0) + 1
        return out

    # ------------------------------------------------------------------ handling
    def _log(self, endpoint: str, text: str, outcome: Outcome) -> None:
        self.request_log.append(
            RequestRecord(
                time=time.time(), endpoint=endpoint, prompt_hash=prompt_hash(text), outcome=outcome
            )
        )

    def _key_ok(self, request: web.Request) -> bool:
        if self.require_api_key is None:
            return True
        auth = request.headers.get("Authorization", "")
        given = auth[7:] if auth.startswith("Bearer ") else request.headers.get("x-api-key", "")
        return given == self.require_api_key

    async def _delay(self) -> None:
        delay = self.latency_s
        if self.latency_jitter_s:
            delay += self._jitter_rng.uniform(0.0, self.latency_jitter_s)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _prepare(
        self, request: web.Request, endpoint: str, fmt: Literal["openai", "anthropic"]
    ) -> tuple[dict[str, Any] | None, web.Response | None, str, Outcome]:
        """Parse the request and draw its fault; return (body, early response, prompt, outcome)."""
        try:
            body = await request.json()
            messages = body["messages"]
            assert isinstance(messages, list)
        except Exception:
            self._log(endpoint, "", "400")
            return (
                None,
                _error(fmt, 400, "invalid_request_error", "Request body is not valid."),
                "",
                "400",
            )
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        prompt_text = _content_text(users[-1].get("content")) if users else ""
        if not self._key_ok(request):
            self._log(endpoint, prompt_text, "401")
            return (
                None,
                _error(fmt, 401, "authentication_error", "Invalid API key."),
                prompt_text,
                "401",
            )
        outcome = _draw_fault(self._fault_rng, self.fault_rates)
        self._log(endpoint, prompt_text, outcome)
        if outcome == "429":
            await asyncio.sleep(min(self.latency_s, 0.05))
            headers = (
                {} if self.retry_after_s is None else {"Retry-After": f"{self.retry_after_s:g}"}
            )
            return (
                None,
                _error(fmt, 429, "rate_limit_error", "Rate limit reached.", headers),
                prompt_text,
                outcome,
            )
        if outcome == "500":
            await self._delay()
            return (
                None,
                _error(fmt, 500, "api_error", "Internal server error."),
                prompt_text,
                outcome,
            )
        if outcome == "hang":
            await asyncio.sleep(self.hang_s)
        else:
            await self._delay()
        return body, None, prompt_text, outcome

    async def _reply(
        self,
        request: web.Request,
        endpoint: str,
        fmt: Literal["openai", "anthropic"],
        build: _ReplyBuilder,
    ) -> web.Response:
        """Answer one chat-style request: the fault's early response, else ``build``'s body.

        Args:
            request: The incoming request.
            endpoint: The endpoint name in the request log (``"chat"``, ``"messages"``).
            fmt: The provider whose error bodies the faults imitate.
            build: Makes the provider's response body (:func:`_chat_reply`,
                :func:`_messages_reply`).

        Returns:
            The HTTP response.
        """
        body, early, prompt_text, outcome = await self._prepare(request, endpoint, fmt)
        if early is not None or body is None:
            return early  # type: ignore[return-value]
        return web.json_response(
            build(body, prompt_text, outcome, self.answer, self.default_schema)
        )

    async def _chat(self, request: web.Request) -> web.Response:
        return await self._reply(request, "chat", "openai", _chat_reply)

    async def _messages(self, request: web.Request) -> web.Response:
        return await self._reply(request, "messages", "anthropic", _messages_reply)

    async def _embeddings(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            inputs = body["input"]
        except Exception:
            self._log("embeddings", "", "400")
            return _error("openai", 400, "invalid_request_error", "Request body is not valid.")
        texts = [inputs] if isinstance(inputs, str) else [str(x) for x in inputs]
        if not self._key_ok(request):
            self._log("embeddings", texts[0] if texts else "", "401")
            return _error("openai", 401, "authentication_error", "Invalid API key.")
        outcome: Outcome = "ok"
        if self.embedding_faults:
            drawn = _draw_fault(self._fault_rng, self.fault_rates)
            outcome = drawn if drawn in ("429", "500") else "ok"
        self._log("embeddings", texts[0] if texts else "", outcome)
        if outcome == "429":
            headers = (
                {} if self.retry_after_s is None else {"Retry-After": f"{self.retry_after_s:g}"}
            )
            return _error("openai", 429, "rate_limit_error", "Rate limit reached.", headers)
        if outcome == "500":
            return _error("openai", 500, "api_error", "Internal server error.")
        await self._delay()
        dims = int(body.get("dimensions") or _EMBED_DIMS)
        data = [
            {"object": "embedding", "index": i, "embedding": _fake_vector(t, dims)}
            for i, t in enumerate(texts)
        ]
        n = sum(_tokens(t) for t in texts)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "fake"),
                "usage": {"prompt_tokens": n, "total_tokens": n},
            }
        )

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


def _error(
    fmt: Literal["openai", "anthropic"],
    status: int,
    kind: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> web.Response:
    if fmt == "anthropic":
        payload: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
    else:
        payload = {"error": {"message": message, "type": kind, "code": str(status)}}
    return web.json_response(payload, status=status, headers=headers)
