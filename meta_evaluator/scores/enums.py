"""Enumerations used by the scoring API."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AnnotatorAggregation", "TaskAggregationMode"]


class TaskAggregationMode(StrEnum):
    """How the tasks of a metric config were combined before scoring.

    ``SINGLE``: one task. ``MULTITASK``: the scorer ran on each task and the scores were
    averaged. ``MULTILABEL``: the tasks' labels formed one list-valued label per sample.
    """

    SINGLE = "single"
    MULTITASK = "multitask"
    MULTILABEL = "multilabel"


class AnnotatorAggregation(StrEnum):
    """How several human annotators are combined.

    ``INDIVIDUAL_AVERAGE``: judge vs each human on their shared samples, then the mean.
    ``MAJORITY_VOTE``: judge vs the per-sample human consensus.
    """

    INDIVIDUAL_AVERAGE = "individual_average"
    MAJORITY_VOTE = "majority_vote"
