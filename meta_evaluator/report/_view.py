"""One read-only view of a scoring result: the only place the report reads result fields.

The view reads the typed fields of
:class:`~meta_evaluator.scores.base_scoring_result.BaseScoringResult` (``headline`` /
``headline_key``, ``higher_is_better``, ``ci_low`` / ``ci_high``, ``human_ceiling``, ``verdict``,
``warnings``, ``error``, ``config_label``; old result files get them from their metadata when
loaded). Results built by hand without a headline or verdict fall back to the shape of ``scores``.

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
    key = result.headline_key
    if key:
        number = as_float(result.headline) if result.headline is not None else None
        if number is None:
            number = as_float(result.scores.get(key))
        return key, math.nan if number is None else number
    if is_alt_test(result):  # hand-built results without a headline
        number = as_float(result.scores.get(ADVANTAGE_PROBABILITY))
        return ADVANTAGE_PROBABILITY, math.nan if number is None else number
    for k, v in result.scores.items():
        number = as_float(v)
        if number is not None:
            return str(k), number
    return "score", math.nan


def _label(result: BaseScoringResult) -> str:
    if result.config_label:
        return result.config_label
    parts = [result.scorer_name.replace("_", " "), result.task_name]
    agg = result.metadata.get("annotator_aggregation")
    if isinstance(agg, str) and agg in _AGGREGATION_SHORT:
        parts.append(_AGGREGATION_SHORT[agg])
    if is_alt_test(result):
        parts.append(f"ε={result_epsilon(result):.2f}")
    return " · ".join(parts)


def _verdict(result: BaseScoringResult) -> VerdictName | None:
    if result.verdict in _VERDICTS:
        return result.verdict
    if is_alt_test(result):  # hand-built alt-test results without a verdict
        rates = result.scores.get(WINNING_RATE)
        key = f"{result_epsilon(result):.2f}"
        rate = _finite(rates.get(key)) if isinstance(rates, dict) else None
        if rate is None:
            return "insufficient_data"
        return "pass" if rate >= 0.5 else "fail"
    return None


def _error(result: BaseScoringResult) -> str | None:
    if result.error is not None:
        return f"{result.error.type}: {result.error.message}"
    return None


def result_view(result: BaseScoringResult) -> ResultView:
    """The report's view of one result.

    Args:
        result: A finished result.

    Returns:
        The :class:`ResultView`.
    """
    key, value = _headline(result)
    if "higher_is_better" in result.model_fields_set or result.headline_key:
        higher = result.higher_is_better
    else:
        higher = key.lower() not in _LOWER_IS_BETTER
    low, high = _finite(result.ci_low), _finite(result.ci_high)
    ceiling = _finite(result.human_ceiling)
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
        warnings=tuple(result.warnings),
        error=_error(result),
        n_items=n_items if isinstance(n_items, int) and not isinstance(n_items, bool) else None,
        epsilon=eps,
        advantage=_finite(result.scores.get(ADVANTAGE_PROBABILITY)) if alt else None,
        winning_rate=_finite(rates.get(f"{eps:.2f}")) if isinstance(rates, dict) else None,
    )
