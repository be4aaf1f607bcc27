"""Test helpers: a local OpenAI- and Anthropic-compatible LLM server (no network, no key).

Example:
    >>> from meta_evaluator.testing import FakeLLMServer
    >>> with FakeLLMServer(latency_s=0.0) as server:
    ...     server.anthropic_base_url == server.base_url.removesuffix("/v1")
    True
"""

from meta_evaluator.testing._server import (
    FAULT_KINDS,
    FakeLLMServer,
    RequestRecord,
    default_answer,
    prompt_hash,
)

__all__ = ["FAULT_KINDS", "FakeLLMServer", "RequestRecord", "default_answer", "prompt_hash"]
