"""Run one scorer on one judge's labels, blocking, the way the comparison driver does."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from meta_evaluator.scores._context import TaskContext
    from meta_evaluator.scores.base_scorer import BaseScorer
    from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["run_scorer"]


def run_scorer(
    scorer: BaseScorer,
    judge_data: pl.DataFrame,
    human_data: pl.DataFrame,
    context: TaskContext | None = None,
    *,
    task_name: str = "t",
    judge_id: str = "j",
) -> BaseScoringResult:
    """``scorer.compute_score_async(...)`` under ``context``, run to completion.

    For tests of scorers (built-in or custom) without a project.

    Args:
        scorer: The scorer.
        judge_data: Columns ``original_id``, ``label``.
        human_data: Columns ``original_id``, ``human_id``, ``label``.
        context: The task context the driver would set (None = infer from the labels).
        task_name: Passed to the scorer.
        judge_id: Passed to the scorer.

    Returns:
        The result.

    Example:
        >>> import polars as pl
        >>> from meta_evaluator.scores.metrics import AccuracyScorer
        >>> jd = pl.DataFrame({"original_id": ["a", "b"], "label": ["x", "y"]})
        >>> hd = pl.DataFrame({"original_id": ["a", "b"], "human_id": ["h", "h"],
        ...                    "label": ["x", "x"]})
        >>> run_scorer(AccuracyScorer(n_resamples=0), jd, hd).headline
        0.5
    """
    from meta_evaluator.scores import task_context
    from meta_evaluator.scores.enums import TaskAggregationMode

    async def go() -> BaseScoringResult:
        with task_context(context):
            return await scorer.compute_score_async(
                judge_data, human_data, task_name, judge_id, TaskAggregationMode.SINGLE
            )

    return asyncio.run(go())
