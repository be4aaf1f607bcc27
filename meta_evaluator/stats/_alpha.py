"""Krippendorff's alpha for any number of raters, missing data and four levels of measurement."""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import (
    MISSING_CODE,
    FloatArray,
    IntArray,
    _check_n_labels,
    _check_option,
    _codes,
    warn_undefined,
)

__all__ = ["krippendorff_alpha"]

logger = logging.getLogger(__name__)

_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_RATIO_CHUNK = 1024
"""Rows of the distinct-value x distinct-value ratio distance matrix built at a time."""


def krippendorff_alpha(
    ratings: Any,
    *,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
    n_labels: int | None = None,
) -> float:
    """Krippendorff's alpha reliability coefficient.

    From the coincidence matrix ``o[c, k] = sum_u (pairs (c, k) of values in unit u) / (m_u - 1)``
    over the ``n`` pairable values (values in units with ``m_u >= 2`` ratings), its marginals
    ``n_c`` and a squared distance ``delta2(c, k)``::

        alpha = 1 - D_o / D_e = 1 - (n - 1) * sum(o * delta2) / sum(outer(n_c, n_c) * delta2)

    with ``delta2`` = ``[c != k]`` (nominal), ``(sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2``
    (ordinal, over the code order), ``(c - k) ** 2`` (interval) or ``((c - k) / (c + k)) ** 2``
    (ratio, 0 when ``c + k == 0``).

    Range: 1 is perfect reliability, 0 is chance level, negative is systematic disagreement.
    Krippendorff suggests relying on data with ``alpha >= 0.800`` and drawing tentative conclusions
    only above 0.667.

    Conventions:

    * Items (columns) with fewer than 2 ratings carry no pairing information and are dropped; the
      count is logged at INFO level.
    * All pairable values identical: ``D_e == 0`` and ``D_o == 0``; alpha is **1.0** by convention
      (perfect agreement, no warning). The ``krippendorff`` package raises there instead.
    * No item with 2 or more ratings: ``nan`` with
      :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Cost: nominal, ordinal and interval are ``O(raters x items)`` (interval uses the closed form
    ``sum_{i != j} (v_i - v_j) ** 2 = 2 (m sum v**2 - (sum v) ** 2)``); ratio is
    ``O(raters x items + V ** 2)`` in the number ``V`` of distinct values, built in chunks.

    Reference: Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
    for Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43

    Args:
        ratings: ``raters x items`` matrix. For ``"nominal"``/``"ordinal"`` it holds label codes
            ``0..K-1`` with ``nan`` or ``-1`` for missing; for ``"interval"``/``"ratio"`` it holds
            numeric values with ``nan`` for missing (ratio values must be ``>= 0``).
        level: Level of measurement: ``"nominal"`` (default), ``"ordinal"``, ``"interval"`` or
            ``"ratio"``.
        n_labels: Number of labels K for codes; only validates them (unused categories have no
            weight in alpha). Ignored for interval and ratio.

    Returns:
        Alpha as a float, or ``nan`` when no item has two ratings.

    Raises:
        ConfigError: If ``level`` or ``n_labels`` is invalid.
        DataError: If ``ratings`` is not 2-D, holds non-integer codes (nominal/ordinal), infinite
            values, or negative values for ratio.

    Examples:
        >>> nan = float("nan")
        >>> # 2 raters x 4 items; the last item has one rating and is dropped.
        >>> # o = [[2, 1], [1, 2]] (items: 0-0, 1-1, 0-1), n = 6, n_c = [3, 3]
        >>> # alpha = 1 - (6 - 1) * 2 / (2 * 3 * 3) = 1 - 10 / 18
        >>> round(krippendorff_alpha([[0, 1, 0, 1], [0, 1, 1, nan]]), 12)
        0.444444444444
    """
    func = "krippendorff_alpha"
    _check_option(level, _LEVELS, param="level", func=func)
    _check_n_labels(n_labels, func=func)
    if level in ("nominal", "ordinal"):
        codes = _codes(ratings, name="ratings", func=func, ndim=2, n_labels=n_labels)
        present = codes != MISSING_CODE
        values = None
    else:
        values = _numeric_matrix(ratings, func=func, level=level)
        present = ~np.isnan(values)
        codes = None

    m_all = present.sum(axis=0)
    pairable_items = _pairable_items(m_all, func=func, log=logger, stacklevel=4)
    if pairable_items is None:
        return float("nan")
    present = present[:, pairable_items]
    m = m_all[pairable_items].astype(np.float64)
    n = float(m.sum())
    if codes is not None:
        observed, expected = _code_disagreements(codes[:, pairable_items], present, m, level)
    else:
        assert values is not None
        vals = values[:, pairable_items]
        if level == "interval":
            observed, expected = _interval_disagreements(vals, present, m, n)
        else:
            observed, expected = _ratio_disagreements(vals, present, m)
    return _alpha_from_disagreements(n, observed, expected)


def _pairable_items(
    m_all: npt.NDArray[Any],
    *,
    func: str,
    log: logging.Logger,
    stacklevel: int,
) -> npt.NDArray[np.bool_] | None:
    """The items alpha can use (2 or more ratings); None, with a warning, when there are none.

    Items with fewer than 2 ratings are left out and counted in a DEBUG line (a per-item
    notice); with no pairable item alpha is undefined (``nan`` and
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`).

    Args:
        m_all: Number of ratings per item.
        func: The public function's name, for the messages.
        log: The logger of the calling module.
        stacklevel: Passed to :func:`warn_undefined` (it must point at the metric's caller).

    Returns:
        The boolean mask of pairable items, or None when no item is pairable.
    """
    pairable = m_all >= 2
    n_skipped = int(np.count_nonzero(~pairable))
    if n_skipped:
        log.debug("%s: skipped %d items with fewer than 2 ratings", func, n_skipped)
    if not pairable.any():
        warn_undefined(
            f"{func}: no item has 2 or more ratings ({m_all.size} items), so alpha is undefined.",
            stacklevel=stacklevel,
        )
        return None
    return pairable


def _alpha_from_disagreements(n: float, observed: float, expected: float) -> float:
    """Krippendorff's ``alpha = 1 - (n - 1) D_o / D_e`` from the disagreement sums.

    Args:
        n: Number of pairable values.
        observed: Observed disagreement ``D_o``.
        expected: Expected disagreement ``D_e``.

    Returns:
        Alpha; 1.0 by convention when ``D_e <= 0`` (every pairable value is the same, so no
        disagreement is possible).
    """
    if expected <= 0.0:
        return 1.0
    return float(1.0 - (n - 1.0) * observed / expected)


def _numeric_matrix(ratings: Any, *, func: str, level: str) -> FloatArray:
    arr = np.asarray(ratings)
    if arr.ndim != 2:
        raise DataError(
            f"{func}: 'ratings' must be a 2-D raters x items array; got shape {arr.shape!r}."
        )
    if arr.dtype.kind not in "iufb":
        raise DataError(
            f"{func}: 'ratings' must be numeric for level={level!r}; got dtype {arr.dtype!r}."
        )
    values = arr.astype(np.float64)
    if np.isinf(values).any():
        raise DataError(f"{func}: 'ratings' holds an infinite value; use nan for missing.")
    if level == "ratio" and (values[~np.isnan(values)] < 0).any():
        bad = float(values[values < 0][0])
        raise DataError(
            f"{func}: level='ratio' needs non-negative values; found {bad!r}. Use "
            "level='interval' for data without a true zero."
        )
    return values


def _code_disagreements(
    codes: IntArray, present: np.ndarray, m: FloatArray, level: str
) -> tuple[float, float]:
    """Return ``(sum(o * delta2), sum(outer(n_c, n_c) * delta2))`` for label codes."""
    n_items = codes.shape[1]
    k = int(codes.max()) + 1
    item_idx = np.broadcast_to(np.arange(n_items), codes.shape)[present]
    flat = item_idx * k + codes[present]
    counts = np.bincount(flat, minlength=n_items * k).reshape(n_items, k).astype(np.float64)
    n_c = counts.sum(axis=0)
    w = 1.0 / (m - 1.0)
    if level == "nominal":
        # sum_{c != k} c_uc c_uk = m_u^2 - sum_c c_uc^2 ;  sum_{c != k} n_c n_k = n^2 - sum n_c^2
        observed = float(((m**2 - (counts**2).sum(axis=1)) * w).sum())
        n = n_c.sum()
        return observed, float(n**2 - (n_c**2).sum())
    delta2 = _ordinal_delta2(n_c)
    observed = float((((counts @ delta2) * counts).sum(axis=1) * w).sum())
    return observed, float(n_c @ delta2 @ n_c)


def _ordinal_delta2(n_c: FloatArray) -> FloatArray:
    """``delta2[c, k] = (sum_{g=min..max} n_g - (n_c + n_k) / 2) ** 2`` over the code order."""
    cum = np.concatenate(([0.0], np.cumsum(n_c)))
    idx = np.arange(n_c.size)
    lo = np.minimum(idx[:, None], idx[None, :])
    hi = np.maximum(idx[:, None], idx[None, :])
    between = cum[hi + 1] - cum[lo]
    delta = between - (n_c[:, None] + n_c[None, :]) / 2.0
    delta2: FloatArray = delta**2
    np.fill_diagonal(delta2, 0.0)
    return delta2


def _interval_disagreements(
    values: FloatArray, present: np.ndarray, m: FloatArray, n: float
) -> tuple[float, float]:
    """Closed forms of the interval sums; values are centred first for numerical accuracy."""
    v = np.where(present, values, 0.0)
    v = np.where(present, v - v.sum() / n, 0.0)
    s1 = v.sum(axis=0)
    s2 = (v**2).sum(axis=0)
    observed = float((2.0 * (m * s2 - s1**2) / (m - 1.0)).sum())
    t1 = s1.sum()
    t2 = s2.sum()
    expected = float(2.0 * (n * t2 - t1**2))
    return max(observed, 0.0), max(expected, 0.0)


def _ratio_disagreements(
    values: FloatArray, present: np.ndarray, m: FloatArray
) -> tuple[float, float]:
    """Ratio sums via a sparse items x distinct-values count matrix."""
    n_items = values.shape[1]
    item_idx = np.broadcast_to(np.arange(n_items), values.shape)[present]
    uniq, inv = np.unique(values[present], return_inverse=True)
    n_v = uniq.size
    counts = sp.csr_matrix(
        (np.ones(inv.size), (item_idx, inv.ravel())), shape=(n_items, n_v), dtype=np.float64
    )
    counts.sum_duplicates()
    n_c = np.asarray(counts.sum(axis=0)).ravel()
    weighted = sp.diags(1.0 / (m - 1.0)) @ counts
    coincidence = (counts.T @ weighted).tocoo()
    observed = float(
        (coincidence.data * _ratio_delta2(uniq[coincidence.row], uniq[coincidence.col])).sum()
    )
    expected = 0.0
    for start in range(0, n_v, _RATIO_CHUNK):
        rows = slice(start, start + _RATIO_CHUNK)
        d2 = _ratio_delta2(uniq[rows, None], uniq[None, :])
        expected += float(n_c[rows] @ d2 @ n_c)
    return observed, expected


def _ratio_delta2(a: FloatArray, b: FloatArray) -> FloatArray:
    total = a + b
    diff = np.broadcast_to(a - b, np.broadcast_shapes(a.shape, b.shape))
    out = np.zeros(diff.shape)
    np.divide(diff, total, out=out, where=total != 0)
    result: FloatArray = out**2
    return result
