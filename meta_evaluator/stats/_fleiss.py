"""Fleiss' kappa for a fixed number of raters per item, and the codes -> counts reshaping."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import (
    MISSING_CODE,
    IntArray,
    _check_n_labels,
    _codes,
    warn_undefined,
)

__all__ = ["fleiss_kappa", "ratings_to_counts"]

logger = logging.getLogger(__name__)


def ratings_to_counts(codes: Any, *, n_labels: int) -> IntArray:
    """Turn a ``raters x items`` code matrix into an ``items x K`` matrix of rater counts.

    ``counts[i, k]`` is how many raters gave item ``i`` the code ``k``; missing ratings (``-1`` or
    ``nan``) are not counted, so row sums can differ when data is missing.

    Args:
        codes: ``raters x items`` integer codes ``0..n_labels-1``, ``-1`` = missing.
        n_labels: Number of labels K (columns of the result).

    Returns:
        An int64 array of shape ``(n_items, n_labels)``.

    Raises:
        ConfigError: If ``n_labels`` is not a positive integer.
        DataError: If ``codes`` is not 2-D or holds codes outside ``-1..n_labels-1``.

    Examples:
        >>> ratings_to_counts([[0, 1, -1], [0, 2, 2]], n_labels=3).tolist()
        [[2, 0, 0], [0, 1, 1], [0, 0, 1]]
    """
    func = "ratings_to_counts"
    _check_n_labels(n_labels, func=func)
    if n_labels is None:  # pragma: no cover - keyword is required; guards the type checker
        raise TypeError("n_labels is required")
    arr = _codes(codes, name="codes", func=func, ndim=2, n_labels=n_labels)
    return _counts(arr, n_labels)


def _counts(codes: IntArray, n_labels: int) -> IntArray:
    """``items x K`` counts from already-validated ``raters x items`` codes."""
    n_items = codes.shape[1]
    present = codes != MISSING_CODE
    item_idx = np.broadcast_to(np.arange(n_items), codes.shape)[present]
    flat = item_idx * n_labels + codes[present]
    counts = np.bincount(flat, minlength=n_items * n_labels)
    return counts.reshape(n_items, n_labels).astype(np.int64)


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa for items each rated by the same number ``n`` of raters.

    With ``N`` items, ``n_ij`` raters putting item ``i`` in category ``j``::

        p_j   = sum_i n_ij / (N n)                     share of all ratings in category j
        P_i   = (sum_j n_ij**2 - n) / (n (n - 1))      agreeing rater pairs on item i
        kappa = (mean(P_i) - sum_j p_j**2) / (1 - sum_j p_j**2)

    Range: 1 is perfect agreement, 0 chance level, negative below chance (read it with
    :func:`~meta_evaluator.stats.kappa_interpretation`). Raters need not be the same people on each
    item, but each item must have the same number of ratings; use
    :func:`~meta_evaluator.stats.krippendorff_alpha` when ratings are missing.

    Conventions: items with no rating at all (all-zero rows) are dropped and logged. No item left,
    one rating per item (``n < 2``), or every rating in one category (``sum p_j**2 == 1``) returns
    ``nan`` with :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin* 76(5), 378-382. doi:10.1037/h0031619. Same numbers as
    ``statsmodels.stats.inter_rater.fleiss_kappa(counts, method="fleiss")``.

    Args:
        counts: ``items x categories`` matrix of non-negative integer rater counts (see
            :func:`ratings_to_counts`).

    Returns:
        Kappa as a float, or ``nan`` when undefined.

    Raises:
        DataError: If ``counts`` is not a 2-D matrix of non-negative whole numbers, or if items
            have different numbers of ratings.

    Examples:
        >>> # 2 items x 3 raters: item 0 = [3, 0] (P=1), item 1 = [1, 2] (P=(1+4-3)/6=1/3)
        >>> # p = [4/6, 2/6], P_e = 16/36 + 4/36 = 5/9, P_bar = 2/3
        >>> # kappa = (2/3 - 5/9) / (1 - 5/9) = (1/9) / (4/9) = 0.25
        >>> round(fleiss_kappa([[3, 0], [1, 2]]), 12)
        0.25
    """
    func = "fleiss_kappa"
    arr = np.asarray(counts)
    if arr.ndim != 2 or arr.dtype.kind not in "iuf":
        raise DataError(
            f"{func}: 'counts' must be a 2-D items x categories array of rater counts; got shape "
            f"{arr.shape!r} and dtype {arr.dtype!r}. Build it with ratings_to_counts()."
        )
    table = arr.astype(np.float64)
    if table.size and (
        not np.isfinite(table).all() or (table < 0).any() or (table != np.round(table)).any()
    ):
        raise DataError(f"{func}: 'counts' must hold non-negative whole numbers; got {arr!r}.")
    row_sums = table.sum(axis=1)
    empty = row_sums == 0
    if empty.any():
        logger.debug("%s: skipped %d items with no ratings", func, int(empty.sum()))
        table = table[~empty]
        row_sums = row_sums[~empty]
    if table.shape[0] == 0:
        return warn_undefined(f"{func}: no item has any rating; kappa is undefined.")
    n = row_sums[0]
    if (row_sums != n).any():
        raise DataError(
            f"{func}: every item must have the same number of ratings; got row sums from "
            f"{int(row_sums.min())!r} to {int(row_sums.max())!r}. Use krippendorff_alpha() for "
            "missing ratings."
        )
    if n < 2:
        return warn_undefined(
            f"{func}: each item has a single rating; agreement between raters is undefined."
        )
    n_items = table.shape[0]
    p = table.sum(axis=0) / (n_items * n)
    p_i = ((table**2).sum(axis=1) - n) / (n * (n - 1.0))
    p_bar = p_i.mean()
    p_e = float((p**2).sum())
    if np.isclose(p_e, 1.0, rtol=0.0, atol=1e-15):
        return warn_undefined(
            f"{func}: every rating falls in one category, so chance agreement is 1 and kappa is "
            "0/0 (undefined)."
        )
    return float((p_bar - p_e) / (1.0 - p_e))
