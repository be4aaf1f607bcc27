"""Test helpers: a local LLM server (no network, no key) and a one-scorer runner.

:class:`FakeLLMServer` speaks the OpenAI and Anthropic formats; :func:`run_scorer` runs one
scorer on one judge's labels without a project; :func:`recorded_waits` records a judge run's
retry waits instead of sleeping them.

Example:
    >>> from meta_evaluator.testing import FakeLLMServer
    >>> with FakeLLMServer(latency_s=0.0) as server:
    ...     server.anthropic_base_url == server.base_url.removesuffix("/v1")
    True
"""

from meta_evaluator.testing._scoring import run_scorer
from meta_evaluator.testing._server import (
    FAULT_KINDS,
    FakeLLMServer,
    RequestRecord,
    default_answer,
    prompt_hash,
)
from meta_evaluator.testing._waits import recorded_waits

__all__ = [
    "FAULT_KINDS",
    "FakeLLMServer",
    "RequestRecord",
    "default_answer",
    "prompt_hash",
    "recorded_waits",
    "run_scorer",
]
