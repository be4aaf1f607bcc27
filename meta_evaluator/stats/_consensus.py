"""Consensus and agreement in a panel of raters: majority vote, per-item and pairwise agreement."""

from __future__ import annotations

from typing import Any

import numpy as np

from meta_evaluator.stats._agreement import (
    MISSING_CODE,
    FloatArray,
    IntArray,
    _check_n_labels,
    _codes,
)
from meta_evaluator.stats._fleiss import _counts

__all__ = ["majority_bitmask", "majority_vote", "pairwise_agreement_matrix", "per_item_agreement"]


def _validated_counts(codes: Any, n_labels: int, func: str) -> IntArray:
    _check_n_labels(n_labels, func=func)
    arr = _codes(codes, name="codes", func=func, ndim=2, n_labels=n_labels)
    return _counts(arr, n_labels)


def majority_vote(codes: Any, *, n_labels: int) -> tuple[IntArray, FloatArray]:
    """Per-item consensus label of a panel of raters, and how many raters back it.

    ``consensus[i] = argmax_k counts[i, k]`` and ``support[i] = counts[i, consensus] / m_i`` where
    ``m_i`` is the number of raters who labelled item ``i``.

    Tie-breaking: a tie goes to the **smallest code**. Codes follow the order the caller chose, so a
    caller that wants ties broken by the alphabetically first label maps labels to codes in sorted
    (alphabetical) order before calling. Items nobody labelled get consensus ``-1`` and support
    ``nan``.

    Args:
        codes: ``raters x items`` integer codes ``0..n_labels-1``, ``-1`` = missing.
        n_labels: Number of labels K.

    Returns:
        ``(consensus, support)``: an int64 array of codes (``-1`` = no rating) and a float array of
        the share of raters agreeing with the consensus (``nan`` = no rating), both of shape
        ``(n_items,)``.

    Raises:
        ConfigError: If ``n_labels`` is invalid.
        DataError: If ``codes`` is not a 2-D code matrix within ``-1..n_labels-1``.

    Examples:
        >>> # item 0: votes 1, 1, 0 -> 1 (2/3); item 1: 0 vs 1 tie -> 0 (1/2); item 2: nobody
        >>> cons, share = majority_vote([[1, 0, -1], [1, 1, -1], [0, -1, -1]], n_labels=2)
        >>> cons.tolist(), share.round(4).tolist()
        ([1, 0, -1], [0.6667, 0.5, nan])
    """
    counts = _validated_counts(codes, n_labels, "majority_vote")
    m = counts.sum(axis=1)
    winner = counts.argmax(axis=1)  # argmax returns the first (smallest) code among ties
    top = np.take_along_axis(counts, winner[:, None], axis=1)[:, 0]
    rated = m > 0
    consensus = np.where(rated, winner, MISSING_CODE).astype(np.int64)
    support = np.full(m.shape, np.nan)
    np.divide(top, m, out=support, where=rated)
    return consensus, support


def per_item_agreement(codes: Any, *, n_labels: int) -> FloatArray:
    """Share of rater pairs that agree on each item.

    ``agreement[i] = sum_k c_ik (c_ik - 1) / (m_i (m_i - 1))`` with ``c_ik`` raters choosing ``k``
    and ``m_i`` raters in total: this is Fleiss' ``P_i``. Range 0..1. Items with fewer than two
    ratings have no pairs and get ``nan`` (no warning: it is a per-item vector; aggregate with
    ``np.nanmean``).

    Args:
        codes: ``raters x items`` integer codes ``0..n_labels-1``, ``-1`` = missing.
        n_labels: Number of labels K.

    Returns:
        A float array of shape ``(n_items,)``.

    Examples:
        >>> # item 0: labels 0, 0, 1 -> pairs (0,0) agree of 3 pairs = 1/3; item 1: one rating
        >>> per_item_agreement([[0, 1], [0, -1], [1, -1]], n_labels=2).round(4).tolist()
        [0.3333, nan]
    """
    counts = _validated_counts(codes, n_labels, "per_item_agreement").astype(np.float64)
    m = counts.sum(axis=1)
    pairs = m * (m - 1.0)
    agree = (counts * (counts - 1.0)).sum(axis=1)
    out = np.full(m.shape, np.nan)
    np.divide(agree, pairs, out=out, where=pairs > 0)
    return out


def pairwise_agreement_matrix(codes: Any) -> FloatArray:
    """Observed agreement of every pair of raters on the items both labelled.

    ``out[r, s] = #{i : both rated i, codes[r, i] == codes[s, i]} / #{i : both rated i}``; ``nan``
    where two raters share no item. The diagonal is 1.0 for raters with at least one rating. Cost is
    ``O(raters**2 x items)`` in ``raters`` vectorised passes.

    Args:
        codes: ``raters x items`` integer codes, ``-1`` = missing.

    Returns:
        A symmetric float array of shape ``(n_raters, n_raters)``.

    Examples:
        >>> pairwise_agreement_matrix([[0, 1, 1], [0, 0, -1], [-1, -1, 2]]).round(2).tolist()
        [[1.0, 0.5, 0.0], [0.5, 1.0, nan], [0.0, nan, 1.0]]
    """
    arr = _codes(codes, name="codes", func="pairwise_agreement_matrix", ndim=2)
    present = arr != MISSING_CODE
    n_raters = arr.shape[0]
    shared = present.astype(np.float64) @ present.T.astype(np.float64)
    agree = np.empty((n_raters, n_raters))
    for r in range(n_raters):  # loop over raters (few), each pass vectorised over items
        agree[r] = ((arr == arr[r]) & present & present[r]).sum(axis=1)
    out = np.full((n_raters, n_raters), np.nan)
    np.divide(agree, shared, out=out, where=shared > 0)
    return out


def majority_bitmask(bitmasks: Any, valid: Any, *, n_bits: int) -> IntArray:
    """Per-item majority of label sets: a bit is set iff more than half of the raters set it.

    Args:
        bitmasks: ``raters x items`` int64 bit sets (``sum(1 << outcome)``).
        valid: Boolean mask of the same shape (True = the rater labelled the item).
        n_bits: Number of outcomes (bits) to vote on.

    Returns:
        ``(n_items,)`` int64 bit sets; an item nobody labelled gets the empty set.

    Example:
        >>> majority_bitmask([[0b011, 0b1], [0b001, 0b0], [0b110, 0b0]],
        ...                  [[True, True], [True, True], [True, False]], n_bits=3).tolist()
        [3, 0]
    """
    masks = np.asarray(bitmasks, dtype=np.int64)
    ok = np.asarray(valid, dtype=bool)
    n_rated = ok.sum(axis=0)
    out = np.zeros(masks.shape[1], dtype=np.int64)
    for b in range(n_bits):  # a loop over outcomes (<= 63), vectorised over items
        on = (((masks >> b) & 1).astype(bool) & ok).sum(axis=0)
        out |= np.where(2 * on > n_rated, np.int64(1) << b, 0)
    return out
