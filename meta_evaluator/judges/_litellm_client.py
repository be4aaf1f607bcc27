"""Every other provider through litellm: the only module of the package that imports litellm.

litellm is imported lazily (in a worker thread, on the first call), with the offline cost map
and its debug output and telemetry off. See :mod:`meta_evaluator.judges._clients` for when a
judge takes this route.
"""

from __future__ import annotations

import asyncio
import os
import threading
import warnings
from typing import Any

from meta_evaluator.errors import JudgeCallError
from meta_evaluator.judges._protocol import (
    CallSettings,
    Completion,
    _json_schema_format,
    _provider_extra,
    _scrub,
    _status_error,
    _timeout_error,
)

__all__ = ["LiteLLMClient"]

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
            kwargs["response_format"] = _json_schema_format(settings.response_schema)
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
