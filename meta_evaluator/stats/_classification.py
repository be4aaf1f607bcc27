"""Classification scores of a candidate rater against a reference: precision, recall, F1."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from meta_evaluator.stats._agreement import (
    FloatArray,
    _check_n_labels,
    _check_option,
    _paired_codes,
    warn_undefined,
)

__all__ = ["classification_score"]

_METRICS = ("accuracy", "precision", "recall", "f1")
_AVERAGES = ("macro", "micro", "weighted")


def classification_score(
    reference: Any,
    candidate: Any,
    *,
    metric: Literal["accuracy", "precision", "recall", "f1"],
    average: Literal["macro", "micro", "weighted"] = "macro",
    n_labels: int | None = None,
) -> float:
    """Accuracy, precision, recall or F1 of ``candidate`` against ``reference`` over label codes.

    For each label ``k`` with true positives ``tp_k``, predicted count ``pred_k`` (how often the
    candidate said ``k``) and support ``true_k`` (how often the reference said ``k``)::

        precision_k = tp_k / pred_k        recall_k = tp_k / true_k
        f1_k        = 2 tp_k / (pred_k + true_k)

    and then ``average``:

    * ``"macro"``: unweighted mean over labels;
    * ``"weighted"``: mean weighted by support ``true_k``;
    * ``"micro"``: computed from the pooled counts, which for single-label data equals accuracy.

    The labels averaged over are the codes **present in either array** (after dropping items where
    either side is missing), exactly like ``sklearn.metrics.precision_recall_fscore_support`` with
    ``labels=None``; a schema label that nobody used does not drag the macro average down. A ratio
    with a zero denominator (a label never predicted, or never in the reference) counts as 0.0, as
    sklearn's ``zero_division=0.0``. ``n_labels`` only validates the codes.

    Range 0..1, higher is better. Edge case: no paired item returns ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Sokolova, M. & Lapalme, G. (2009). A systematic analysis of performance measures for
    classification tasks. *Information Processing & Management* 45(4), 427-437.
    doi:10.1016/j.ipm.2009.03.002.

    Args:
        reference: 1-D integer codes of the reference rater (``-1`` = missing).
        candidate: 1-D integer codes of the candidate rater, aligned with ``reference``.
        metric: ``"accuracy"``, ``"precision"``, ``"recall"`` or ``"f1"``.
        average: ``"macro"`` (default), ``"micro"`` or ``"weighted"``; ignored for accuracy.
        n_labels: Number of labels K; when given, codes ``>= K`` raise ``DataError``.

    Returns:
        The score as a float, or ``nan`` when there are no paired items.

    Raises:
        ConfigError: If ``metric``, ``average`` or ``n_labels`` is invalid.
        DataError: If the inputs are not equal-length 1-D code arrays.

    Examples:
        >>> ref, cand = [0, 0, 1, 1], [0, 1, 1, 1]
        >>> # precision: label 0 -> 1/1, label 1 -> 2/3; macro = (1 + 2/3) / 2
        >>> round(classification_score(ref, cand, metric="precision"), 6)
        0.833333
        >>> classification_score(ref, cand, metric="recall", average="micro")
        0.75
    """
    func = "classification_score"
    _check_option(metric, _METRICS, param="metric", func=func)
    _check_option(average, _AVERAGES, param="average", func=func)
    _check_n_labels(n_labels, func=func)
    ref, cand = _paired_codes(
        reference, candidate, names=("reference", "candidate"), func=func, n_labels=n_labels
    )
    n = ref.size
    if n == 0:
        return warn_undefined(f"{func}: no item is labelled by both sides; {metric} is undefined.")
    if metric == "accuracy" or average == "micro":
        # pooled counts: sum tp = #agreements, sum pred = sum true = n
        return float(np.count_nonzero(ref == cand) / n)
    k = int(max(ref.max(), cand.max())) + 1
    tp = np.bincount(ref[ref == cand], minlength=k).astype(np.float64)
    true = np.bincount(ref, minlength=k).astype(np.float64)
    pred = np.bincount(cand, minlength=k).astype(np.float64)
    present = (true + pred) > 0
    tp, true, pred = tp[present], true[present], pred[present]
    if metric == "precision":
        per_label = _safe_ratio(tp, pred)
    elif metric == "recall":
        per_label = _safe_ratio(tp, true)
    else:
        per_label = _safe_ratio(2.0 * tp, pred + true)
    if average == "macro":
        return float(per_label.mean())
    return float((per_label * true).sum() / true.sum())


def _safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """``num / den`` with 0.0 where ``den == 0`` (sklearn's ``zero_division=0.0``)."""
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out
