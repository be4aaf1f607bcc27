"""Paired tests of two judges on the same items: exact McNemar and a paired bootstrap.

Two judges scored on the *same* items are not independent samples: an item that is hard for one
is usually hard for the other. Comparing their overall scores with unpaired intervals wastes that
pairing and calls many real differences "noise". The functions here keep the pairing:

* :func:`mcnemar_exact` — is one judge right more often than the other? Uses only the items on
  which exactly one of the two is right (the discordant pairs).
* :func:`paired_bootstrap_difference` — the difference of any statistic that is a function of
  item-level sums, with a percentile CI from resampling *items* (both judges share every
  resample); :func:`paired_mean_difference` (accuracy, similarity) and
  :func:`paired_kappa_difference` (mean Cohen's kappa against each human) are built on it.

Degenerate input follows the package convention: no shared item -> ``nan`` and
:class:`~meta_evaluator.errors.UndefinedMetricWarning`.

References:
    McNemar, Q. (1947). Note on the sampling error of the difference between correlated
    proportions or percentages. *Psychometrika* 12(2), 153-157. doi:10.1007/BF02295996.
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13 and 16.
    doi:10.1201/9780429246593.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.stats import binom

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import (
    FloatArray,
    IntArray,
    _check_confidence,
    _check_n_labels,
    _check_option,
    _codes,
    _kappa_from_confusion,
    _weight_matrix,
    warn_undefined,
)
from meta_evaluator.stats._bootstrap import (
    _check_count,
    _confusion_indicator,
    _nanmean_rows,
    _pattern_weight_chunks,
    _weight_chunks,
    percentile_ci,
)

__all__ = [
    "McNemarResult",
    "PairedDifference",
    "mcnemar_exact",
    "paired_alpha_difference",
    "paired_bootstrap_difference",
    "paired_kappa_difference",
    "paired_mean_difference",
]


@dataclass(frozen=True, kw_only=True)
class McNemarResult:
    """Outcome of :func:`mcnemar_exact`."""

    n_items: int
    """Items both judges were scored on."""
    only_a: int
    """Items judge A got right and judge B wrong (``b`` in McNemar's table)."""
    only_b: int
    """Items judge B got right and judge A wrong (``c``)."""
    difference: float
    """``accuracy(A) - accuracy(B) = (only_a - only_b) / n_items`` (nan when no item)."""
    p_value: float
    """Two-sided exact p-value; 1.0 when there is no discordant pair, nan when no item."""


@dataclass(frozen=True, kw_only=True)
class PairedDifference:
    """A difference of one statistic between two judges on shared items, with its bootstrap CI."""

    n_items: int
    """Items both judges were scored on."""
    difference: float
    """Statistic of judge A minus statistic of judge B on all shared items."""
    ci_low: float
    """Lower end of the percentile CI of the difference."""
    ci_high: float
    """Upper end of the percentile CI of the difference."""
    p_value: float
    """Two-sided bootstrap p-value ``min(1, 2 min(P*(d <= 0), P*(d >= 0)))``."""
    confidence: float
    """Coverage of the interval."""
    n_resamples: int
    """Number of bootstrap resamples."""
    estimate_a: float = float("nan")
    """Judge A's statistic on all shared items (nan when the caller's statistic gives only the
    difference, as in :func:`paired_bootstrap_difference`)."""
    estimate_b: float = float("nan")
    """Judge B's statistic on all shared items (nan as for ``estimate_a``)."""


def _correct_vector(x: Any, *, name: str) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise DataError(
            f"mcnemar_exact: '{name}' must be 1-D (one entry per item); got shape {arr.shape!r}."
        )
    bad = ~np.isnan(arr) & (arr != 0.0) & (arr != 1.0)
    if bad.any():
        raise DataError(
            f"mcnemar_exact: '{name}' must hold 1 (right), 0 (wrong) or nan (missing); got "
            f"{float(arr[bad][0])!r} at index {int(np.flatnonzero(bad)[0])}."
        )
    return arr


def mcnemar_exact(a_correct: Any, b_correct: Any) -> McNemarResult:
    """Exact McNemar test: do two judges differ in accuracy on the same items?

    With ``b`` = items only judge A gets right and ``c`` = items only judge B gets right, under
    H0 (equal accuracy) ``b ~ Binomial(b + c, 1/2)``. The two-sided exact p-value is
    ``p = min(1, 2 * P[X <= min(b, c)])`` with ``X ~ Binomial(b + c, 1/2)``: the same as
    ``statsmodels.stats.contingency_tables.mcnemar(table, exact=True)``. The difference in
    accuracy is ``(b - c) / n``. Items where either vector is nan are left out (not shared).

    Edge cases: no discordant pair gives ``p = 1.0`` (no evidence of a difference); no shared
    item gives ``nan`` with :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Args:
        a_correct: ``(n_items,)`` 1 where judge A is right, 0 where wrong, nan = not scored.
        b_correct: The same for judge B.

    Returns:
        A :class:`McNemarResult`.

    Raises:
        DataError: If the vectors differ in length or hold values other than 0, 1, nan.

    Reference:
        McNemar (1947), Psychometrika 12(2):153-157. doi:10.1007/BF02295996.

    Examples:
        >>> r = mcnemar_exact([1, 1, 1, 1, 0, 1], [0, 0, 0, 1, 0, 1])
        >>> r.only_a, r.only_b, round(r.p_value, 4)  # 2 * P[Bin(3, .5) <= 0] = 0.25
        (3, 0, 0.25)
    """
    a = _correct_vector(a_correct, name="a_correct")
    b = _correct_vector(b_correct, name="b_correct")
    if a.shape != b.shape:
        raise DataError(
            f"mcnemar_exact: 'a_correct' and 'b_correct' must have the same length; got "
            f"{a.size} and {b.size}."
        )
    shared = ~np.isnan(a) & ~np.isnan(b)
    n = int(shared.sum())
    only_a = int((shared & (a == 1.0) & (b == 0.0)).sum())
    only_b = int((shared & (a == 0.0) & (b == 1.0)).sum())
    if n == 0:
        nan = warn_undefined("mcnemar_exact: no item was scored for both judges.")
        return McNemarResult(n_items=0, only_a=0, only_b=0, difference=nan, p_value=nan)
    discordant = only_a + only_b
    p = (
        1.0
        if discordant == 0
        else min(1.0, 2.0 * float(binom.cdf(min(only_a, only_b), discordant, 0.5)))
    )
    return McNemarResult(
        n_items=n, only_a=only_a, only_b=only_b, difference=(only_a - only_b) / n, p_value=p
    )


_LARGE = 2000
"""From this many items on, resamples are drawn as item indices and counted per distinct row."""
_FEW_PATTERNS = 8
"""Multinomial pattern counts when distinct rows are at most 1/8 of the items (cheaper then)."""
_CHUNK = 5_000_000
"""Upper bound on the item indices counted at once."""
_CACHE_ELEMENTS = 20_000_000
"""Draws of up to this many item indices (80 MB of int32) are cached between calls."""


@functools.lru_cache(maxsize=1)
def _drawn_indices(n: int, n_resamples: int, seed: int) -> npt.NDArray[np.int32]:
    """The item indices of every resample (``n_resamples x n``), cached for the last (n, seed).

    They depend only on ``(n, n_resamples, seed)``, so the comparisons of one report (several
    metrics and judge pairs on the same shared items) reuse one draw. Read-only.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    out = rng.integers(0, n, (n_resamples, n), dtype=np.int32)
    out.setflags(write=False)
    return out


def _pattern_index_chunks(
    inverse: npt.NDArray[np.int64], n_patterns: int, n_resamples: int, seed: int
) -> Iterator[FloatArray]:
    """Resampling counts per distinct row: draw item indices, count their rows' patterns.

    Exactly an item bootstrap (``n`` items drawn with replacement); one ``bincount`` per chunk
    instead of one multinomial per resample, so the cost does not grow with the number of
    distinct rows. Up to ``_CACHE_ELEMENTS`` indices the draw is cached (:func:`_drawn_indices`);
    above it the indices are drawn chunk by chunk.
    """
    n = inverse.size
    chunk = max(1, min(n_resamples, _CHUNK // max(n, 1)))
    cached = _drawn_indices(n, n_resamples, seed) if n * n_resamples <= _CACHE_ELEMENTS else None
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        if cached is not None:
            idx = cached[start : start + size]
        else:
            idx = rng.integers(0, n, (size, n), dtype=np.int32)
        drawn = inverse[idx]
        drawn += (np.arange(size, dtype=np.int64) * n_patterns)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=size * n_patterns)
        yield counts.reshape(size, n_patterns).astype(np.float64)


def _resample_chunks(
    features: FloatArray, n_resamples: int, seed: int
) -> tuple[FloatArray, Iterator[FloatArray]]:
    """(feature rows to multiply, chunks of resampling weights over those rows).

    Small data: the item-level weights of :func:`~meta_evaluator.stats.bootstrap_weights` (the
    same stream, so tests can recompute every resample). From ``_LARGE`` items on, resampling
    counts per distinct feature row (same distribution, another random stream): multinomial
    draws when there are few distinct rows, else :func:`_pattern_index_chunks`.
    """
    n = features.shape[0]
    if n < _LARGE:
        return features, _weight_chunks(n, n_resamples, seed)
    flat = np.ascontiguousarray(features)
    keys = flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    rows = features[first]
    if first.size * _FEW_PATTERNS <= n:  # few distinct rows: one multinomial per resample
        return rows, _pattern_weight_chunks(counts.astype(np.int64), n_resamples, seed)
    return rows, _pattern_index_chunks(inverse.astype(np.int64), first.size, n_resamples, seed)


def _bootstrap_p(samples: FloatArray) -> float:
    finite = samples[~np.isnan(samples)]
    if finite.size == 0:
        return float("nan")
    low = float(np.mean(finite <= 0.0))
    high = float(np.mean(finite >= 0.0))
    return min(1.0, 2.0 * min(low, high))


def paired_bootstrap_difference(
    features: Any,
    statistic: Callable[[FloatArray], FloatArray],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """Paired item bootstrap of a difference that depends on the data through item sums.

    ``features`` is an ``(n_items, d)`` matrix of per-item contributions for *both* judges (e.g.
    "A right", "B right", confusion-cell indicators). A resample draws ``n_items`` items with
    replacement — the same items for both judges, which is what makes it paired — and is the
    weight row ``W[b]`` of :func:`~meta_evaluator.stats.bootstrap_weights`; the statistic sees
    ``S = W @ features`` (shape ``(n_resamples, d)``) and returns one difference per row. The point
    estimate is ``statistic(features.sum(axis=0)[None])[0]``, the CI is
    :func:`~meta_evaluator.stats.percentile_ci` of the replicates and the two-sided p-value is
    ``min(1, 2 min(P*(d <= 0), P*(d >= 0)))`` over the finite replicates. With many items and
    many items (2,000 or more) the resamples are drawn as item indices and counted per distinct
    feature row (same distribution as the item-level weights, another random stream).

    Args:
        features: ``(n_items, d)`` float matrix (rows = shared items only).
        statistic: Maps ``(B, d)`` sums to ``(B,)`` differences (nan where undefined).
        n_resamples: Number of resamples (>= 1).
        confidence: Coverage in (0, 1).
        seed: Seed of the resampling (same seed, same result).

    Returns:
        A :class:`PairedDifference`; ``nan`` everywhere (with a warning) when there is no item.

    Raises:
        ConfigError: If ``n_resamples`` or ``confidence`` is invalid.
        DataError: If ``features`` is not 2-D.

    Reference:
        Efron & Tibshirani (1993), ch. 13 (percentile interval) and 16 (bootstrap tests).

    Examples:
        >>> feats = [[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]  # A right, B right
        >>> d = paired_bootstrap_difference(feats, lambda s: (s[:, 0] - s[:, 1]) / 4, seed=1)
        >>> d.difference, d.ci_low <= 0.5 <= d.ci_high
        (0.5, True)
    """
    func = "paired_bootstrap_difference"
    _check_count(n_resamples, param="n_resamples", func=func, minimum=1)
    _check_confidence(confidence, func=func)
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise DataError(f"{func}: 'features' must be 2-D (n_items, d); got shape {x.shape!r}.")
    n_items = x.shape[0]
    if n_items == 0:
        nan = warn_undefined(f"{func}: no item was scored for both judges.")
        return PairedDifference(
            n_items=0,
            difference=nan,
            ci_low=nan,
            ci_high=nan,
            p_value=nan,
            confidence=float(confidence),
            n_resamples=int(n_resamples),
        )
    point = float(np.asarray(statistic(x.sum(axis=0)[None, :]), dtype=np.float64)[0])
    rows, chunks = _resample_chunks(x, int(n_resamples), seed)
    samples = np.empty(int(n_resamples))
    start = 0
    for block in chunks:
        samples[start : start + block.shape[0]] = statistic(block @ rows)
        start += block.shape[0]
    low, high = percentile_ci(samples, confidence=confidence)  # warns when all are nan
    return PairedDifference(
        n_items=n_items,
        difference=point,
        ci_low=low,
        ci_high=high,
        p_value=_bootstrap_p(samples),
        confidence=float(confidence),
        n_resamples=int(n_resamples),
    )


def paired_mean_difference(
    a: Any,
    b: Any,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """Difference of two judges' mean per-item scores on the items both have, paired bootstrap.

    ``difference = mean_i(a_i) - mean_i(b_i)`` over the items where neither is nan (per-item
    correctness for accuracy, per-item similarity for text). The CI resamples those items (see
    :func:`paired_bootstrap_difference`).

    Args:
        a: ``(n_items,)`` judge A's per-item scores, nan = missing.
        b: ``(n_items,)`` judge B's per-item scores, nan = missing.
        n_resamples: Number of resamples.
        confidence: Coverage in (0, 1).
        seed: Seed.

    Returns:
        A :class:`PairedDifference` (``nan`` with a warning when no item is shared).

    Raises:
        DataError: If ``a`` and ``b`` are not 1-D arrays of the same length.

    Examples:
        >>> paired_mean_difference([1.0, 0.5, 0.0], [0.5, 0.5, float("nan")]).difference
        0.25
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise DataError(
            "paired_mean_difference: 'a' and 'b' must be 1-D with one entry per item; got shapes "
            f"{x.shape!r} and {y.shape!r}."
        )
    keep = ~np.isnan(x) & ~np.isnan(y)
    feats = np.column_stack([x[keep], y[keep], np.ones(int(keep.sum()))])

    def diff(s: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((s[:, 0] - s[:, 1]) / s[:, 2], dtype=np.float64)

    out = paired_bootstrap_difference(
        feats, diff, n_resamples=n_resamples, confidence=confidence, seed=seed
    )
    if out.n_items == 0:
        return out
    return replace(out, estimate_a=float(x[keep].mean()), estimate_b=float(y[keep].mean()))


def _paired_codes(
    judge_a: Any, judge_b: Any, humans: Any, *, n_labels: int, func: str
) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Validated codes of two judges and the humans, and the mask of items both judges labelled.

    Raises:
        ConfigError: If ``n_labels`` is invalid.
        DataError: If the code arrays are malformed or do not share the item axis.
    """
    _check_n_labels(n_labels, func=func)
    ja = _codes(judge_a, name="judge_a", func=func, ndim=1, n_labels=n_labels)
    jb = _codes(judge_b, name="judge_b", func=func, ndim=1, n_labels=n_labels)
    h = _codes(humans, name="humans", func=func, ndim=2, n_labels=n_labels)
    if ja.shape != jb.shape or h.shape[1] != ja.shape[0]:
        raise DataError(
            f"{func}: judges and humans must share the item axis; got judge_a {ja.shape!r}, "
            f"judge_b {jb.shape!r} and humans {h.shape!r} (pass humans as (n_humans, n_items))."
        )
    return ja, jb, h, (ja >= 0) & (jb >= 0)


def paired_kappa_difference(
    judge_a: Any,
    judge_b: Any,
    humans: Any,
    *,
    n_labels: int,
    weights: Literal["linear", "quadratic"] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """Difference of two judges' mean Cohen's kappa against each human, paired bootstrap.

    On the items both judges labelled, ``kappa_X = mean_h kappa(judge_X, human_h)`` (each human on
    the items they labelled; a human whose kappa is undefined is left out of the mean, as in
    :func:`~meta_evaluator.stats.bootstrap_kappa_samples`) and ``difference = kappa_A - kappa_B``.
    Kappa is ``1 - sum(w O) / sum(w E)`` (Cohen 1960; weighted: Cohen 1968). Both judges' confusion
    matrices are built from the same resampled items, so the CI is paired.

    Args:
        judge_a: ``(n_items,)`` codes of judge A, ``-1`` = missing.
        judge_b: ``(n_items,)`` codes of judge B, ``-1`` = missing.
        humans: ``(n_humans, n_items)`` human codes, ``-1`` = missing.
        n_labels: Number of labels K.
        weights: ``None``, ``"linear"`` or ``"quadratic"``.
        n_resamples: Number of resamples.
        confidence: Coverage in (0, 1).
        seed: Seed.

    Returns:
        A :class:`PairedDifference` (``nan`` with a warning when no item is shared).

    Raises:
        ConfigError: If an option is invalid.
        DataError: If the code arrays are malformed or do not align.

    Reference:
        Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
        Psychological Measurement* 20(1), 37-46. doi:10.1177/001316446002000104.

    Examples:
        >>> d = paired_kappa_difference([0, 1, 0, 1], [0, 1, 1, 1], [[0, 1, 0, 1]], n_labels=2)
        >>> d.difference  # 1.0 - 0.5
        0.5
    """
    func = "paired_kappa_difference"
    _check_option(weights, ("linear", "quadratic", None), param="weights", func=func)
    ja, jb, h, keep = _paired_codes(judge_a, judge_b, humans, n_labels=n_labels, func=func)
    ja, jb, h = ja[keep], jb[keep], h[:, keep]
    n_humans, k = h.shape[0], int(n_labels)
    design = sp.vstack([_confusion_indicator(ja, h, k), _confusion_indicator(jb, h, k)]).tocsr()
    feats = np.asarray(design.T.todense(), dtype=np.float64)  # (items, 2*H*K*K)
    w = _weight_matrix(k, weights)

    def both(s: FloatArray) -> tuple[FloatArray, FloatArray]:
        confusion = s.reshape(s.shape[0], 2, n_humans, k, k)
        kappas = _kappa_from_confusion(confusion, w)  # (B, 2, H)
        return _nanmean_rows(kappas[:, 0, :]), _nanmean_rows(kappas[:, 1, :])

    def diff(s: FloatArray) -> FloatArray:
        a, b = both(s)
        return a - b

    if n_humans == 0 or feats.shape[0] == 0:
        return paired_bootstrap_difference(
            np.zeros((0, 0)), diff, n_resamples=n_resamples, confidence=confidence
        )
    out = paired_bootstrap_difference(
        feats, diff, n_resamples=n_resamples, confidence=confidence, seed=seed
    )
    est_a, est_b = both(feats.sum(axis=0)[None, :])
    return replace(out, estimate_a=float(est_a[0]), estimate_b=float(est_b[0]))


def _coincidences(panel: npt.NDArray[np.int64], k: int) -> FloatArray:
    """Per item the coincidence contributions ``(n n^T - diag(n)) / (m - 1)``, flat (items, K*K).

    ``n`` = the item's label counts over the panel, ``m`` its number of ratings; items with fewer
    than 2 ratings contribute 0.
    """
    n_items = panel.shape[1]
    present = panel >= 0
    item_idx = np.broadcast_to(np.arange(n_items), panel.shape)[present]
    counts = np.bincount(item_idx * k + panel[present], minlength=n_items * k)
    counts = counts.reshape(n_items, k).astype(np.float64)
    m = counts.sum(axis=1)
    pairs = counts[:, :, None] * counts[:, None, :]
    idx = np.arange(k)
    pairs[:, idx, idx] -= counts
    w = np.zeros(n_items)
    np.divide(1.0, m - 1.0, out=w, where=m >= 2)
    return (pairs * w[:, None, None]).reshape(n_items, k * k)


def _alpha_from_coincidences(o: FloatArray, level: str) -> FloatArray:
    """Vectorised alpha over leading axes of ``o`` (..., K, K); 1.0 when D_e = 0, nan if n = 0."""
    k = o.shape[-1]
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    idx = np.arange(k, dtype=np.float64)
    if level == "nominal":
        delta2 = np.broadcast_to((idx[:, None] != idx[None, :]).astype(np.float64), o.shape)
    elif level == "interval":
        delta2 = np.broadcast_to((idx[:, None] - idx[None, :]) ** 2, o.shape)
    else:  # ordinal: depends on the marginals of each resample
        cum = np.concatenate([np.zeros((*n_c.shape[:-1], 1)), np.cumsum(n_c, axis=-1)], axis=-1)
        ii = np.arange(k)
        lo, hi = np.minimum(ii[:, None], ii[None, :]), np.maximum(ii[:, None], ii[None, :])
        between = cum[..., hi + 1] - cum[..., lo]
        delta = between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0
        delta2 = np.where(lo == hi, 0.0, delta**2)
    observed = (o * delta2).sum(axis=(-2, -1))
    expected = np.einsum("...c,...ck,...k->...", n_c, delta2, n_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * observed / expected
    alpha = np.where(expected > 0, alpha, 1.0)
    return np.asarray(np.where(n > 0, alpha, np.nan), dtype=np.float64)


def paired_alpha_difference(
    judge_a: Any,
    judge_b: Any,
    humans: Any,
    *,
    n_labels: int,
    level: Literal["nominal", "ordinal", "interval"] = "nominal",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """Difference of Krippendorff's alpha of the humans plus judge A vs plus judge B, paired.

    On the items both judges labelled, ``alpha_X`` is Krippendorff's alpha of the panel "humans +
    judge X" (the ``krippendorff_alpha`` scorer's statistic):
    ``alpha = 1 - (n - 1) sum(o delta2) / sum(outer(n_c, n_c) delta2)`` from the coincidence
    matrix ``o = sum_u (n_u n_u^T - diag(n_u)) / (m_u - 1)`` (units with ``m_u >= 2`` ratings),
    with ``delta2`` nominal ``[c != k]``, ordinal (over the code order, from the marginals) or
    interval ``(c - k)^2`` on the code positions. Both panels' coincidences come from the same
    resampled items. Conventions as :func:`~meta_evaluator.stats.krippendorff_alpha`: all pairable
    values identical gives 1.0; no pairable unit gives nan.

    Args:
        judge_a: ``(n_items,)`` codes of judge A, ``-1`` = missing.
        judge_b: ``(n_items,)`` codes of judge B, ``-1`` = missing.
        humans: ``(n_humans, n_items)`` human codes, ``-1`` = missing.
        n_labels: Number of labels K.
        level: ``"nominal"``, ``"ordinal"`` or ``"interval"``.
        n_resamples: Number of resamples.
        confidence: Coverage in (0, 1).
        seed: Seed.

    Returns:
        A :class:`PairedDifference` with ``estimate_a`` / ``estimate_b`` (nan with a warning when
        no item is shared).

    Raises:
        ConfigError: If an option is invalid.
        DataError: If the code arrays are malformed or do not align.

    Reference:
        Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
        https://repository.upenn.edu/asc_papers/43

    Examples:
        >>> humans = [[0, 1, 0, 1], [0, 1, 1, 1]]
        >>> d = paired_alpha_difference([0, 1, 0, 1], [1, 0, 1, 0], humans, n_labels=2)
        >>> d.estimate_a > d.estimate_b
        True
    """
    func = "paired_alpha_difference"
    _check_option(level, ("nominal", "ordinal", "interval"), param="level", func=func)
    ja, jb, h, keep = _paired_codes(judge_a, judge_b, humans, n_labels=n_labels, func=func)
    k = int(n_labels)
    feats = np.hstack(
        [
            _coincidences(np.vstack([h[:, keep], ja[None, keep]]), k),
            _coincidences(np.vstack([h[:, keep], jb[None, keep]]), k),
        ]
    )

    def both(s: FloatArray) -> tuple[FloatArray, FloatArray]:
        o = s.reshape(s.shape[0], 2, k, k)
        alphas = _alpha_from_coincidences(o, level)
        return alphas[:, 0], alphas[:, 1]

    def diff(s: FloatArray) -> FloatArray:
        a, b = both(s)
        return a - b

    out = paired_bootstrap_difference(
        feats, diff, n_resamples=n_resamples, confidence=confidence, seed=seed
    )
    if out.n_items == 0:
        return out
    est_a, est_b = both(feats.sum(axis=0)[None, :])
    return replace(out, estimate_a=float(est_a[0]), estimate_b=float(est_b[0]))
