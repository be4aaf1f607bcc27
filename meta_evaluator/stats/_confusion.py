"""Confusion counts and per-class precision / recall / F1 of a candidate against a reference.

Reference: Sokolova, M. & Lapalme, G. (2009). A systematic analysis of performance measures for
classification tasks. *Information Processing & Management* 45(4), 427-437.
doi:10.1016/j.ipm.2009.03.002.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from meta_evaluator.stats._agreement import (
    FloatArray,
    IntArray,
    _check_n_labels,
    _paired_codes,
)

__all__ = ["PerClassScores", "confusion_counts", "per_class_scores"]


def confusion_counts(reference: Any, candidate: Any, *, n_labels: int) -> IntArray:
    """``C[i, j]`` = items the reference coded ``i`` and the candidate coded ``j``.

    Items where either side is missing (``-1``) are left out. Same as
    ``sklearn.metrics.confusion_matrix(reference, candidate, labels=range(n_labels))`` on the
    paired items.

    Args:
        reference: 1-D integer codes ``0..n_labels-1`` (``-1`` = missing), e.g. the human consensus.
        candidate: 1-D codes aligned with ``reference``, e.g. a judge.
        n_labels: Number of labels K.

    Returns:
        An int64 array of shape ``(K, K)``.

    Raises:
        ConfigError: If ``n_labels`` is invalid.
        DataError: If the arrays are malformed or differ in length.

    Examples:
        >>> confusion_counts([0, 0, 1, 1, -1], [0, 1, 1, 1, 0], n_labels=2).tolist()
        [[1, 1], [0, 2]]
    """
    _check_n_labels(n_labels, func="confusion_counts")
    a, b = _paired_codes(
        reference,
        candidate,
        names=("reference", "candidate"),
        func="confusion_counts",
        n_labels=n_labels,
    )
    k = int(n_labels)
    flat = np.bincount(a * k + b, minlength=k * k)
    return flat.reshape(k, k).astype(np.int64)


@dataclass(frozen=True, kw_only=True)
class PerClassScores:
    """Per-label scores of :func:`per_class_scores` (arrays of length K)."""

    precision: FloatArray
    """``tp_k / predicted_k``; nan when the candidate never said ``k``."""
    recall: FloatArray
    """``tp_k / support_k``; nan when the reference never said ``k``."""
    f1: FloatArray
    """``2 tp_k / (predicted_k + support_k)``; nan when both are 0."""
    support: IntArray
    """How often the reference said ``k``."""
    predicted: IntArray
    """How often the candidate said ``k``."""


def per_class_scores(confusion: Any) -> PerClassScores:
    """Precision, recall and F1 per label from confusion counts (rows reference, columns candidate).

    ``precision_k = C[k, k] / sum_i C[i, k]``, ``recall_k = C[k, k] / sum_j C[k, j]``,
    ``f1_k = 2 C[k, k] / (sum_i C[i, k] + sum_j C[k, j])``. A ratio with a zero denominator is
    ``nan`` (no warning: it is a per-label vector; sklearn's ``zero_division=np.nan``).

    Args:
        confusion: ``(K, K)`` non-negative counts, e.g. from :func:`confusion_counts`.

    Returns:
        A :class:`PerClassScores`.

    Examples:
        >>> s = per_class_scores([[1, 1], [0, 2]])
        >>> s.precision.tolist(), s.recall.tolist()
        ([1.0, 0.6666666666666666], [0.5, 1.0])
    """
    c = np.asarray(confusion, dtype=np.float64)
    tp = np.diag(c)
    predicted = c.sum(axis=0)
    support = c.sum(axis=1)

    def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
        out = np.full(num.shape, np.nan)
        np.divide(num, den, out=out, where=den > 0)
        return out

    return PerClassScores(
        precision=ratio(tp, predicted),
        recall=ratio(tp, support),
        f1=ratio(2.0 * tp, predicted + support),
        support=support.astype(np.int64),
        predicted=predicted.astype(np.int64),
    )
