"""The official-SDK clients: OpenAI (and OpenAI-compatible servers) and Anthropic.

Both run on the SDK's aiohttp transport with ``max_retries=0`` (the runner owns retries) and
share :class:`_SDKClient`: a lazily built SDK object per event loop, key handling, and the
mapping of SDK errors to :class:`~meta_evaluator.errors.JudgeCallError`. The routes and
failure rules are described in :mod:`meta_evaluator.judges._clients`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Awaitable
from typing import Any

from meta_evaluator.errors import JudgeCallError, JudgeError
from meta_evaluator.judges._cost import estimate_cost
from meta_evaluator.judges._protocol import (
    _TOOL_NAME,
    CallSettings,
    Completion,
    _json_schema_format,
    _provider_extra,
    _scrub,
    _status_error,
    _timeout_error,
)

__all__ = ["AnthropicClient", "OpenAIClient"]

_DEFAULT_ANTHROPIC_MAX_TOKENS = 1024


def _split_system(messages: list[dict[str, str]]) -> tuple[str | None, list[dict[str, str]]]:
    system = [m["content"] for m in messages if m.get("role") == "system"]
    rest = [
        {"role": m["role"], "content": m["content"]} for m in messages if m.get("role") != "system"
    ]
    return ("\n\n".join(system) if system else None), rest


class _SDKClient:
    """Shared plumbing: a lazily built SDK object per event loop, key handling, repr.

    Subclasses name their SDK module, its async client class and the httpx flavour whose
    ``Limits`` its aiohttp transport takes; the SDK object is built the same way for both.
    """

    name = ""
    _provider_label = ""
    _sdk_name = ""
    _async_class = ""
    _httpx_name = "httpx"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        api_key_env: str | None = None,
        max_connections: int = 64,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url
        """Server root (None = the provider's public endpoint)."""
        self.api_key_env = api_key_env
        """Name of the environment variable the key was read from (never the key)."""
        self.max_connections = max_connections
        """Connection pool size."""
        self._sdk: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key_env={self.api_key_env!r}, "
            f"max_connections={self.max_connections})"
        )

    def _build(self) -> Any:
        mod = self._sdk_module()
        httpx_mod = importlib.import_module(self._httpx_name)
        limits = httpx_mod.Limits(
            max_connections=self.max_connections, max_keepalive_connections=self.max_connections
        )
        return getattr(mod, self._async_class)(
            api_key=self._api_key,
            base_url=self.base_url,
            max_retries=0,  # the runner owns retries
            http_client=mod.DefaultAioHttpClient(limits=limits),
        )

    def _get_sdk(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._sdk is None or self._loop is not loop:
            # aiohttp sessions are bound to the loop that first used them.
            self._sdk = self._build()
            self._loop = loop
        return self._sdk

    async def aclose(self) -> None:
        """Close the connection pool (safe to call twice)."""
        sdk, self._sdk = self._sdk, None
        if sdk is not None and self._loop is asyncio.get_running_loop():
            await sdk.close()
        self._loop = None

    async def _guard(self, coro: Awaitable[Any], settings: CallSettings) -> Any:
        """Run an SDK call under a hard timeout and map every failure to JudgeCallError."""
        try:
            async with asyncio.timeout(settings.timeout_s + 0.5):
                return await coro
        except TimeoutError as exc:
            raise _timeout_error(self._provider_label, settings.timeout_s) from exc
        except JudgeError:
            raise
        except Exception as exc:
            raise self._map_error(exc, settings) from exc

    def _map_error(self, exc: Exception, settings: CallSettings) -> JudgeCallError:
        mod = self._sdk_module()
        if isinstance(exc, mod.APITimeoutError):
            return _timeout_error(self._provider_label, settings.timeout_s)
        if isinstance(exc, mod.APIStatusError):
            return _status_error(
                self._provider_label,
                exc.status_code,
                getattr(exc, "message", str(exc)),
                getattr(exc.response, "headers", None),
                self._api_key,
            )
        if isinstance(exc, mod.APIConnectionError):
            return JudgeCallError(
                _scrub(f"{self._provider_label} connection error: {exc}", self._api_key),
                retryable=True,
            )
        if isinstance(exc, mod.APIResponseValidationError):
            return JudgeCallError(
                _scrub(f"{self._provider_label} sent an invalid response: {exc}", self._api_key),
                retryable=True,
            )
        return JudgeCallError(
            _scrub(
                f"{self._provider_label} call failed: {type(exc).__name__}: {exc}", self._api_key
            ),
            retryable=False,
        )

    def _sdk_module(self) -> Any:
        return importlib.import_module(self._sdk_name)

    async def _post(
        self, path: str, cast_to: Any, body: dict[str, Any], settings: CallSettings
    ) -> Any:
        """POST ``body`` to ``path`` with the SDK's own ``post`` (typed ``cast_to``), guarded."""
        sdk = self._get_sdk()
        return await self._guard(
            sdk.post(path, cast_to=cast_to, body=body, options={"timeout": settings.timeout_s}),
            settings,
        )

    def _completion(
        self,
        resp: Any,
        text: str,
        finish: str | None,
        token_fields: tuple[str, str],
        settings: CallSettings,
    ) -> Completion:
        """The :class:`Completion` of ``resp``, its cost from :func:`estimate_cost`.

        ``token_fields`` name the input and output token counts of ``resp.usage``.
        """
        usage = getattr(resp, "usage", None)
        tin = getattr(usage, token_fields[0], None)
        tout = getattr(usage, token_fields[1], None)
        return Completion(
            text=text,
            input_tokens=tin,
            output_tokens=tout,
            finish_reason=finish,
            cost_usd=estimate_cost(settings.model, tin, tout, provider=self.name),
        )


class OpenAIClient(_SDKClient):
    """OpenAI and every OpenAI-compatible server, via ``AsyncOpenAI`` on the aiohttp transport.

    Structured output uses ``response_format={"type": "json_schema", "json_schema": {"name":
    "judgement", "schema": ..., "strict": True}}``. On the public endpoint the length limit is
    sent as ``max_completion_tokens``; with a custom ``base_url`` as ``max_tokens`` (what vLLM,
    TGI and Ollama read). Cost comes from :func:`estimate_cost`.

    Args:
        api_key: The key (read from the environment by :func:`make_client`).
        base_url: OpenAI-compatible server root, e.g. ``http://127.0.0.1:8000/v1``.
        api_key_env: Name of the variable the key came from (for messages only).
        max_connections: Connection pool size (match the judge's max_concurrency).
    """

    name = "openai"
    _provider_label = "openai"
    _sdk_name = "openai"
    _async_class = "AsyncOpenAI"
    _httpx_name = "httpx"

    async def complete(
        self, messages: list[dict[str, str]], *, settings: CallSettings
    ) -> Completion:
        """POST ``/chat/completions`` through the SDK (see the class docstring).

        The request goes through the SDK's own ``post`` (auth, aiohttp transport, error types,
        typed ``ChatCompletion`` response) rather than ``chat.completions.create``: ``create``
        walks every parameter through its TypedDict transformer, ~2 ms of CPU per call that
        caps a 2-core client near 100 calls/s (measured with benchmarks/bench_judges.py).
        The body is the same JSON ``create`` would send.
        """
        from openai.types.chat import ChatCompletion

        body: dict[str, Any] = {"model": settings.model, "messages": messages}
        body.update(_provider_extra(settings.extra))
        if settings.temperature is not None:
            body["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            body["max_tokens" if self.base_url else "max_completion_tokens"] = settings.max_tokens
        if settings.response_schema is not None:
            body["response_format"] = _json_schema_format(settings.response_schema)
        resp = await self._post("/chat/completions", ChatCompletion, body, settings)
        try:
            choice = resp.choices[0]
            text = choice.message.content or getattr(choice.message, "refusal", None) or ""
            finish = choice.finish_reason
        except (AttributeError, IndexError, TypeError) as exc:
            raise JudgeCallError(
                f"openai sent a response without choices: {str(resp)[:200]!r}", retryable=True
            ) from exc
        return self._completion(
            resp, text, finish, ("prompt_tokens", "completion_tokens"), settings
        )


class AnthropicClient(_SDKClient):
    """Anthropic's Messages API via ``AsyncAnthropic`` (aiohttp transport, ``max_retries=0``).

    System messages go to ``system=``. Structured output is one forced tool named
    ``judgement`` whose ``input_schema`` is the response schema; the answer text is
    ``json.dumps`` of the tool input. ``max_tokens`` defaults to 1024 (Anthropic requires it).
    ``temperature`` is sent in the request body.

    Args:
        api_key: The key (read from the environment by :func:`make_client`).
        base_url: Server root (the SDK appends ``/v1/messages``), for proxies and tests.
        api_key_env: Name of the variable the key came from (for messages only).
        max_connections: Connection pool size.
    """

    name = "anthropic"
    _provider_label = "anthropic"
    _sdk_name = "anthropic"
    _async_class = "AsyncAnthropic"
    _httpx_name = "httpx2"

    async def complete(
        self, messages: list[dict[str, str]], *, settings: CallSettings
    ) -> Completion:
        """POST ``/v1/messages`` through the SDK (see the class docstring).

        As for :class:`OpenAIClient`, the SDK's ``post`` is used instead of ``messages.create``
        to skip the per-call TypedDict transform; the JSON body is the same.
        """
        from anthropic.types import Message

        system, rest = _split_system(messages)
        body: dict[str, Any] = {
            "model": settings.model,
            "messages": rest,
            "max_tokens": settings.max_tokens or _DEFAULT_ANTHROPIC_MAX_TOKENS,
        }
        body.update(_provider_extra(settings.extra))
        if system is not None:
            body["system"] = system
        if settings.temperature is not None:
            body["temperature"] = settings.temperature
        if settings.response_schema is not None:
            body["tools"] = [
                {
                    "name": _TOOL_NAME,
                    "description": "Record the judgement, one field per task.",
                    "input_schema": settings.response_schema,
                }
            ]
            body["tool_choice"] = {"type": "tool", "name": _TOOL_NAME}
        resp = await self._post("/v1/messages", Message, body, settings)
        text = ""
        texts: list[str] = []
        for block in getattr(resp, "content", None) or []:
            kind = getattr(block, "type", None)
            if kind == "tool_use" and getattr(block, "name", None) == _TOOL_NAME:
                text = json.dumps(block.input, ensure_ascii=False)
                break
            if kind == "text":
                texts.append(block.text)
        else:
            text = "".join(texts)
        finish = getattr(resp, "stop_reason", None)
        return self._completion(resp, text, finish, ("input_tokens", "output_tokens"), settings)
