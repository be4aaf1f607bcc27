"""Accuracy and the classification scores (precision, recall, F1) of a judge against humans."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from meta_evaluator.errors import ConfigError, ScoringError
from meta_evaluator.scores._aggregation import LabelTable
from meta_evaluator.scores.metrics._base import PairwiseScorer, check_choice

if TYPE_CHECKING:
    from meta_evaluator.scores._aggregation import TaskContext

__all__ = ["AccuracyScorer", "ClassificationScorer"]

_METRICS = ("accuracy", "precision", "recall", "f1")
_AVERAGES = ("macro", "micro", "weighted", "binary", "samples")


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

    ``average="binary"`` (with ``pos_label``) scores the positive label alone, as sklearn's
    ``average="binary"``; the task must have two labels. ``average="samples"`` scores label *sets*
    (``MultiLabelSchema`` tasks): per item ``|H & J| / |J|`` (precision), ``|H & J| / |H|``
    (recall) or ``2 |H & J| / (|H| + |J|)`` (F1), 0 where undefined (two empty sets score 0, as
    sklearn's ``zero_division=0`` and the original meta-evaluator), then the mean over items
    (:func:`meta_evaluator.stats._classification.samples_scores`). These are the original
    meta-evaluator's options; its default (``average="binary", pos_label=1``) only fits 0/1
    labels, so the default here stays ``"macro"``.

    Args:
        metric: "accuracy", "precision", "recall" or "f1" (also the ``scorer_name`` and the key
            of ``scores``).
        average: "macro" (default), "micro", "weighted", "binary" or "samples"; ignored for
            accuracy.
        pos_label: The positive label for ``average="binary"`` (a label of the task's schema).
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
        average: Literal["macro", "micro", "weighted", "binary", "samples"] = "macro",
        *,
        pos_label: str | int | float | bool | None = None,
        n_resamples: int = 1000,
    ) -> None:
        check_choice(type(self).__name__, "metric", metric, _METRICS)
        check_choice(type(self).__name__, "average", average, _AVERAGES)
        if average == "binary" and metric != "accuracy" and pos_label is None:
            raise ConfigError(
                f"{type(self).__name__}(metric={metric!r}, average='binary') needs the positive "
                "label: pass pos_label=<a label of the task>, e.g. pos_label='rejection'."
            )
        super().__init__(scorer_name=metric, n_resamples=n_resamples)
        self.metric = metric
        self.average = average
        self.pos_label = pos_label

    @property
    def primary_score(self) -> str:  # type: ignore[override]
        """The key of ``scores``: the metric name."""
        return self.metric

    def label(self) -> str:
        """``f1(macro)``, ``f1(binary: yes)``, ...; plain ``accuracy`` for accuracy."""
        if self.metric == "accuracy":
            return self.metric
        if self.average == "binary":
            return f"{self.metric}(binary: {self.pos_label})"
        return f"{self.metric}({self.average})"

    @property
    def _by_sets(self) -> bool:
        return self.average == "samples" and self.metric != "accuracy"

    def unsupported_reason(self, kinds: list[str], strategy: str) -> str | None:
        """``samples`` needs label sets; ``binary`` needs single labels (see the class doc)."""
        if self._by_sets and (strategy == "multilabel" or any(k != "multilabel" for k in kinds)):
            return (
                "average='samples' scores label sets: use it on MultiLabelSchema tasks only "
                "(not with the multilabel strategy or single-label tasks); use average='macro' "
                "otherwise"
            )
        if (
            self.average == "binary"
            and self.metric != "accuracy"
            and (strategy == "multilabel" or "multilabel" in kinds)
        ):
            return (
                "average='binary' scores one positive label of a two-label task; for label sets "
                "use average='samples' or 'macro'"
            )
        return super().unsupported_reason(kinds, strategy)

    def _encoding(self, ctx: TaskContext | None, sample: Any) -> str:
        return "bitmask" if self._by_sets else "codes"

    def _prepare(self, table: LabelTable, ctx: TaskContext | None) -> LabelTable:
        return _missing_as_minus_one(table) if self._by_sets else table

    def _consensus(self, table: LabelTable) -> LabelTable:
        out = super()._consensus(table)
        return _missing_as_minus_one(out) if self._by_sets else out

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats._agreement import warn_undefined
        from meta_evaluator.stats._classification import (
            binary_score,
            classification_score,
            samples_scores,
        )

        if self._by_sets:
            vals = samples_scores(reference, candidate, metric=self.metric)  # type: ignore[arg-type]
            ok = np.isfinite(vals)
            if not ok.any():
                return warn_undefined(f"{self.scorer_name}: no item is labelled by both sides")
            return float(vals[ok].mean())
        if self.average == "binary" and self.metric != "accuracy":
            if self.pos_label not in table.labels:
                raise ScoringError(
                    f"{type(self).__name__}: pos_label={self.pos_label!r} is not a label of this "
                    f"task; its labels are {table.labels!r}. Pass one of them."
                )
            return binary_score(
                reference,
                candidate,
                metric=self.metric,
                pos_code=table.labels.index(self.pos_label),
                n_labels=max(table.n_labels, 1),
            )
        average = self.average if self.average in ("macro", "micro", "weighted") else "macro"
        return classification_score(
            reference,
            candidate,
            metric=self.metric,
            average=average,  # accuracy ignores binary/samples
            n_labels=max(table.n_labels, 1),
        )

    def _item_values(
        self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray
    ) -> np.ndarray | None:
        from meta_evaluator.stats._classification import samples_scores

        if self._by_sets:
            return samples_scores(reference, candidate, metric=self.metric)  # type: ignore[arg-type]
        if self.metric == "accuracy" or self.average == "micro":
            return _agreement_values(reference, candidate)
        return None


def _missing_as_minus_one(table: LabelTable) -> LabelTable:
    """A bitmask table with ``-1`` where a label is missing (an empty set stays ``0``)."""
    return replace(
        table,
        judge=np.where(table.judge_valid, table.judge, -1),
        humans=np.where(table.humans_valid, table.humans, -1),
    )


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
