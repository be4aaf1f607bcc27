"""One read-only view of a scoring result: the only place the report reads result fields.

:class:`~meta_evaluator.scores.base_scoring_result.BaseScoringResult` carries typed fields
(``headline``/``headline_key``, ``higher_is_better``, ``ci_low``/``ci_high``, ``human_ceiling``,
``verdict``, ``warnings``, ``error``, ``config_label``). Results saved before those fields existed
keep the same facts in ``metadata``; :func:`result_view` reads the typed field when it is set and
falls back to the metadata otherwise, so every section of the report reads results the same way.

Example:
    >>> from meta_evaluator.scores.base_scoring_result import BaseScoringResult
    >>> r = BaseScoringResult(scorer_name="accuracy", task_name="t", judge_id="j",
    ...                       scores={"accuracy": 0.8}, metadata={"ci_low": 0.7, "ci_high": 0.9})
    >>> v = result_view(r)
    >>> v.key, v.value, v.ci, v.verdict
    ('accuracy', 0.8, (0.7, 0.9), None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from meta_evaluator.report._table import (
    ADVANTAGE_PROBABILITY,
    WINNING_RATE,
    as_float,
    config_name,
    is_alt_test,
    result_epsilon,
)
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["ResultView", "result_view"]

VerdictName = Literal["pass", "fail", "insufficient_data"]
_VERDICTS = ("pass", "fail", "insufficient_data")
_LOWER_IS_BETTER = frozenset({"rmse", "mse", "mae", "error", "error_rate", "loss", "distance"})
_AGGREGATION_SHORT = {"individual_average": "each human", "majority_vote": "majority"}


@dataclass(frozen=True, kw_only=True)
class ResultView:
    """What the report shows of one result."""

    judge: str
    """Judge id."""
    config: str
    """Unique config name (stable id, used for grouping and CSV columns)."""
    label: str
    """Readable config name, e.g. ``"accuracy · rejection · majority"``."""
    scorer: str
    """Scorer name."""
    task: str
    """Task (or tasks joined with +)."""
    key: str
    """Which score the headline is."""
    value: float
    """Headline value (nan = undefined)."""
    higher_is_better: bool
    """Direction of the headline."""
    ci: tuple[float, float] | None
    """95% CI of the headline, when finite."""
    ceiling: float | None
    """Human ceiling of the headline statistic, when reported."""
    verdict: VerdictName | None
    """Test verdict (alt-test), when a test decides."""
    warnings: tuple[str, ...]
    """Warnings attached to the result."""
    error: str | None
    """Failure text when the scorer failed."""
    n_items: int | None
    """Items scored, when reported."""
    epsilon: float | None
    """Alt-test epsilon, for alt-test results."""
    advantage: float | None
    """Alt-test advantage probability, for alt-test results."""
    winning_rate: float | None
    """Alt-test winning rate at ``epsilon``, for alt-test results."""


def _finite(value: Any) -> float | None:
    number = as_float(value)
    return number if number is not None and math.isfinite(number) else None


def _headline(result: BaseScoringResult) -> tuple[str, float]:
    key = getattr(result, "headline_key", None)
    value = getattr(result, "headline", None)
    if isinstance(key, str) and key:
        number = as_float(value) if value is not None else as_float(result.scores.get(key))
        return key, math.nan if number is None else number
    if is_alt_test(result):
        number = as_float(result.scores.get(ADVANTAGE_PROBABILITY))
        return ADVANTAGE_PROBABILITY, math.nan if number is None else number
    for k, v in result.scores.items():
        number = as_float(v)
        if number is not None:
            return str(k), number
    return "score", math.nan


def _label(result: BaseScoringResult) -> str:
    label = getattr(result, "config_label", None) or result.metadata.get("config_label")
    if isinstance(label, str) and label:
        return label
    parts = [result.scorer_name.replace("_", " "), result.task_name]
    agg = result.metadata.get("annotator_aggregation")
    if isinstance(agg, str) and agg in _AGGREGATION_SHORT:
        parts.append(_AGGREGATION_SHORT[agg])
    if is_alt_test(result):
        parts.append(f"ε={result_epsilon(result):.2f}")
    weights = result.metadata.get("weights")
    if isinstance(weights, str) and weights:
        parts[0] += f" ({weights})"
    return " · ".join(parts)


def _verdict(result: BaseScoringResult) -> VerdictName | None:
    typed = getattr(result, "verdict", None)
    for value in (typed, result.metadata.get("verdict")):
        if value in _VERDICTS:
            return value  # type: ignore[no-any-return]
    flag = result.metadata.get("passed")
    if isinstance(flag, bool):
        return "pass" if flag else "fail"
    if is_alt_test(result):
        rates = result.scores.get(WINNING_RATE)
        rate = (
            _finite(rates.get(f"{result_epsilon(result):.2f}")) if isinstance(rates, dict) else None
        )
        if rate is None:
            return "insufficient_data"
        return "pass" if rate >= 0.5 else "fail"
    return None


def _warnings(result: BaseScoringResult) -> tuple[str, ...]:
    typed = getattr(result, "warnings", None)
    raw = typed if isinstance(typed, list) and typed else result.metadata.get("warnings")
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list | tuple):
        return tuple(str(w) for w in raw)
    return ()


def _error(result: BaseScoringResult) -> str | None:
    typed = getattr(result, "error", None)
    if typed is not None:
        message = getattr(typed, "message", None)
        kind = getattr(typed, "type", None)
        if message is not None:
            return f"{kind}: {message}" if kind else str(message)
        return str(typed)
    raw = result.metadata.get("error")
    return str(raw) if raw else None


def result_view(result: BaseScoringResult) -> ResultView:
    """The report's view of one result (typed fields first, metadata as the fallback).

    Args:
        result: A finished result.

    Returns:
        The :class:`ResultView`.
    """
    key, value = _headline(result)
    typed_hib = getattr(result, "higher_is_better", None)
    meta_hib = result.metadata.get("higher_is_better")
    if "higher_is_better" in result.model_fields_set and isinstance(typed_hib, bool):
        higher = typed_hib
    elif isinstance(meta_hib, bool):
        higher = meta_hib
    else:
        higher = key.lower() not in _LOWER_IS_BETTER
    low = _finite(getattr(result, "ci_low", None))
    high = _finite(getattr(result, "ci_high", None))
    if low is None or high is None:
        low, high = _finite(result.metadata.get("ci_low")), _finite(result.metadata.get("ci_high"))
    ceiling = _finite(getattr(result, "human_ceiling", None))
    if ceiling is None:
        ceiling = _finite(result.metadata.get("human_ceiling"))
    n_items = result.metadata.get("n_items")
    alt = is_alt_test(result)
    rates = result.scores.get(WINNING_RATE) if alt else None
    eps = result_epsilon(result) if alt else None
    return ResultView(
        judge=result.judge_id,
        config=config_name(result),
        label=_label(result),
        scorer=result.scorer_name,
        task=result.task_name,
        key=key,
        value=value,
        higher_is_better=higher,
        ci=(low, high) if low is not None and high is not None else None,
        ceiling=ceiling,
        verdict=_verdict(result),
        warnings=_warnings(result),
        error=_error(result),
        n_items=n_items if isinstance(n_items, int) and not isinstance(n_items, bool) else None,
        epsilon=eps,
        advantage=_finite(result.scores.get(ADVANTAGE_PROBABILITY)) if alt else None,
        winning_rate=_finite(rates.get(f"{eps:.2f}")) if isinstance(rates, dict) else None,
    )
