"""Raw-label helpers: majority vote, confusion matrix and mean Jaccard of label sets."""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any

import numpy as np

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import IntArray, warn_undefined
from meta_evaluator.stats._labels import decode, encode, is_missing, label_array
from meta_evaluator.stats._reliability import _paired
from meta_evaluator.stats._similarity import jaccard as _jaccard_pair

__all__ = ["confusion_matrix", "jaccard", "majority_vote"]


def majority_vote(votes_per_item: Any) -> list[Any]:
    """The most frequent label of each item.

    Per item, the non-missing label with the most votes; a tie goes to the **smallest** label in
    Python ordering (numbers ascending, strings alphabetically), so the result is deterministic;
    an item with no vote gets ``None``. Vectorised over all votes at once (one sort), not a loop
    over items.

    Args:
        votes_per_item: One sequence of votes per item (lengths may differ), or an
            ``items x raters`` array; ``None``/``nan`` = missing.

    Returns:
        One label (or ``None``) per item.

    Raises:
        DataError: If the votes mix strings and numbers.

    Examples:
        >>> majority_vote([["b", "a", "b"], ["a", "b"], [None], []])
        ['b', 'a', None, None]
    """
    func = "majority_vote"
    if isinstance(votes_per_item, np.ndarray) and votes_per_item.ndim == 2:
        arr = label_array(votes_per_item, name="votes_per_item", func=func, ndim=2)
        n_items = arr.shape[0]
        flat = arr.ravel()
        item = np.repeat(np.arange(n_items), arr.shape[1])
    else:
        rows = [list(v) if not isinstance(v, str) else [v] for v in votes_per_item]
        n_items = len(rows)
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n_items)
        item = np.repeat(np.arange(n_items), lengths)
        values: list[Any] = [v for r in rows for v in r]
        flat = label_array(
            np.array(values, dtype=object) if values else np.empty(0),
            name="votes_per_item",
            func=func,
            ndim=1,
        )
    (codes,), cats = encode([flat], labels=None, func=func)
    keep = codes >= 0
    item, codes = item[keep], codes[keep]
    out = np.full(n_items, -1, dtype=np.int64)
    if codes.size:
        k = len(cats)
        key, counts = np.unique(item * k + codes, return_counts=True)
        it, code = key // k, key % k
        # per item: most votes first, then the smallest code (= smallest label)
        order = np.lexsort((code, -counts, it))
        first = np.concatenate(([True], it[order][1:] != it[order][:-1]))
        winners = order[first]
        out[it[winners]] = code[winners]
    return decode(out, cats)


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None) -> IntArray:
    """Counts of (true label, predicted label) pairs; rows = true, columns = predicted.

    ``C[i, j]`` = number of items with true label ``labels[i]`` and predicted ``labels[j]``, over
    the items where both are present (as ``sklearn.metrics.confusion_matrix``, which has no
    notion of missing). Label order: ``labels``, else sorted order of every label seen.

    Args:
        y_true: Reference labels; ``None``/``nan`` = missing.
        y_pred: Candidate labels, aligned with ``y_true``.
        labels: All labels in order (rows/columns); a label outside it raises ``DataError``.

    Returns:
        An int64 array of shape ``(K, K)``.

    Raises:
        DataError: If the inputs differ in length or hold a label outside ``labels``.

    Examples:
        >>> confusion_matrix(["y", "n", "y", None], ["y", "y", "n", "n"]).tolist()
        [[0, 1], [1, 1]]
    """
    func = "confusion_matrix"
    ca, cb, k = _paired(y_true, y_pred, labels=labels, func=func, names=("y_true", "y_pred"))
    flat = np.bincount(ca * k + cb, minlength=k * k)
    return flat.reshape(k, k).astype(np.int64)


def jaccard(sets_a: Any, sets_b: Any) -> float:
    """Mean Jaccard index ``|a & b| / |a | b|`` of two raters' label sets over the items.

    Per item the overlap of the two sets of labels (multi-label annotation), then the mean over
    the items where both sets are present (``None`` = missing). Convention: two empty sets are
    identical (1.0) — "no label applies" said by both is agreement. Two plain sets compare as one
    item. Range 0..1, higher is better. Same as ``sklearn.metrics.jaccard_score(...,
    average="samples")`` on indicator matrices, except for the empty-set convention (sklearn
    scores 0 there, with a warning).

    Convention: no item with both sets -> ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Jaccard, P. (1912). The distribution of the flora in the alpine zone. *New
    Phytologist* 11(2), 37-50. doi:10.1111/j.1469-8137.1912.tb05611.x.

    Args:
        sets_a: One set (or list) of labels per item, or a single set.
        sets_b: One set of labels per item, aligned with ``sets_a``, or a single set.

    Returns:
        The mean Jaccard index, or ``nan``.

    Raises:
        DataError: If the inputs differ in length.

    Examples:
        >>> jaccard([{"x", "y"}, set(), {"x"}], [{"y", "z"}, set(), None])  # (1/3 + 1) / 2
        0.6666666666666666
        >>> jaccard({"x"}, {"x", "y"})
        0.5
    """
    func = "jaccard"
    if isinstance(sets_a, Set) and isinstance(sets_b, Set):
        sets_a, sets_b = [sets_a], [sets_b]
    xs, ys = list(sets_a), list(sets_b)
    if len(xs) != len(ys):
        raise DataError(
            f"{func}: 'sets_a' and 'sets_b' must have one label set per item each; got "
            f"{len(xs)} and {len(ys)}."
        )
    scores = [
        _jaccard_pair(set(_as_set(x, func)), set(_as_set(y, func)))
        for x, y in zip(xs, ys, strict=True)
        if not (_missing_set(x) or _missing_set(y))
    ]
    if not scores:
        return warn_undefined(f"{func}: no item has a label set on both sides; undefined.")
    return float(np.mean(scores))


def _missing_set(x: Any) -> bool:
    return x is None or (not isinstance(x, Set | list | tuple | np.ndarray) and is_missing(x))


def _as_set(x: Any, func: str) -> Any:
    if isinstance(x, str) or not isinstance(x, Set | list | tuple | np.ndarray):
        raise DataError(
            f"{func}: each item needs a set (or list) of labels; got {x!r}. Wrap single labels "
            "in a set."
        )
    return x
