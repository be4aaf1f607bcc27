"""The judge-client contract and the request/failure plumbing every provider client shares.

:class:`CallSettings` goes in, :class:`Completion` comes out, :class:`JudgeClient` is the
one-method protocol between them. The private helpers below turn provider failures into
:class:`~meta_evaluator.errors.JudgeCallError` (status, ``Retry-After``, timeouts), keep keys out
of messages, and shape request bodies; :mod:`meta_evaluator.judges._clients` documents the
clients built on them.

Example:
    >>> _scrub("bad key sk-abcdef123456", None)
    'bad key sk-***'
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from meta_evaluator.errors import JudgeCallError

__all__ = ["CallSettings", "Completion", "JudgeClient"]

_DUMMY_KEY = "sk-local-no-key"
_LOCAL_ONLY_EXTRA = frozenset({"label_descriptions", "multilabel_threshold"})
"""``CallSettings.extra`` keys read by the local judge and never sent to a provider."""
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


def _provider_extra(extra: Mapping[str, Any]) -> dict[str, Any]:
    """The pass-through params a provider receives in the request body (local-only ones dropped)."""
    return {k: v for k, v in extra.items() if k not in _LOCAL_ONLY_EXTRA}


def _json_schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI-style strict ``response_format`` for ``schema`` (named ``judgement``)."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": _TOOL_NAME,
            "schema": schema,
            "strict": True,
        },
    }
