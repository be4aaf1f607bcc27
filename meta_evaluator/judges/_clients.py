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

Each route is a factory registered with ``@judge_client("<llm_client>")``
(:mod:`~meta_evaluator.judges._providers`), importing its SDK lazily: a new provider is one
function. The code is split by route: the contract (:class:`CallSettings`, :class:`Completion`,
:class:`JudgeClient`) and the shared failure helpers live in ``_protocol``, the SDK clients in
``_sdk_clients``, litellm in ``_litellm_client`` (the only module importing litellm) and
:func:`estimate_cost` in ``_cost``. This module builds clients (:func:`make_client`), holds
:class:`FakeClient`, and re-exports every name above.

Example:
    >>> import asyncio
    >>> client = FakeClient(lambda messages, settings: '{"rejection": "rejection"}')
    >>> asyncio.run(client.complete([{"role": "user", "content": "hi"}],
    ...                             settings=CallSettings(model="fake"))).text
    '{"rejection": "rejection"}'
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from meta_evaluator.errors import JudgeCallError, JudgeConfigError, JudgeError
from meta_evaluator.judges._cost import estimate_cost
from meta_evaluator.judges._litellm_client import LiteLLMClient
from meta_evaluator.judges._protocol import _DUMMY_KEY, CallSettings, Completion, JudgeClient

# Private helpers the tests import from here (explicit re-exports).
from meta_evaluator.judges._protocol import _parse_retry_after as _parse_retry_after
from meta_evaluator.judges._protocol import _provider_extra as _provider_extra
from meta_evaluator.judges._protocol import _scrub as _scrub
from meta_evaluator.judges._providers import (
    ClientRequest,
    Provider,
    client_provider,
    judge_client,
)
from meta_evaluator.judges._sdk_clients import AnthropicClient, OpenAIClient

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


# --------------------------------------------------------------------------- keys


def _is_local_url(base_url: str | None) -> bool:
    if not base_url:
        return False
    return (urlparse(base_url).hostname or "") in _LOCAL_HOSTS


def _resolve_key(
    llm_client: str, base_url: str | None, api_key_env: str | None, judge_id: str
) -> str | None:
    """Read the key from the environment; None when the provider reads its own variables."""
    env = api_key_env
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
    provider = client_provider(kind)
    if provider is None:
        known = _litellm_providers()
        if kind != "litellm" and known and kind not in known:
            raise JudgeConfigError(
                f"{who}: unknown llm_client {llm_client!r}. Use 'openai' (any OpenAI-compatible "
                "server with base_url), 'anthropic', 'local', or a litellm provider such as "
                "'gemini', 'bedrock', 'together_ai'; for a provider this check does not know, "
                "use llm_client 'litellm' with model '<provider>/<model>'."
            )
        provider = _LITELLM
    env = api_key_env or provider.key_env
    key = _resolve_key(kind, base_url, env, judge_id) if provider.uses_key else None
    return provider.factory(
        ClientRequest(
            llm_client=kind,
            base_url=base_url,
            api_key_env=env,
            api_key=key,
            max_connections=max_connections,
            judge_id=judge_id,
        )
    )


# --------------------------------------------------------------------------- providers
@judge_client("fake", uses_key=False)
def _fake_client(request: ClientRequest) -> JudgeClient:
    who = f"judge {request.judge_id!r}" if request.judge_id else "make_client"
    raise JudgeConfigError(
        f"{who}: llm_client 'fake' has no default answers; build FakeClient(handler) directly."
    )


@judge_client("local", uses_key=False)
def _local_client(request: ClientRequest) -> JudgeClient:
    from meta_evaluator.judges._local import LocalJudgeClient

    return LocalJudgeClient()


def _sdk_client(request: ClientRequest, cls: type[OpenAIClient | AnthropicClient]) -> JudgeClient:
    assert request.api_key is not None and request.api_key_env is not None
    return cls(
        api_key=request.api_key,
        base_url=request.base_url,
        api_key_env=request.api_key_env,
        max_connections=request.max_connections,
    )


@judge_client("openai", key_env=DEFAULT_KEY_ENV["openai"])
def _openai_client(request: ClientRequest) -> JudgeClient:
    """The official openai SDK (imported by the client on first use)."""
    return _sdk_client(request, OpenAIClient)


@judge_client("anthropic", key_env=DEFAULT_KEY_ENV["anthropic"])
def _anthropic_client(request: ClientRequest) -> JudgeClient:
    """The official anthropic SDK (imported by the client on first use)."""
    return _sdk_client(request, AnthropicClient)


@judge_client("litellm")
def _litellm_client(request: ClientRequest) -> JudgeClient:
    """litellm; ``llm_client`` other than "litellm" is the provider prefix of the model."""
    key = request.api_key
    if key is None and _is_local_url(request.base_url):
        key = _DUMMY_KEY
    return LiteLLMClient(
        provider=None if request.llm_client == "litellm" else request.llm_client,
        api_key=key,
        base_url=request.base_url,
        api_key_env=request.api_key_env,
    )


_LITELLM = Provider(name="litellm", factory=_litellm_client)
