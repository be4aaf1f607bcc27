"""Judges: definitions, prompts, answer parsing, clients and the async runner.

Example:
    >>> spec = JudgeSpec(id="j", llm_client="local", model="all-MiniLM-L6-v2",
    ...                  prompt="Response: {llm_response}")
    >>> spec.max_concurrency
    8
"""

from meta_evaluator.judges._clients import (
    CallSettings,
    Completion,
    FakeClient,
    JudgeClient,
    make_client,
)
from meta_evaluator.judges._limits import MAX_RETRY_AFTER_S, backoff_delay, rate_limiter
from meta_evaluator.judges._parse import ParsedAnswer, parse_answer
from meta_evaluator.judges._prompt import check_template, format_instructions, render_prompt
from meta_evaluator.judges._providers import ClientRequest, judge_client, registered_clients
from meta_evaluator.judges._results import JudgeResults
from meta_evaluator.judges._runner import run_judges, run_judges_async
from meta_evaluator.judges._spec import JudgeSpec, load_judge_specs
from meta_evaluator.judges._vote import consistency_vote

__all__ = [  # noqa: RUF022 (plain sorted, as tests/judges/test_store.py checks)
    "CallSettings",
    "ClientRequest",
    "Completion",
    "FakeClient",
    "JudgeClient",
    "JudgeResults",
    "JudgeSpec",
    "MAX_RETRY_AFTER_S",
    "ParsedAnswer",
    "backoff_delay",
    "check_template",
    "consistency_vote",
    "format_instructions",
    "judge_client",
    "load_judge_specs",
    "make_client",
    "parse_answer",
    "rate_limiter",
    "registered_clients",
    "render_prompt",
    "run_judges",
    "run_judges_async",
]
