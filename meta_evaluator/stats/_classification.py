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

__all__ = ["binary_score", "classification_score", "samples_scores"]

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

    (sklearn's ``average="binary"`` is :func:`binary_score`.)

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


def binary_score(
    reference: Any,
    candidate: Any,
    *,
    metric: Literal["precision", "recall", "f1"],
    pos_code: int,
    n_labels: int | None = None,
) -> float:
    """Precision, recall or F1 of the positive label alone (sklearn's ``average="binary"``).

    ``precision = tp / pred``, ``recall = tp / true``, ``f1 = 2 tp / (pred + true)`` counted on
    the label ``pos_code`` over the paired items; a zero denominator gives 0.0 (sklearn's
    ``zero_division=0.0``). Range 0..1. No paired item returns ``nan`` with a warning.

    Args:
        reference: 1-D integer codes of the reference rater (``-1`` = missing).
        candidate: 1-D integer codes of the candidate rater, aligned with ``reference``.
        metric: ``"precision"``, ``"recall"`` or ``"f1"``.
        pos_code: The positive label's code.
        n_labels: Number of labels K; when given, codes ``>= K`` raise ``DataError``.

    Raises:
        ConfigError: More than two labels are present (as sklearn: use a multi-class average).

    Example:
        >>> # label 1: tp 2, predicted 3, true 2 -> f1 = 2*2 / (3 + 2)
        >>> binary_score([0, 0, 1, 1], [0, 1, 1, 1], metric="f1", pos_code=1)
        0.8
    """
    from meta_evaluator.errors import ConfigError

    func = "binary_score"
    _check_option(metric, _METRICS[1:], param="metric", func=func)
    ref, cand = _paired_codes(
        reference, candidate, names=("reference", "candidate"), func=func, n_labels=n_labels
    )
    if ref.size == 0:
        return warn_undefined(f"{func}: no item is labelled by both sides; {metric} is undefined.")
    present = np.union1d(ref, cand)
    if present.size > 2:
        raise ConfigError(
            f"{func}: average='binary' scores one positive label of a two-label task, but "
            f"{present.size} labels are present. Use average='macro', 'micro' or 'weighted'."
        )
    tp = float(np.count_nonzero((ref == pos_code) & (cand == pos_code)))
    pred = float(np.count_nonzero(cand == pos_code))
    true = float(np.count_nonzero(ref == pos_code))
    num, den = {"precision": (tp, pred), "recall": (tp, true), "f1": (2 * tp, pred + true)}[metric]
    return num / den if den > 0 else 0.0


def samples_scores(
    reference: Any,
    candidate: Any,
    *,
    metric: Literal["precision", "recall", "f1"],
) -> FloatArray:
    """Per-item precision, recall or F1 of label *sets* (sklearn's ``average="samples"`` terms).

    With ``R`` the reference set and ``C`` the candidate set of an item::

        precision = |R & C| / |C|     recall = |R & C| / |R|     f1 = 2 |R & C| / (|R| + |C|)

    and 0.0 where the denominator is 0 (sklearn's ``zero_division=0.0``: two empty sets score 0,
    as in the original meta-evaluator). The samples-averaged score is the mean over items.

    Args:
        reference: 1-D int64 bit sets (bit k = outcome k), ``-1`` = missing.
        candidate: 1-D int64 bit sets aligned with ``reference``, ``-1`` = missing.
        metric: ``"precision"``, ``"recall"`` or ``"f1"``.

    Returns:
        One value per item; ``nan`` where either side is missing.

    Example:
        >>> # {a, c} vs {a}: f1 = 2*1/(2+1); {b} vs {b}: 1
        >>> [round(float(v), 4) for v in samples_scores([0b101, 0b010], [0b001, 0b010],
        ...                                             metric="f1")]
        [0.6667, 1.0]
    """
    ref = np.asarray(reference, dtype=np.int64)
    cand = np.asarray(candidate, dtype=np.int64)
    both = (ref >= 0) & (cand >= 0)
    r, c = np.where(both, ref, 0), np.where(both, cand, 0)
    inter = np.bitwise_count(r & c).astype(np.float64)
    nr = np.bitwise_count(r).astype(np.float64)
    nc = np.bitwise_count(c).astype(np.float64)
    num, den = {"precision": (inter, nc), "recall": (inter, nr), "f1": (2 * inter, nr + nc)}[metric]
    return np.where(both, _safe_ratio(num, den), np.nan)


def _safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """``num / den`` with 0.0 where ``den == 0`` (sklearn's ``zero_division=0.0``)."""
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out
