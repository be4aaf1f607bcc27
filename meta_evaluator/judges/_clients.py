"""LLM clients behind one small protocol: ``JudgeClient.complete(messages, *, settings)``.

Which path a provider takes (``llm_client`` of a judge):

==================  ==============================================================================
``llm_client``      path
==================  ==============================================================================
``openai``          the official ``openai`` SDK (``AsyncOpenAI``) on its aiohttp transport
                    (``DefaultAioHttpClient``): OpenAI itself and any OpenAI-compatible server
                    (vLLM, TGI, Ollama, LM Studio...: set ``base_url``). The fast path: ~370
                    requests/s at 64 in flight on a 2-core box.
``anthropic``       the official ``anthropic`` SDK (``AsyncAnthropic``), also on aiohttp.
``local``           :class:`~meta_evaluator.judges._local.LocalJudgeClient`: an offline
                    embedding-similarity classifier (no key, no network).
``litellm``         ``litellm.acompletion``; the model string carries the provider
                    (``"gemini/gemini-2.0-flash"``, ``"bedrock/anthropic.claude-..."``).
anything else       also litellm, with ``llm_client`` as the provider prefix: ``llm_client:
                    gemini`` + ``model: gemini-2.0-flash`` calls ``"gemini/gemini-2.0-flash"``
                    (a model already prefixed ``gemini/...`` is kept as is). litellm costs
                    ~8 ms CPU per call (tops out near 90 requests/s here): use it for providers
                    that have no OpenAI-compatible endpoint.
==================  ==============================================================================

Every failure raises :class:`~meta_evaluator.errors.JudgeCallError`: 408/409/429/5xx, timeouts and
connection errors are ``retryable`` (``retry_after`` is read from a ``Retry-After`` header);
other 4xx are not. SDK-internal retries are off (``max_retries=0``, ``num_retries=0``): the
runner owns retries. Keys are read only from the environment variable named by ``api_key_env``
and never appear in a repr, log or error message.

Example:
    >>> import asyncio
    >>> client = FakeClient(lambda messages, settings: '{"rejection": "rejection"}')
    >>> asyncio.run(client.complete([{"role": "user", "content": "hi"}],
    ...                             settings=CallSettings(model="fake"))).text
    '{"rejection": "rejection"}'
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib
import importlib.util
import inspect
import json
import os
import re
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

from meta_evaluator.errors import JudgeCallError, JudgeConfigError, JudgeError

__all__ = [
    "AnthropicClient",
    "CallSettings",
    "Completion",
    "FakeClient",
    "JudgeClient",
    "LiteLLMClient",
    "OpenAIClient",
    "estimate_cost",
    "make_client",
]

DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
"""The environment variable read for a key when a judge names no ``api_key_env``."""
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_DUMMY_KEY = "sk-local-no-key"
_LOCAL_ONLY_EXTRA = frozenset({"label_descriptions", "multilabel_threshold"})
"""``CallSettings.extra`` keys read by the local judge and never sent to a provider."""
_DEFAULT_ANTHROPIC_MAX_TOKENS = 1024
_TOOL_NAME = "judgement"
_KEY_PATTERN = re.compile(r"(sk-|key-|AIza)[A-Za-z0-9_\-\*\.]{4,}")


@dataclass(frozen=True, kw_only=True)
class CallSettings:
    """What to send with one call (the judge's model and generation parameters).

    Example:
        >>> CallSettings(model="gpt-4o-mini", temperature=0.0).timeout_s
        60.0
    """

    model: str
    """Model name as the provider spells it."""
    temperature: float | None = None
    """Sampling temperature; None = provider default."""
    max_tokens: int | None = None
    """Answer length limit; None = provider default (Anthropic requires one: 1024)."""
    timeout_s: float = 60.0
    """Per-call timeout in seconds; a call still running then raises a retryable error."""
    response_schema: dict[str, Any] | None = None
    """JSON schema of the answer (``EvalTask.output_json_schema()``); None = plain text."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Provider parameters passed through (``top_p``, ``seed``, ...)."""


@dataclass(frozen=True, kw_only=True)
class Completion:
    """One answer from a judge client.

    Example:
        >>> Completion(text="ok").cost_usd is None
        True
    """

    text: str
    """The answer text (for forced-tool answers: the tool input as JSON)."""
    input_tokens: int | None = None
    """Prompt tokens billed, when reported."""
    output_tokens: int | None = None
    """Completion tokens billed, when reported."""
    cost_usd: float | None = None
    """Dollar cost from litellm's local cost map; None when the model is not in it."""
    finish_reason: str | None = None
    """Why generation stopped (``stop``, ``length``, ``tool_use``, ...)."""
    confidence: float | None = None
    """Similarity-based confidence in [0, 1] (local judge only)."""


@runtime_checkable
class JudgeClient(Protocol):
    """What the runner needs from a provider: one async call, and cleanup."""

    name: str
    """Client kind: "openai", "anthropic", "litellm", "local" or "fake"."""

    async def complete(
        self, messages: list[dict[str, str]], *, settings: CallSettings
    ) -> Completion:
        """Send ``messages`` (system optional, then user) and return the answer.

        Raises:
            JudgeCallError: The call failed (see ``retryable`` and ``retry_after``).
        """
        ...

    async def aclose(self) -> None:
        """Release connections (safe to call twice)."""
        ...


# --------------------------------------------------------------------------- helpers


def _is_local_url(base_url: str | None) -> bool:
    if not base_url:
        return False
    return (urlparse(base_url).hostname or "") in _LOCAL_HOSTS


def _resolve_key(
    llm_client: str, base_url: str | None, api_key_env: str | None, judge_id: str
) -> str | None:
    """Read the key from the environment; None when the provider reads its own variables."""
    env = api_key_env or DEFAULT_KEY_ENV.get(llm_client)
    if env is None:
        return None
    value = os.environ.get(env, "").strip()
    if value:
        return value
    if _is_local_url(base_url):
        return _DUMMY_KEY
    who = f"judge {judge_id!r}" if judge_id else f"llm_client {llm_client!r}"
    raise JudgeConfigError(
        f"{who}: the environment variable {env!r} holding the API key is not set. Export it "
        f"(export {env}=...) or name another variable with api_key_env."
    )


def _scrub(text: str, key: str | None) -> str:
    """Remove the key (and anything that looks like a key) from a message."""
    if key and key != _DUMMY_KEY:
        text = text.replace(key, "***")
    return _KEY_PATTERN.sub(lambda m: m.group(1) + "***", text)


def _parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date)."""
    if not headers:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000.0)
        value = headers.get("retry-after")
    except Exception:
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_retryable_status(status: int | None) -> bool:
    return status is not None and (status in (408, 409, 429) or status >= 500)


def _status_error(
    provider: str, status: int, message: str, headers: Any, key: str | None
) -> JudgeCallError:
    retryable = _is_retryable_status(status)
    return JudgeCallError(
        _scrub(f"{provider} call failed with HTTP {status}: {message}", key),
        status_code=status,
        retry_after=_parse_retry_after(headers) if retryable else None,
        retryable=retryable,
    )


def _timeout_error(provider: str, timeout_s: float) -> JudgeCallError:
    return JudgeCallError(
        f"{provider} call timed out after {timeout_s:g} s (raise timeout_s if the model is slow).",
        retryable=True,
    )


def _split_system(messages: list[dict[str, str]]) -> tuple[str | None, list[dict[str, str]]]:
    system = [m["content"] for m in messages if m.get("role") == "system"]
    rest = [
        {"role": m["role"], "content": m["content"]} for m in messages if m.get("role") != "system"
    ]
    return ("\n\n".join(system) if system else None), rest


def _provider_extra(extra: Mapping[str, Any]) -> dict[str, Any]:
    """The pass-through params a provider receives in the request body (local-only ones dropped)."""
    return {k: v for k, v in extra.items() if k not in _LOCAL_ONLY_EXTRA}


# --------------------------------------------------------------------------- cost

_cost_lock = threading.Lock()
_cost_map: dict[str, Any] | None = None


def _load_cost_map() -> dict[str, Any]:
    """Litellm's bundled cost map, read as JSON (no ``import litellm``: that takes ~5 s)."""
    global _cost_map
    with _cost_lock:
        if _cost_map is None:
            spec = importlib.util.find_spec("litellm")
            data: dict[str, Any] = {}
            if spec is not None and spec.submodule_search_locations:
                path = (
                    Path(next(iter(spec.submodule_search_locations)))
                    / "model_prices_and_context_window_backup.json"
                )
                if path.is_file():
                    data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("sample_spec", None)
            _cost_map = data
        return _cost_map


def estimate_cost(
    model: str, input_tokens: int | None, output_tokens: int | None, *, provider: str | None = None
) -> float | None:
    """Dollar cost of one call from litellm's local cost map (``LITELLM_LOCAL_MODEL_COST_MAP``).

    The map is the JSON file bundled with litellm, read once and cached, without importing
    litellm itself (~5 s). Cost = input_tokens x input price + output_tokens x output price,
    at the base (non-tiered, non-cached) per-token prices.

    Args:
        model: Model name (``gpt-4o-mini``; a ``provider/`` prefix is also tried with and
            without).
        input_tokens: Prompt tokens (None counts as 0).
        output_tokens: Completion tokens (None counts as 0).
        provider: Provider name tried as a prefix (``openai/gpt-4o-mini``).

    Returns:
        The cost in USD, or None when the model is not in the map or no tokens are known.

    Example:
        >>> estimate_cost("gpt-4o-mini", 1000, 100) is not None
        True
        >>> estimate_cost("no-such-model", 10, 10) is None
        True
    """
    if input_tokens is None and output_tokens is None:
        return None
    table = _load_cost_map()
    candidates = [model]
    if provider:
        candidates.append(f"{provider}/{model}")
    if "/" in model:
        candidates.append(model.split("/", 1)[1])
    for name in candidates:
        entry = table.get(name)
        if isinstance(entry, dict) and "input_cost_per_token" in entry:
            cin = float(entry.get("input_cost_per_token") or 0.0)
            cout = float(entry.get("output_cost_per_token") or 0.0)
            return (input_tokens or 0) * cin + (output_tokens or 0) * cout
    return None


# --------------------------------------------------------------------------- fake


class FakeClient:
    """A client whose answers come from a function: the unit-test seam (like httpx's MockTransport).

    Args:
        handler: ``handler(messages, settings) -> Completion | str`` (sync or async). A
            :class:`JudgeCallError` it raises is passed through; any other exception becomes a
            non-retryable :class:`JudgeCallError`.

    Example:
        >>> import asyncio
        >>> fake = FakeClient(lambda m, s: Completion(text="yes", input_tokens=3))
        >>> asyncio.run(fake.complete([], settings=CallSettings(model="m"))).input_tokens
        3
        >>> len(fake.calls)
        1
    """

    name = "fake"

    def __init__(
        self,
        handler: Callable[
            [list[dict[str, str]], CallSettings], Completion | str | Awaitable[Completion | str]
        ],
    ) -> None:
        self.handler = handler
        self.calls: list[tuple[list[dict[str, str]], CallSettings]] = []
        """Every ``(messages, settings)`` received, in call order."""

    async def complete(
        self, messages: list[dict[str, str]], *, settings: CallSettings
    ) -> Completion:
        """Answer with the handler's result (see the class docstring)."""
        self.calls.append((messages, settings))
        try:
            out = self.handler(messages, settings)
            if inspect.isawaitable(out):
                out = await out
        except JudgeError:
            raise
        except Exception as exc:
            raise JudgeCallError(
                f"fake handler raised {type(exc).__name__}: {exc}", retryable=False
            ) from exc
        return out if isinstance(out, Completion) else Completion(text=str(out))

    async def aclose(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"FakeClient(handler={getattr(self.handler, '__name__', self.handler)!r})"


# --------------------------------------------------------------------------- SDK clients


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

        sdk = self._get_sdk()
        body: dict[str, Any] = {"model": settings.model, "messages": messages}
        body.update(_provider_extra(settings.extra))
        if settings.temperature is not None:
            body["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            body["max_tokens" if self.base_url else "max_completion_tokens"] = settings.max_tokens
        if settings.response_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": _TOOL_NAME,
                    "schema": settings.response_schema,
                    "strict": True,
                },
            }
        resp = await self._guard(
            sdk.post(
                "/chat/completions",
                cast_to=ChatCompletion,
                body=body,
                options={"timeout": settings.timeout_s},
            ),
            settings,
        )
        try:
            choice = resp.choices[0]
            text = choice.message.content or getattr(choice.message, "refusal", None) or ""
            finish = choice.finish_reason
        except (AttributeError, IndexError, TypeError) as exc:
            raise JudgeCallError(
                f"openai sent a response without choices: {str(resp)[:200]!r}", retryable=True
            ) from exc
        usage = getattr(resp, "usage", None)
        tin = getattr(usage, "prompt_tokens", None)
        tout = getattr(usage, "completion_tokens", None)
        return Completion(
            text=text,
            input_tokens=tin,
            output_tokens=tout,
            finish_reason=finish,
            cost_usd=estimate_cost(settings.model, tin, tout, provider="openai"),
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

        sdk = self._get_sdk()
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
        resp = await self._guard(
            sdk.post(
                "/v1/messages",
                cast_to=Message,
                body=body,
                options={"timeout": settings.timeout_s},
            ),
            settings,
        )
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
        usage = getattr(resp, "usage", None)
        tin = getattr(usage, "input_tokens", None)
        tout = getattr(usage, "output_tokens", None)
        return Completion(
            text=text,
            input_tokens=tin,
            output_tokens=tout,
            finish_reason=getattr(resp, "stop_reason", None),
            cost_usd=estimate_cost(settings.model, tin, tout, provider="anthropic"),
        )


# --------------------------------------------------------------------------- litellm

_litellm_lock = threading.Lock()


def _import_litellm() -> Any:
    """Import litellm once, offline cost map, quiet. The only ``import litellm`` in the package."""
    with _litellm_lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        if not getattr(litellm, "_meta_evaluator_ready", False):
            litellm.suppress_debug_info = True
            litellm.telemetry = False
            # Warm-up with a mock answer (no network): litellm's response types emit a
            # pydantic UserWarning the first time they are built; keep it out of user runs.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                litellm.completion(
                    model="openai/warm-up",
                    messages=[{"role": "user", "content": "hi"}],
                    mock_response="ok",
                )
            litellm._meta_evaluator_ready = True
        return litellm


class LiteLLMClient:
    """Every other provider through ``litellm.acompletion`` (imported lazily, in a worker thread).

    Model naming: litellm's ``"<provider>/<model>"`` (``"gemini/gemini-2.0-flash"``,
    ``"together_ai/meta-llama/Llama-3-8b-chat-hf"``, ``"openai/<model>"`` for an
    OpenAI-compatible server with ``base_url``). With ``provider`` set, an unprefixed model gets
    that prefix. ``base_url`` is sent as ``api_base``. Keys: ``api_key_env`` when given, else
    litellm reads its own provider variables (``GEMINI_API_KEY``, ...). ``num_retries=0``; cost
    from ``litellm.completion_cost``.

    Args:
        provider: Provider prefix (None for ``llm_client: litellm``: the model carries it).
        api_key: Explicit key, or None to let litellm read its variables.
        base_url: Sent as ``api_base``.
        api_key_env: Name of the variable the key came from (for messages only).
    """

    name = "litellm"

    def __init__(
        self,
        *,
        provider: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        api_key_env: str | None = None,
    ) -> None:
        self.provider = provider
        """Provider prefix added to unprefixed model names."""
        self.base_url = base_url
        """Sent as ``api_base``."""
        self.api_key_env = api_key_env
        """Name of the key variable (never the key)."""
        self._api_key = api_key
        self._litellm: Any = None

    def __repr__(self) -> str:
        return (
            f"LiteLLMClient(provider={self.provider!r}, base_url={self.base_url!r}, "
            f"api_key_env={self.api_key_env!r})"
        )

    def model_name(self, model: str) -> str:
        """The litellm model string for ``model`` (adds the provider prefix when missing).

        Example:
            >>> LiteLLMClient(provider="gemini").model_name("gemini-2.0-flash")
            'gemini/gemini-2.0-flash'
        """
        if self.provider and not model.startswith(f"{self.provider}/"):
            return f"{self.provider}/{model}"
        return model

    async def complete(
        self, messages: list[dict[str, str]], *, settings: CallSettings
    ) -> Completion:
        """Call ``litellm.acompletion`` (see the class docstring)."""
        if self._litellm is None:
            self._litellm = await asyncio.to_thread(_import_litellm)
        litellm = self._litellm
        kwargs: dict[str, Any] = _provider_extra(settings.extra)
        if settings.temperature is not None:
            kwargs["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            kwargs["max_tokens"] = settings.max_tokens
        if settings.response_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": _TOOL_NAME,
                    "schema": settings.response_schema,
                    "strict": True,
                },
            }
        if self.base_url:
            kwargs["api_base"] = self.base_url
        if self._api_key:
            kwargs["api_key"] = self._api_key
        model = self.model_name(settings.model)
        try:
            async with asyncio.timeout(settings.timeout_s + 0.5):
                resp = await litellm.acompletion(
                    model=model,
                    messages=messages,
                    timeout=settings.timeout_s,
                    num_retries=0,
                    max_retries=0,
                    **kwargs,
                )
        except TimeoutError as exc:
            raise _timeout_error("litellm", settings.timeout_s) from exc
        except Exception as exc:
            raise self._map_error(exc, settings) from exc
        choice = resp.choices[0]
        usage = getattr(resp, "usage", None)
        tin = getattr(usage, "prompt_tokens", None)
        tout = getattr(usage, "completion_tokens", None)
        cost = (getattr(resp, "_hidden_params", None) or {}).get("response_cost")
        if cost is None:
            try:
                cost = litellm.completion_cost(completion_response=resp)
            except Exception:
                cost = None
        return Completion(
            text=choice.message.content or "",
            input_tokens=tin,
            output_tokens=tout,
            finish_reason=choice.finish_reason,
            cost_usd=float(cost) if cost is not None else None,
        )

    def _map_error(self, exc: Exception, settings: CallSettings) -> JudgeCallError:
        litellm = self._litellm
        if isinstance(exc, litellm.Timeout):
            return _timeout_error("litellm", settings.timeout_s)
        status = getattr(exc, "status_code", None)
        headers = getattr(exc, "litellm_response_headers", None)
        if headers is None:
            headers = getattr(getattr(exc, "response", None), "headers", None)
        if isinstance(status, int):
            return _status_error(
                "litellm", status, getattr(exc, "message", str(exc)), headers, self._api_key
            )
        retryable = isinstance(exc, litellm.APIConnectionError)
        return JudgeCallError(
            _scrub(f"litellm call failed: {type(exc).__name__}: {exc}", self._api_key),
            retryable=retryable,
        )

    async def aclose(self) -> None:
        """Litellm keeps its own pooled sessions; nothing to release per client."""


# --------------------------------------------------------------------------- factory


@lru_cache(maxsize=1)
def _litellm_providers() -> frozenset[str]:
    """Provider names litellm documents (its bundled endpoint table; empty if unavailable)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = (
        Path(next(iter(spec.submodule_search_locations))) / "provider_endpoints_support_backup.json"
    )
    try:
        providers = json.loads(path.read_text(encoding="utf-8")).get("providers", {})
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(p).lower() for p in providers)


def make_client(
    llm_client: str,
    *,
    base_url: str | None = None,
    api_key_env: str | None = None,
    max_connections: int = 64,
    judge_id: str = "",
) -> JudgeClient:
    """Build the client for a judge's ``llm_client`` (see the module docstring for the routes).

    Keys are checked here, before any call: a missing variable raises, except for a
    ``base_url`` on 127.0.0.1/localhost, where a dummy key is used.

    Args:
        llm_client: ``openai``, ``anthropic``, ``local``, ``litellm`` or a litellm provider name.
        base_url: OpenAI-compatible / proxy server root; ``api_base`` for litellm.
        api_key_env: Variable holding the key (default ``OPENAI_API_KEY`` /
            ``ANTHROPIC_API_KEY``; litellm reads its own provider variables when unset).
        max_connections: Connection pool size (>= 1).
        judge_id: Judge name used in error messages.

    Raises:
        JudgeConfigError: Unknown client, bad ``max_connections``, or a missing key variable.

    Example:
        >>> client = make_client("openai", base_url="http://127.0.0.1:9/v1", api_key_env="NO_VAR")
        >>> client.name, client.api_key_env
        ('openai', 'NO_VAR')
    """
    who = f"judge {judge_id!r}" if judge_id else "make_client"
    if not isinstance(llm_client, str) or not llm_client.strip():
        raise JudgeConfigError(
            f"{who}: llm_client must be a non-empty string such as 'openai', 'anthropic', "
            f"'local', 'litellm' or a litellm provider name; got {llm_client!r}."
        )
    if (
        not isinstance(max_connections, int)
        or isinstance(max_connections, bool)
        or max_connections < 1
    ):
        raise JudgeConfigError(
            f"{who}: max_connections must be an int >= 1; got {max_connections!r}."
        )
    kind = llm_client.strip().lower()
    if kind == "fake":
        raise JudgeConfigError(
            f"{who}: llm_client 'fake' has no default answers; build FakeClient(handler) directly."
        )
    if kind == "local":
        from meta_evaluator.judges._local import LocalJudgeClient

        return LocalJudgeClient()
    if kind == "openai":
        key = _resolve_key(kind, base_url, api_key_env, judge_id)
        assert key is not None
        return OpenAIClient(
            api_key=key,
            base_url=base_url,
            api_key_env=api_key_env or DEFAULT_KEY_ENV[kind],
            max_connections=max_connections,
        )
    if kind == "anthropic":
        key = _resolve_key(kind, base_url, api_key_env, judge_id)
        assert key is not None
        return AnthropicClient(
            api_key=key,
            base_url=base_url,
            api_key_env=api_key_env or DEFAULT_KEY_ENV[kind],
            max_connections=max_connections,
        )
    known = _litellm_providers()
    if kind != "litellm" and known and kind not in known:
        raise JudgeConfigError(
            f"{who}: unknown llm_client {llm_client!r}. Use 'openai' (any OpenAI-compatible "
            "server with base_url), 'anthropic', 'local', or a litellm provider such as "
            "'gemini', 'bedrock', 'together_ai'; for a provider this check does not know, use "
            "llm_client 'litellm' with model '<provider>/<model>'."
        )
    key = _resolve_key(kind, base_url, api_key_env, judge_id)
    if key is None and _is_local_url(base_url):
        key = _DUMMY_KEY
    return LiteLLMClient(
        provider=None if kind == "litellm" else kind,
        api_key=key,
        base_url=base_url,
        api_key_env=api_key_env,
    )
