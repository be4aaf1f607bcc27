"""Scoring: metric configurations, the comparison driver and the scorer task context.

``MetricConfig`` / ``MetricsConfig`` say which scorer runs on which tasks;
``compare_async`` runs them for every judge; scorers live in :mod:`meta_evaluator.scores.metrics`.
Custom scorers derive from :class:`meta_evaluator.scores.base_scorer.BaseScorer` and may read the
schema of the task being scored with ``current_task_context()``.
"""

from __future__ import annotations

from meta_evaluator.scores._aggregation import TaskContext, current_task_context, task_context
from meta_evaluator.scores._compare import compare_async, run_sync
from meta_evaluator.scores._config import MetricConfig, MetricsConfig

__all__ = [
    "MetricConfig",
    "MetricsConfig",
    "TaskContext",
    "compare_async",
    "current_task_context",
    "run_sync",
    "task_context",
]


def __getattr__(name: str) -> object:
    """Resolve the original meta-evaluator's ``from meta_evaluator.scores import AccuracyScorer``.

    Every scorer, ``BaseScorer`` and ``BaseScoringResult``, imported lazily (no import cycle).
    """
    from meta_evaluator._compat import scores_attribute

    return scores_attribute(name)
