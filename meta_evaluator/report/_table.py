"""The summary table of a score report: judges x metric-config columns, read from finished results.

Nothing here computes a metric. The table only picks the headline numbers out of each
:class:`~meta_evaluator.scores.base_scoring_result.BaseScoringResult` (for the alt-test: the
winning rate at the config's epsilon and the advantage probability), lays them out one row per
judge and one column per metric config, and marks the best judge per column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from meta_evaluator.columns import JUDGE_ID
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = [
    "ALT_TEST_DEFAULT_EPSILON",
    "ScoreColumn",
    "ScoreTable",
    "as_float",
    "build_table",
    "config_name",
    "group_by_config",
    "is_alt_test",
    "result_epsilon",
]

ALT_TEST_DEFAULT_EPSILON = 0.2
"""Epsilon used to read an alt-test winning rate when the result's metadata names none."""
WINNING_RATE = "winning_rate"
ADVANTAGE_PROBABILITY = "advantage_probability"
_LOWER_IS_BETTER = frozenset(
    {"rmse", "mse", "mae", "error", "error_rate", "loss", "distance", "hamming_loss"}
)
"""Score keys (or scorer names) where a smaller number is better; everything else: higher."""


def as_float(value: Any) -> float | None:
    """Return ``value`` as a float (nan kept) when it is a real number or None (-> nan).

    Returns None for values that are not numbers (strings, dicts, booleans), which the table
    leaves out.

    Examples:
        >>> as_float(1), as_float(None), as_float("x")
        (1.0, nan, None)
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def config_name(result: BaseScoringResult) -> str:
    """The metric config a result belongs to: its readable ``config_label`` when set, else
    ``metadata["metric_config"]``.

    Results built by hand without either are grouped by ``"<scorer_name>_<task_name>"``.
    """  # noqa: D205
    if result.config_label:
        return result.config_label
    name = result.metadata.get("metric_config")
    if isinstance(name, str) and name:
        return name
    return f"{result.scorer_name}_{result.task_name}"


def is_alt_test(result: BaseScoringResult) -> bool:
    """Whether the result holds alt-test scores (a winning rate per epsilon)."""
    return isinstance(result.scores.get(WINNING_RATE), dict)


def result_epsilon(result: BaseScoringResult) -> float:
    """The epsilon an alt-test result is read at (``metadata["epsilon"]``, default 0.2)."""
    eps = as_float(result.metadata.get("epsilon"))
    return ALT_TEST_DEFAULT_EPSILON if eps is None or not math.isfinite(eps) else eps


def group_by_config(results: Sequence[BaseScoringResult]) -> dict[str, list[BaseScoringResult]]:
    """Group results by metric config, keeping first-appearance order of configs and judges."""
    groups: dict[str, list[BaseScoringResult]] = {}
    for result in results:
        groups.setdefault(config_name(result), []).append(result)
    return groups


@dataclass(frozen=True, kw_only=True)
class ScoreColumn:
    """One column of the summary table."""

    name: str
    """Column name in :meth:`ScoreReport.to_frame` (the config name, maybe with a score suffix)."""
    config: str
    """The metric config's unique name."""
    scorer_name: str
    """The scorer that produced the column."""
    score_key: str
    """Which entry of ``scores`` the column shows (``"winning_rate"`` for the alt-test rate)."""
    higher_is_better: bool = True
    """Whether the best judge has the largest value (else the smallest)."""
    epsilon: float | None = None
    """For alt-test winning-rate columns: the epsilon the rate is read at."""


@dataclass(frozen=True, kw_only=True)
class ScoreTable:
    """The laid-out summary table: values, confidence intervals, ceilings and best cells."""

    judges: list[str]
    """Row order: judges in order of first appearance."""
    columns: list[ScoreColumn]
    """Column order: configs in order of first appearance."""
    values: dict[tuple[str, str], float] = field(default_factory=dict)
    """(judge, column name) -> value; nan = undefined; a missing key = not computed."""
    ci: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    """(judge, column name) -> 95% confidence interval, when the result reports a finite one."""
    ceilings: dict[str, float] = field(default_factory=dict)
    """Column name -> human ceiling (the humans' agreement with each other), when reported."""
    best: dict[str, frozenset[str]] = field(default_factory=dict)
    """Column name -> judges holding the best finite value (ties: all of them)."""

    def to_frame(self) -> pl.DataFrame:
        """Rows judges, first column ``judge_id``, then one Float64 column per score column."""
        data: dict[str, list[Any]] = {JUDGE_ID: list(self.judges)}
        schema: dict[str, Any] = {JUDGE_ID: pl.String}
        for column in self.columns:
            data[column.name] = [self.values.get((j, column.name)) for j in self.judges]
            schema[column.name] = pl.Float64
        return pl.DataFrame(data, schema=schema)


def _numeric_keys(result: BaseScoringResult) -> list[str]:
    return [k for k, v in result.scores.items() if as_float(v) is not None]


def _higher_is_better(result: BaseScoringResult, key: str) -> bool:
    flag = result.metadata.get("higher_is_better")
    if isinstance(flag, bool):
        return flag
    return (
        key.lower() not in _LOWER_IS_BETTER and result.scorer_name.lower() not in _LOWER_IS_BETTER
    )


def _config_columns(config: str, results: list[BaseScoringResult]) -> list[ScoreColumn]:
    first = results[0]
    if any(is_alt_test(r) for r in results):
        alt = next(r for r in results if is_alt_test(r))
        return [
            ScoreColumn(
                name=f"{config}_{WINNING_RATE}",
                config=config,
                scorer_name=alt.scorer_name,
                score_key=WINNING_RATE,
                epsilon=result_epsilon(alt),
            ),
            ScoreColumn(
                name=f"{config}_advantage_prob",  # the original meta-evaluator's column name
                config=config,
                scorer_name=alt.scorer_name,
                score_key=ADVANTAGE_PROBABILITY,
            ),
        ]
    keys = list(dict.fromkeys(k for r in results for k in _numeric_keys(r)))
    return [
        ScoreColumn(
            name=config if len(keys) == 1 else f"{config}_{key}",
            config=config,
            scorer_name=first.scorer_name,
            score_key=key,
            higher_is_better=_higher_is_better(first, key),
        )
        for key in keys
    ]


def _cell_value(result: BaseScoringResult, column: ScoreColumn) -> float | None:
    raw = result.scores.get(column.score_key)
    if column.score_key == WINNING_RATE and isinstance(raw, dict):
        return as_float(raw.get(f"{result_epsilon(result):.2f}"))
    if column.score_key not in result.scores:
        return None
    return as_float(raw)


def _ci_column(result: BaseScoringResult, columns: list[ScoreColumn]) -> ScoreColumn | None:
    """The column a result's ``ci_low``/``ci_high`` (and human ceiling) belong to.

    ``metadata["ci_score"]`` may name the score key; otherwise the headline: the only column,
    the first score key, or the advantage probability for the alt-test.
    """
    if not columns:
        return None
    target = result.metadata.get("ci_score")
    for column in columns:
        if column.score_key == target:
            return column
    for column in columns:
        if column.score_key == ADVANTAGE_PROBABILITY:
            return column
    return columns[0]


def _best(values: list[tuple[str, float]], *, higher_is_better: bool) -> frozenset[str]:
    finite = [(j, v) for j, v in values if math.isfinite(v)]
    if not finite:
        return frozenset()
    pick = max if higher_is_better else min
    target = pick(v for _, v in finite)
    return frozenset(j for j, v in finite if v == target)


def build_table(results: Sequence[BaseScoringResult]) -> ScoreTable:
    """Lay out finished results as the judges x metric-configs summary table.

    Args:
        results: Finished scoring results, any number of configs and judges. When a (config,
            judge) pair appears twice, the later result wins.

    Returns:
        The table.

    Examples:
        >>> r = BaseScoringResult(scorer_name="accuracy", task_name="t", judge_id="j1",
        ...                       scores={"accuracy": 0.75}, metadata={"metric_config": "acc"})
        >>> build_table([r]).to_frame().row(0)
        ('j1', 0.75)
    """
    judges = list(dict.fromkeys(r.judge_id for r in results))
    columns: list[ScoreColumn] = []
    values: dict[tuple[str, str], float] = {}
    ci: dict[tuple[str, str], tuple[float, float]] = {}
    ceilings: dict[str, float] = {}
    for config, group in group_by_config(results).items():
        config_columns = _config_columns(config, group)
        columns.extend(config_columns)
        for result in group:
            for column in config_columns:
                value = _cell_value(result, column)
                if value is not None:
                    values[(result.judge_id, column.name)] = value
            target = _ci_column(result, config_columns)
            if target is None:
                continue
            low, high = as_float(result.ci_low), as_float(result.ci_high)
            if low is not None and high is not None and math.isfinite(low) and math.isfinite(high):
                ci[(result.judge_id, target.name)] = (low, high)
            ceiling = as_float(result.human_ceiling)
            if ceiling is not None and math.isfinite(ceiling):
                ceilings.setdefault(target.name, ceiling)
    best = {
        column.name: _best(
            [(j, values[(j, column.name)]) for j in judges if (j, column.name) in values],
            higher_is_better=column.higher_is_better,
        )
        for column in columns
    }
    return ScoreTable(
        judges=judges, columns=columns, values=values, ci=ci, ceilings=ceilings, best=best
    )
