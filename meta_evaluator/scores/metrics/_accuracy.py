"""Accuracy and the classification scores (precision, recall, F1) of a judge against humans."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from meta_evaluator.scores._aggregation import LabelTable
from meta_evaluator.scores.metrics._base import PairwiseScorer, check_choice

__all__ = ["AccuracyScorer", "ClassificationScorer"]

_METRICS = ("accuracy", "precision", "recall", "f1")
_AVERAGES = ("macro", "micro", "weighted")


def _agreement_values(reference: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Per-item 1.0 (same code) / 0.0 (different), nan where either side is missing."""
    both = (reference >= 0) & (candidate >= 0)
    return np.where(both, (reference == candidate).astype(np.float64), np.nan)


class ClassificationScorer(PairwiseScorer):
    """Accuracy, precision, recall or F1 of the judge, with the human labels as the reference.

    ``individual_average``: the metric of the judge against each human on the items both
    labelled, then the mean over humans (``metadata["per_human"]``). ``majority_vote``: against
    the per-item human majority (ties -> the alphabetically first label; ``multilabel`` strategy
    -> the majority per position; ``MultiLabelSchema`` sets -> outcomes chosen by more than half).
    List-valued labels are compared as a whole (each distinct list is one class), so accuracy is
    the exact-match rate.

    Formulas (per label ``k``; see
    :func:`meta_evaluator.stats._classification.classification_score`):
    ``precision_k = tp_k / pred_k``, ``recall_k = tp_k / true_k``, ``f1_k = 2 tp_k / (pred_k +
    true_k)``, averaged ``macro`` (plain mean over labels present), ``weighted`` (by support) or
    ``micro`` (pooled, = accuracy). Range 0..1, higher is better. A human who shares no item with
    the judge has a nan score and counts in ``failed_comparisons``; no paired item at all gives
    nan with the reason in ``metadata["warnings"]``.

    ``metadata`` also holds ``human_ceiling``: the same metric for each human against every other
    human (on their shared items, mean over the others, then over humans), and an item-level
    percentile bootstrap 95% CI (``ci_low``, ``ci_high``; seed 0).

    Reference: Sokolova, M. & Lapalme, G. (2009). A systematic analysis of performance measures
    for classification tasks. *Information Processing & Management* 45(4), 427-437.

    Args:
        metric: "accuracy", "precision", "recall" or "f1" (also the ``scorer_name`` and the key
            of ``scores``).
        average: "macro" (default), "micro" or "weighted"; ignored for accuracy.
        n_resamples: Bootstrap resamples for the CI (0 = no CI).

    Example:
        >>> ClassificationScorer(metric="f1").scorer_name
        'f1'
    """

    supported_kinds: ClassVar[frozenset[str]] = frozenset({"categorical", "numeric", "multilabel"})
    ylabel: ClassVar[str] = "score"

    def __init__(
        self,
        metric: Literal["accuracy", "precision", "recall", "f1"] = "accuracy",
        average: Literal["macro", "micro", "weighted"] = "macro",
        *,
        n_resamples: int = 1000,
    ) -> None:
        check_choice(type(self).__name__, "metric", metric, _METRICS)
        check_choice(type(self).__name__, "average", average, _AVERAGES)
        super().__init__(scorer_name=metric, n_resamples=n_resamples)
        self.metric = metric
        self.average = average

    @property
    def primary_score(self) -> str:  # type: ignore[override]
        """The key of ``scores``: the metric name."""
        return self.metric

    def label(self) -> str:
        """``f1(macro)``, ``precision(weighted)``, ...; plain ``accuracy`` for accuracy."""
        return self.metric if self.metric == "accuracy" else f"{self.metric}({self.average})"

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats._classification import classification_score

        return classification_score(
            reference,
            candidate,
            metric=self.metric,
            average=self.average,
            n_labels=max(table.n_labels, 1),
        )

    def _item_values(
        self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray
    ) -> np.ndarray | None:
        if self.metric == "accuracy" or self.average == "micro":
            return _agreement_values(reference, candidate)
        return None


class AccuracyScorer(ClassificationScorer):
    """Share of items on which the judge gives the human's label (exact match for lists).

    ``accuracy = #{i : judge_i == human_i} / #{i : both labelled}``, per human then averaged
    (``individual_average``), or against the per-item human majority (``majority_vote``). Range
    0..1, higher is better; compare it with ``metadata["human_ceiling"]`` (how often humans agree
    with each other) and with the majority-class rate, since accuracy is not chance-corrected.
    See :class:`ClassificationScorer` for the conventions.

    Args:
        n_resamples: Bootstrap resamples for the CI (0 = no CI).

    Example:
        >>> AccuracyScorer().scorer_name
        'accuracy'
    """

    def __init__(self, *, n_resamples: int = 1000) -> None:
        super().__init__(metric="accuracy", n_resamples=n_resamples)

    def config_params(self) -> dict[str, Any]:
        """Constructor parameters (``n_resamples``)."""
        return {"n_resamples": self.n_resamples}

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats._agreement import accuracy

        return accuracy(reference, candidate)
