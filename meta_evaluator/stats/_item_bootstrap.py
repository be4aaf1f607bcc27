"""One generic, vectorised item bootstrap for statistics of additive per-item sums.

Most agreement statistics depend on the data only through sums over items of per-item
features: confusion-matrix cells (precision, recall, F1, kappa), per-item agreement and
category counts (Fleiss' kappa), coincidence cells (Krippendorff's alpha). A resample that
draws item ``i`` ``W[b, i]`` times has sums ``W @ features``, so every replicate of a chunk of
resamples is one matrix product, and the statistic is evaluated on the ``(chunk, F)`` sums at
once. Drawing, chunking and the exact repeated-pattern shortcut are those of
:mod:`meta_evaluator.stats._bootstrap` (same seeds give the same draws).

The feature builders below turn rater x item codes into features and return the matching
``statistic(sums) -> replicates``; evaluated on the unweighted sums (every item once) each
reproduces its point estimate (tested).

Example:
    >>> import numpy as np
    >>> values = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])  # (value, present) per item
    >>> reps = bootstrap_sums(values, lambda s: s[:, 0] / s[:, 1], n_resamples=4, seed=0)
    >>> reps.shape
    (4,)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal, Protocol

import numpy as np
import scipy.sparse as sp

from meta_evaluator.stats._agreement import (
    MISSING_CODE,
    FloatArray,
    IntArray,
    _kappa_from_confusion,
    _weight_matrix,
)
from meta_evaluator.stats._bootstrap import (
    _PATTERN_MAX_SHARE,
    _PATTERN_MIN_ITEMS,
    _check_count,
    _confusion_indicator,
    _nanmean_rows,
    _pattern_weight_chunks,
    _row_patterns,
    _weight_chunks,
)

__all__ = [
    "MAX_RATIO_VALUES",
    "SumStatistic",
    "alpha_features",
    "bootstrap_resamples",
    "bootstrap_sums",
    "classification_features",
    "classification_from_confusion",
    "fleiss_features",
    "kappa_features",
    "modal_items",
]


class SumStatistic(Protocol):
    """``statistic(sums)``: ``(b, F)`` per-resample feature sums -> ``(b,)`` replicates."""

    def __call__(self, sums: FloatArray, /) -> FloatArray:
        """Evaluate the statistic on each row of feature sums."""
        ...


MAX_RATIO_VALUES = 64
"""Ratio-level alpha resamples through a values x values coincidence matrix up to this size."""


def bootstrap_sums(
    features: Any,
    statistic: SumStatistic,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    patterns_of: Any = None,
    counts: Any = None,
) -> FloatArray:
    """Replicates of ``statistic(W @ features)`` over item-level resamples ``W``.

    Args:
        features: ``(n_items, F)`` per-item additive features.
        statistic: Maps ``(b, F)`` sums to ``(b,)`` replicates (nan = undefined on a resample).
        n_resamples: Number of resamples (>= 1).
        seed: Seed, as in :func:`~meta_evaluator.stats.bootstrap_weights`.
        patterns_of: Rows whose repeats define the item patterns of the exact shortcut (default:
            the feature rows).
        counts: When given, ``features`` holds one row per distinct item pattern and ``counts``
            how many items share it: the pattern shortcut without building every item's row.

    Returns:
        ``(n_resamples,)`` replicates; all nan when there is no item.
    """
    _check_count(n_resamples, param="n_resamples", func="bootstrap_sums", minimum=1)
    x: Any = (
        sp.csr_matrix(features, dtype=np.float64)
        if sp.issparse(features)
        else np.asarray(features, dtype=np.float64)
    )
    n_items = x.shape[0]
    out = np.full(int(n_resamples), np.nan)
    if n_items == 0:
        return out
    chunks: Iterator[FloatArray]
    if counts is None:
        patterns = (
            _feature_patterns(x) if patterns_of is None else _row_patterns(np.asarray(patterns_of))
        )
        if patterns is not None:
            first, counts = patterns
            x = x[first]
    if counts is None:
        chunks = _weight_chunks(n_items, int(n_resamples), seed)
    else:  # one row per distinct item pattern: draw pattern counts (exact shortcut)
        chunks = _pattern_weight_chunks(np.asarray(counts, dtype=np.int64), int(n_resamples), seed)
    start = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        for block in chunks:
            sums = np.asarray((x.T @ block.T).T) if sp.issparse(x) else block @ x
            out[start : start + block.shape[0]] = statistic(sums)
            start += block.shape[0]
    return out


def _feature_patterns(x: Any) -> tuple[IntArray, IntArray] | None:
    """Distinct feature rows (representative index, count), found through a row hash.

    Rows are keyed by a fixed random projection and the grouping is verified exactly (every row
    equals its representative); a collision falls back to the byte-wise comparison of
    ``_row_patterns``. None when patterns do not pay (few items, many distinct rows).
    """
    n = x.shape[0]
    if n < _PATTERN_MIN_ITEMS:
        return None
    key = np.asarray(x @ np.random.default_rng(0x5EED).standard_normal(x.shape[1])).ravel()
    _, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    if first.size > _PATTERN_MAX_SHARE * n:
        return None
    rebuilt = x[first][inverse]
    same = (rebuilt != x).nnz == 0 if sp.issparse(x) else np.array_equal(rebuilt, x)
    if not same:  # pragma: no cover - a hash collision
        return _row_patterns(x.toarray() if sp.issparse(x) else x)
    return first.astype(np.int64), counts.astype(np.int64)


def bootstrap_resamples(
    statistic: Callable[[IntArray], float], n_items: int, *, n_resamples: int = 1000, seed: int = 0
) -> FloatArray:
    """Replicates of ``statistic(idx)`` for item-index resamples ``idx`` (the general fallback).

    For statistics that are no function of additive item sums (rank correlations, a custom
    pair metric), each resample is evaluated on its own: ``n_resamples`` calls of ``statistic``.
    Resample ``b`` draws the same items as row ``b`` of
    :func:`~meta_evaluator.stats.bootstrap_weights`. Prefer :func:`bootstrap_sums`.
    """
    _check_count(n_resamples, param="n_resamples", func="bootstrap_resamples", minimum=1)
    out = np.full(int(n_resamples), np.nan)
    if n_items == 0:
        return out
    for b, child in enumerate(np.random.SeedSequence(seed).spawn(int(n_resamples))):
        out[b] = statistic(np.random.default_rng(child).integers(0, n_items, n_items))
    return out


# ------------------------------------------------------------------ confusion matrices
def kappa_features(
    candidate: IntArray,
    references: IntArray,
    *,
    n_labels: int,
    weights: Literal["linear", "quadratic"] | None = None,
) -> tuple[Any, SumStatistic]:
    """Features (sparse) and statistic of the mean over references of Cohen's kappa."""
    n_humans = references.shape[0]
    w = _weight_matrix(n_labels, weights)

    def statistic(sums: FloatArray) -> FloatArray:
        confusion = sums.reshape(sums.shape[0], n_humans, n_labels, n_labels)
        return _nanmean_rows(_kappa_from_confusion(confusion, w))

    return _confusion_indicator(candidate, references, n_labels, items_as_rows=True), statistic


def classification_from_confusion(
    confusion: FloatArray,
    *,
    metric: Literal["accuracy", "precision", "recall", "f1"],
    average: Literal["macro", "micro", "weighted"] = "macro",
) -> FloatArray:
    """Vectorised :func:`~meta_evaluator.stats.classification_score` over ``(..., K, K)``.

    ``confusion[..., p, t]`` counts items the candidate labelled ``p`` and the reference ``t``.
    Labels averaged over are those present on either side, as in ``classification_score``;
    nan where a matrix is empty.
    """
    n = confusion.sum(axis=(-2, -1))
    tp = np.diagonal(confusion, axis1=-2, axis2=-1)
    pred = confusion.sum(axis=-1)
    true = confusion.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "accuracy" or average == "micro":
            out = tp.sum(axis=-1) / n
        else:
            num = {"precision": tp, "recall": tp, "f1": 2.0 * tp}[metric]
            den = {"precision": pred, "recall": true, "f1": pred + true}[metric]
            per_label = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
            present = (true + pred) > 0
            if average == "macro":
                out = (per_label * present).sum(axis=-1) / present.sum(axis=-1)
            else:
                out = (per_label * true).sum(axis=-1) / true.sum(axis=-1)
    return np.where(n > 0, out, np.nan)


def classification_features(
    candidate: IntArray,
    references: IntArray,
    *,
    n_labels: int,
    metric: Literal["accuracy", "precision", "recall", "f1"],
    average: Literal["macro", "micro", "weighted"] = "macro",
) -> tuple[Any, SumStatistic]:
    """Features (sparse) and statistic of the mean over references of a classification score."""
    n_humans = references.shape[0]

    def statistic(sums: FloatArray) -> FloatArray:
        confusion = sums.reshape(sums.shape[0], n_humans, n_labels, n_labels)
        return _nanmean_rows(
            classification_from_confusion(confusion, metric=metric, average=average)
        )

    return _confusion_indicator(candidate, references, n_labels, items_as_rows=True), statistic


# ------------------------------------------------------------------ Fleiss' kappa
def modal_items(counts: IntArray) -> tuple[np.ndarray, int]:
    """Fleiss' item filter: items carrying the most common number of ratings.

    Fleiss' kappa needs the same number of ratings on every item; with sparse annotations the
    items at the modal rating count are kept (ties: the smaller count). Returns the mask of kept
    items and that count (0 when no item is rated).

    Example:
        >>> mask, mode = modal_items(np.array([[2, 1], [1, 1], [3, 0], [0, 0]]))
        >>> mask.tolist(), mode
        ([True, False, True, False], 3)
    """
    m = counts.sum(axis=1)
    rated = m[m > 0]
    if not rated.size:
        return m == 0, 0
    mode = int(np.bincount(rated).argmax())
    return m == mode, mode


def fleiss_features(counts: IntArray) -> tuple[FloatArray, SumStatistic]:
    """Features ``[kept, P_i, n_i1..n_iK]`` (zero rows for filtered items) and Fleiss' kappa.

    With ``N = sum w``, ``P_bar = sum w P_i / N`` and ``p_j = sum w n_ij / (N n)``:
    ``kappa = (P_bar - sum p_j^2) / (1 - sum p_j^2)`` (nan when undefined).
    """
    keep, n = modal_items(counts)
    table = np.where(keep[:, None], counts, 0).astype(np.float64)
    p_i = ((table**2).sum(axis=1) - n) / (n * (n - 1.0)) if n >= 2 else np.zeros(len(table))
    features = np.column_stack([keep.astype(np.float64), np.where(keep, p_i, 0.0), table])

    def statistic(sums: FloatArray) -> FloatArray:
        if n < 2:
            return np.full(sums.shape[0], np.nan)
        items = sums[:, 0]
        p_bar = sums[:, 1] / items
        p = sums[:, 2:] / (items[:, None] * n)
        p_e = (p**2).sum(axis=1)
        kappa = (p_bar - p_e) / (1.0 - p_e)
        return np.where((items > 0) & ~np.isclose(p_e, 1.0, rtol=0.0, atol=1e-15), kappa, np.nan)

    return features, statistic


# ------------------------------------------------------------------ Krippendorff's alpha
def _ordinal_delta2_rows(n_c: FloatArray) -> FloatArray:
    """Per-row ordinal ``delta2`` ``(b, K, K)`` from marginals ``(b, K)``."""
    cum = np.concatenate([np.zeros((n_c.shape[0], 1)), np.cumsum(n_c, axis=1)], axis=1)
    idx = np.arange(n_c.shape[1])
    lo = np.minimum(idx[:, None], idx[None, :])
    hi = np.maximum(idx[:, None], idx[None, :])
    delta = cum[:, hi + 1] - cum[:, lo] - (n_c[:, :, None] + n_c[:, None, :]) / 2.0
    delta2: FloatArray = np.asarray(delta**2, dtype=np.float64)
    delta2[:, idx, idx] = 0.0
    return delta2


def _alpha_from(n: FloatArray, observed: FloatArray, expected: FloatArray) -> FloatArray:
    alpha = 1.0 - (n - 1.0) * observed / expected
    return np.where(n <= 0, np.nan, np.where(expected <= 0, 1.0, alpha))


def alpha_features(
    ratings: Any, *, level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal"
) -> tuple[FloatArray, SumStatistic] | None:
    """Features and statistic of Krippendorff's alpha over items (rater x item ``ratings``).

    ``ratings`` holds codes (``-1`` missing) for nominal / ordinal and values (nan missing) for
    interval / ratio, as :func:`~meta_evaluator.stats.krippendorff_alpha`. Items with fewer than
    2 ratings contribute nothing. Nominal and interval need a few moments per item; ordinal and
    ratio the item's coincidence cells (ratio: None when there are more than
    :data:`MAX_RATIO_VALUES` distinct values, i.e. no vectorised bootstrap).
    """
    arr = np.asarray(ratings)
    if level in ("nominal", "ordinal"):
        codes = arr.astype(np.int64)
        present = codes != MISSING_CODE
        k = int(codes.max()) + 1 if present.any() else 1
        values = None
    else:
        vals = arr.astype(np.float64)
        present = ~np.isnan(vals)
        values = np.unique(vals[present])
        if level == "ratio" and values.size > MAX_RATIO_VALUES:
            return None
        codes = np.where(present, np.searchsorted(values, np.where(present, vals, 0.0)), -1)
        k = max(int(values.size), 1)
    n_items = codes.shape[1]
    m = present.sum(axis=0).astype(np.float64)
    pairable = m >= 2
    item_idx = np.broadcast_to(np.arange(n_items), codes.shape)[present]
    counts = np.bincount(item_idx * k + codes[present], minlength=n_items * k)
    counts = counts.reshape(n_items, k).astype(np.float64) * pairable[:, None]
    w = np.where(pairable, 1.0 / np.where(pairable, m - 1.0, 1.0), 0.0)

    if level == "nominal":
        observed = (m**2 - (counts**2).sum(axis=1)) * w * pairable
        features = np.column_stack([observed, counts])

        def nominal(sums: FloatArray) -> FloatArray:
            n_c = sums[:, 1:]
            n = n_c.sum(axis=1)
            return _alpha_from(n, sums[:, 0], n**2 - (n_c**2).sum(axis=1))

        return features, nominal
    if level == "interval":
        assert values is not None
        v = np.where(present, arr.astype(np.float64), 0.0) * pairable[None, :]
        s1, s2 = v.sum(axis=0), (v**2).sum(axis=0)
        observed = np.where(pairable, 2.0 * (m * s2 - s1**2) * w, 0.0)
        features = np.column_stack([m * pairable, s1, s2, observed])

        def interval(sums: FloatArray) -> FloatArray:
            n, t1, t2 = sums[:, 0], sums[:, 1], sums[:, 2]
            expected = np.maximum(2.0 * (n * t2 - t1**2), 0.0)
            return _alpha_from(n, np.maximum(sums[:, 3], 0.0), expected)

        return features, interval
    # ordinal / ratio: coincidence cells o[c, k] = sum_u w_u c_uc c_uk (minus the diagonal pairs)
    cells = (counts[:, :, None] * counts[:, None, :]).reshape(n_items, k * k)
    cells[:, :: k + 1] -= counts
    features = np.column_stack([cells * w[:, None], counts])
    if level == "ratio":
        assert values is not None
        a, b = values[:, None], values[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(a + b == 0, 0.0, ((a - b) / (a + b)) ** 2)
    else:
        ratio = None

    def coincidence(sums: FloatArray) -> FloatArray:
        o = sums[:, : k * k].reshape(-1, k, k)
        n_c = sums[:, k * k :]
        n = n_c.sum(axis=1)
        delta2 = _ordinal_delta2_rows(n_c) if ratio is None else np.broadcast_to(ratio, o.shape)
        observed = (o * delta2).sum(axis=(1, 2))
        expected = np.einsum("bi,bij,bj->b", n_c, delta2, n_c)
        return _alpha_from(n, observed, expected)

    return features, coincidence
