"""Ratings against ratings: Pearson, Spearman, Kendall's tau-b, MAE and RMSE.

Numbers only (``None``/``nan`` = missing; pairs with a missing side are dropped). The statistics
are computed here in numpy; scipy is used only for the t and normal tail probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import FloatArray, IntArray, warn_undefined
from meta_evaluator.stats._labels import label_array, numeric_values

__all__ = ["CorrelationResult", "kendall_tau", "mae", "pearson", "rmse", "spearman"]


@dataclass(frozen=True, kw_only=True)
class CorrelationResult:
    """A correlation coefficient with its two-sided p-value.

    Example:
        >>> r = pearson([1, 2, 3, 4], [1, 3, 2, 4])
        >>> round(r.statistic, 3), r.n
        (0.8, 4)
    """

    statistic: float
    """The coefficient (-1..1), ``nan`` when undefined."""
    pvalue: float
    """Two-sided p-value of "no association" (``nan`` when undefined)."""
    n: int
    """Number of pairs used (both values present)."""


def _pairs(
    x: Any, y: Any, *, func: str, names: tuple[str, str] = ("x", "y")
) -> tuple[FloatArray, FloatArray]:
    ax = numeric_values(
        label_array(x, name=names[0], func=func, ndim=1), name=names[0], func=func, what=func
    )
    ay = numeric_values(
        label_array(y, name=names[1], func=func, ndim=1), name=names[1], func=func, what=func
    )
    if ax.shape != ay.shape:
        raise DataError(
            f"{func}: {names[0]!r} and {names[1]!r} must have one value per item each; got "
            f"{ax.shape[0]} and {ay.shape[0]} values."
        )
    keep = ~(np.isnan(ax) | np.isnan(ay))
    return ax[keep], ay[keep]


def _undefined(func: str, why: str, n: int) -> CorrelationResult:
    warn_undefined(f"{func}: {why}; the correlation is undefined.", stacklevel=4)
    return CorrelationResult(statistic=float("nan"), pvalue=float("nan"), n=n)


def _pearson_r(x: FloatArray, y: FloatArray) -> float:
    dx = x - x.mean()
    dy = y - y.mean()
    den = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    r = float((dx * dy).sum() / den)
    return max(-1.0, min(1.0, r))


def _t_pvalue(r: float, n: int) -> float:
    """Two-sided p-value of ``r`` from ``t = r sqrt((n - 2) / (1 - r**2))`` with ``n - 2`` df."""
    if n <= 2 or abs(r) == 1.0:
        return 1.0 if n <= 2 else 0.0
    df = n - 2.0
    t2 = r * r * df / (1.0 - r * r)
    # P(|T| > t) = I_{df / (df + t^2)}(df / 2, 1 / 2)
    return float(special.betainc(df / 2.0, 0.5, df / (df + t2)))


def _is_constant(v: FloatArray) -> bool:
    return bool(v.size == 0 or np.all(v == v[0]))


def _rated_pairs(x: Any, y: Any, *, func: str) -> tuple[FloatArray, FloatArray, str | None]:
    """The complete pairs of ``x`` and ``y``, and why a correlation of them is undefined (or None).

    Undefined: fewer than 2 complete pairs, or a constant side.
    """
    a, b = _pairs(x, y, func=func)
    if a.size < 2:
        return a, b, f"{a.size} complete pair(s), need 2"
    if _is_constant(a) or _is_constant(b):
        return a, b, "one side is constant"
    return a, b, None


def pearson(x: Any, y: Any) -> CorrelationResult:
    """Pearson's product-moment correlation of two numeric ratings.

    ``r = sum (x - mean x)(y - mean y) / sqrt(sum (x - mean x)**2 sum (y - mean y)**2)``; the
    p-value is the two-sided t test of ``r = 0`` with ``n - 2`` degrees of freedom (normal data),
    as ``scipy.stats.pearsonr``. Range -1..1: the strength of a *linear* relation; a judge whose
    scores are a shifted or scaled copy of the humans' has ``r = 1``, so read MAE beside it.

    Conventions: pairs with a missing side are dropped. Fewer than 2 pairs or a constant side:
    ``nan`` with :class:`~meta_evaluator.errors.UndefinedMetricWarning`. Two pairs: ``r = +-1``
    and p-value 1.0 (as scipy).

    Reference: Pearson, K. (1895). Notes on regression and inheritance in the case of two
    parents. *Proceedings of the Royal Society of London* 58, 240-242.

    Args:
        x: One number per item; ``None``/``nan`` = missing.
        y: One number per item, aligned with ``x``.

    Returns:
        A :class:`CorrelationResult`.

    Examples:
        >>> pearson([1, 2, 3], [2, 4, 6]).statistic
        1.0
    """
    func = "pearson"
    a, b, why = _rated_pairs(x, y, func=func)
    if why is not None:
        return _undefined(func, why, a.size)
    r = _pearson_r(a, b)
    return CorrelationResult(statistic=r, pvalue=_t_pvalue(r, a.size), n=a.size)


def _average_ranks(v: FloatArray) -> FloatArray:
    """Ranks 1..n, ties sharing their average rank (as ``scipy.stats.rankdata``)."""
    order = np.argsort(v, kind="mergesort")
    sv = v[order]
    new = np.concatenate(([True], sv[1:] != sv[:-1]))
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.concatenate((starts[1:], [v.size]))
    avg = (starts + ends + 1) / 2.0  # mean of ranks start+1..end
    ranks = np.empty(v.size)
    ranks[order] = avg[group]
    return ranks


def spearman(x: Any, y: Any) -> CorrelationResult:
    """Spearman's rank correlation of two numeric ratings.

    ``rho`` = Pearson's ``r`` of the average ranks (ties share the mean of their ranks); the
    p-value is the t approximation with ``n - 2`` degrees of freedom, as ``scipy.stats.spearmanr``.
    Range -1..1: 1 = the two raters order the items the same way (any monotone relation).

    Conventions as :func:`pearson` (constant side or fewer than 2 pairs -> ``nan`` + warning).

    Reference: Spearman, C. (1904). The proof and measurement of association between two things.
    *American Journal of Psychology* 15(1), 72-101. doi:10.2307/1412159.

    Args:
        x: One number per item; ``None``/``nan`` = missing.
        y: One number per item, aligned with ``x``.

    Returns:
        A :class:`CorrelationResult`.

    Examples:
        >>> spearman([1, 2, 3, 4], [1, 4, 9, 16]).statistic
        1.0
    """
    func = "spearman"
    a, b, why = _rated_pairs(x, y, func=func)
    if why is not None:
        return _undefined(func, why, a.size)
    r = _pearson_r(_average_ranks(a), _average_ranks(b))
    return CorrelationResult(statistic=r, pvalue=_t_pvalue(r, a.size), n=a.size)


def _tie_sums(v: FloatArray) -> tuple[float, float, float]:
    """Over tie groups of size t: sum t(t-1)/2, sum t(t-1)(t-2), sum t(t-1)(2t+5)."""
    _, counts = np.unique(v, return_counts=True)
    t = counts.astype(np.float64)
    return (
        float((t * (t - 1)).sum() / 2.0),
        float((t * (t - 1) * (t - 2)).sum()),
        float((t * (t - 1) * (2 * t + 5)).sum()),
    )


def _count_inversions(seq: IntArray) -> int:
    """Pairs ``i < j`` with ``seq[i] > seq[j]``, by a bottom-up merge in numpy (O(n log^2 n)).

    At width ``w`` the array is sorted within blocks of ``w``; for each element of a right block
    the number of larger elements in its left block comes from one global ``searchsorted`` on
    keys ``block * M + value``.
    """
    n = seq.size
    a = seq.astype(np.int64) - int(seq.min()) if n else seq.astype(np.int64)
    m = int(a.max()) + 1 if n else 1
    idx = np.arange(n)
    total = 0
    width = 1
    while width < n:
        pair = idx // (2 * width)
        is_right = (idx // width) % 2 == 1
        keys = pair * m + a
        left_keys = keys[~is_right]  # sorted: blocks ascend, values sorted within a block
        right = is_right.nonzero()[0]
        left_pos_end = np.searchsorted(left_keys, pair[right] * m + a[right], side="right")
        left_block_end = np.searchsorted(left_keys, pair[right] * m + m, side="left")
        total += int((left_block_end - left_pos_end).sum())
        a = a[np.lexsort((a, pair))]
        width *= 2
    return total


def kendall_tau(x: Any, y: Any) -> CorrelationResult:
    """Kendall's tau-b rank correlation, with the tie-corrected normal-approximation p-value.

    Over all ``n0 = n (n - 1) / 2`` pairs of items, with ``P`` concordant and ``Q`` discordant
    pairs and ``n1`` / ``n2`` the pairs tied in ``x`` / in ``y``::

        tau_b = (P - Q) / sqrt((n0 - n1) (n0 - n2))

    ``P - Q`` is counted in ``O(n log^2 n)`` (sort by ``x``, count inversions of ``y``). The
    p-value is the two-sided normal approximation with the tie-corrected variance, equal to
    ``scipy.stats.kendalltau(x, y, method="asymptotic")`` (scipy's default switches to an exact
    distribution for small tie-free samples, n <= 33). Range -1..1.

    Conventions as :func:`pearson` (constant side or fewer than 2 pairs -> ``nan`` + warning).

    Reference: Kendall, M. G. (1945). The treatment of ties in ranking problems. *Biometrika*
    33(3), 239-251. doi:10.1093/biomet/33.3.239.

    Args:
        x: One number per item; ``None``/``nan`` = missing.
        y: One number per item, aligned with ``x``.

    Returns:
        A :class:`CorrelationResult`.

    Examples:
        >>> # pairs: (1,2) C, (1,3) C, (2,3) D -> (2 - 1) / 3
        >>> round(kendall_tau([1, 2, 3], [1, 3, 2]).statistic, 12)
        0.333333333333
    """
    func = "kendall_tau"
    a, b, why = _rated_pairs(x, y, func=func)
    n = a.size
    if why is not None:
        return _undefined(func, why, n)
    order = np.lexsort((b, a))
    _, yranks = np.unique(b, return_inverse=True)
    discordant = _count_inversions(yranks[order].astype(np.int64))
    n0 = n * (n - 1) / 2.0
    n1, x0, x1 = _tie_sums(a)
    n2, y0, y1 = _tie_sums(b)
    _, joint = np.unique(np.stack([a, b]), axis=1, return_counts=True)
    n3 = float((joint * (joint - 1.0)).sum() / 2.0)
    s = n0 - n1 - n2 + n3 - 2.0 * discordant  # P - Q
    tau = s / np.sqrt((n0 - n1) * (n0 - n2))
    tau = float(max(-1.0, min(1.0, tau)))
    mm = n * (n - 1.0)
    var = (
        (mm * (2.0 * n + 5.0) - x1 - y1) / 18.0
        + (2.0 * n1 * n2) / mm
        + (x0 * y0) / (9.0 * mm * (n - 2.0) if n > 2 else np.inf)
    )
    z = s / np.sqrt(var)
    pvalue = float(special.erfc(abs(z) / np.sqrt(2.0)))
    return CorrelationResult(statistic=tau, pvalue=min(pvalue, 1.0), n=n)


def _errors(y_true: Any, y_pred: Any, func: str) -> FloatArray | None:
    a, b = _pairs(y_true, y_pred, func=func, names=("y_true", "y_pred"))
    if a.size == 0:
        warn_undefined(
            f"{func}: no item has both a true and a predicted value; the error is undefined.",
            stacklevel=4,
        )
        return None
    return b - a


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error ``mean |y_pred - y_true|`` over the items with both values.

    Range ``>= 0`` in the rating's units, 0 = identical; lower is better. Unlike a correlation it
    sees a judge that is consistently one point too generous. Same as
    ``sklearn.metrics.mean_absolute_error`` on the complete pairs.

    Convention: no complete pair -> ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Willmott, C. J. & Matsuura, K. (2005). Advantages of the mean absolute error (MAE)
    over the root mean square error (RMSE). *Climate Research* 30, 79-82. doi:10.3354/cr030079.

    Args:
        y_true: Reference values (e.g. the human's), ``None``/``nan`` = missing.
        y_pred: Candidate values (e.g. the judge's), aligned with ``y_true``.

    Returns:
        The MAE, or ``nan``.

    Examples:
        >>> mae([1, 2, 3, None], [2, 2, 5, 1])  # (1 + 0 + 2) / 3
        1.0
    """
    err = _errors(y_true, y_pred, "mae")
    return float("nan") if err is None else float(np.abs(err).mean())


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error ``sqrt(mean (y_pred - y_true)**2)`` over the complete pairs.

    Range ``>= 0`` in the rating's units, lower is better; it weighs large misses more than
    :func:`mae` (``rmse >= mae``). Same as ``sqrt(sklearn.metrics.mean_squared_error)``.

    Convention: no complete pair -> ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast
    accuracy. *International Journal of Forecasting* 22(4), 679-688.
    doi:10.1016/j.ijforecast.2006.03.001.

    Args:
        y_true: Reference values, ``None``/``nan`` = missing.
        y_pred: Candidate values, aligned with ``y_true``.

    Returns:
        The RMSE, or ``nan``.

    Examples:
        >>> rmse([1, 2, 3], [2, 2, 5])  # sqrt((1 + 0 + 4) / 3)
        1.2909944487358056
    """
    err = _errors(y_true, y_pred, "rmse")
    return float("nan") if err is None else float(np.sqrt((err * err).mean()))
