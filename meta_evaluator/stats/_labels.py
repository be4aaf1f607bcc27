"""Raw labels -> integer codes: the boundary between user data and the code kernels.

The public raw-label statistics (:mod:`meta_evaluator.stats._reliability`, ``_correlation``,
``_raw``) accept labels as they come: strings, numbers or booleans, with ``None`` or ``nan``
meaning *missing*. This module turns such arrays into the integer codes (``0..K-1``, ``-1`` =
missing) or float values (``nan`` = missing) that the private kernels use, without a Python loop
for numeric numpy input (the fast path the benchmarks measure).

Category order (the code order) is ``sorted`` order of the observed labels (Python ordering:
numbers ascending, strings by code point), or the order of an explicit ``labels`` /
``value_domain`` list, which also fixes the set of allowed labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import MISSING_CODE, FloatArray, IntArray

__all__: list[str] = []

_INT_RANGE = 1 << 20
"""Integer-valued numeric labels spanning fewer values than this are coded without sorting."""


def is_missing(value: Any) -> bool:
    """Whether one raw label counts as missing (``None`` or a float ``nan``)."""
    if value is None:
        return True
    return isinstance(value, float | np.floating) and value != value


def label_array(x: Any, *, name: str, func: str, ndim: int | None = None) -> npt.NDArray[Any]:
    """Read raw labels into a numpy array: numeric (float ``nan`` = missing) or ``object``.

    Lists of numbers with ``None`` become float arrays; lists holding strings stay ``object`` (so
    that ``nan`` is not turned into the string ``'nan'`` as :func:`numpy.asarray` would do).

    Raises:
        DataError: If the shape is not ``ndim``-D or the rows are ragged.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except ValueError as exc:
            raise DataError(
                f"{func}: {name!r} must be a rectangular array of labels; got ragged rows ({exc})."
            ) from exc
        if arr.dtype.kind in "US":
            arr = np.asarray(x, dtype=object)
    if ndim is not None and arr.ndim != ndim:
        layout = {1: "one label per item", 2: "a 2-D table"}.get(ndim, f"{ndim}-D")
        raise DataError(f"{func}: {name!r} must be {layout}; got an array of shape {arr.shape!r}.")
    if arr.dtype.kind == "O":
        return _objects_to_array(arr, name=name, func=func)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    if arr.dtype.kind not in "biuf":
        raise DataError(
            f"{func}: {name!r} must hold strings or numbers (None/nan = missing); got dtype "
            f"{arr.dtype!r}."
        )
    return arr


def _factorize(flat: npt.NDArray[Any]) -> tuple[IntArray, list[Any]]:
    """One dict pass: a code per element (first-seen order) and the distinct values."""
    seen: dict[Any, int] = {}
    get = seen.setdefault
    codes = np.fromiter((get(v, len(seen)) for v in flat), dtype=np.int64, count=flat.size)
    return codes, list(seen)


def _objects_to_array(arr: npt.NDArray[Any], *, name: str, func: str) -> npt.NDArray[Any]:
    """Object input: all-numeric -> float64 (``nan`` = missing); otherwise strings as objects.

    Types are checked on the distinct values only, so the cost is one dict pass over the labels.
    """
    flat = arr.ravel()
    codes, distinct = _factorize(flat)
    missing = np.fromiter((is_missing(v) for v in distinct), dtype=bool, count=len(distinct))
    present = [v for v, m in zip(distinct, missing, strict=True) if not m]
    n_str = sum(isinstance(v, str) for v in present)
    if n_str == len(present):
        table = np.array(
            [None if m else v for v, m in zip(distinct, missing, strict=True)] or [None],
            dtype=object,
        )
        return table[codes].reshape(arr.shape)
    if n_str == 0 and all(isinstance(v, int | float | np.number | bool) for v in present):
        table_f = np.array(
            [np.nan if m else float(v) for v, m in zip(distinct, missing, strict=True)]
        )
        return table_f[codes].reshape(arr.shape)
    bad = next(v for v in present if not isinstance(v, str))
    raise DataError(
        f"{func}: {name!r} mixes strings with non-string labels such as {bad!r}; use one type "
        "of label (None or nan for missing)."
    )


def numeric_values(arr: npt.NDArray[Any], *, name: str, func: str, what: str) -> FloatArray:
    """Float64 values (``nan`` = missing) from a :func:`label_array` result.

    Raises:
        DataError: If the labels are strings (``what`` says which statistic needs numbers).
    """
    if arr.dtype.kind == "O":
        present = [v for v in arr.ravel() if v is not None]
        example = present[0] if present else None
        raise DataError(
            f"{func}: {what} needs numeric labels; {name!r} holds strings such as {example!r}. "
            "Map them to numbers first, or use a nominal/ordinal statistic."
        )
    values = np.asarray(arr, dtype=np.float64)
    if np.isinf(values).any():
        raise DataError(f"{func}: {name!r} holds an infinite value; use nan for missing.")
    return values


def encode(
    arrays: Sequence[npt.NDArray[Any]],
    *,
    labels: Sequence[Any] | None,
    func: str,
    param: str = "labels",
) -> tuple[list[IntArray], list[Any]]:
    """Code several :func:`label_array` results on one shared category list.

    Returns:
        ``(codes, categories)``: one int64 array per input (same shapes, ``-1`` = missing) and the
        label of each code (Python objects, in sorted order or the order of ``labels``).

    Raises:
        DataError: If a label is not in ``labels``, or labels of different types are mixed.
    """
    numeric = [a.dtype.kind != "O" for a in arrays]
    if any(numeric) and not all(numeric):
        if all(
            not np.isfinite(a.astype(np.float64)).any()
            for a, n in zip(arrays, numeric, strict=True)
            if n
        ):
            # an all-missing numeric array next to string labels: treat as missing strings
            arrays = [
                a if not n else np.full(a.shape, None, dtype=object)
                for a, n in zip(arrays, numeric, strict=True)
            ]
            numeric = [False] * len(arrays)
        else:
            raise DataError(
                f"{func}: one input holds strings and another numbers; use one type of label."
            )
    if all(numeric):
        codes, cats = _encode_numeric(arrays)
    else:
        codes, cats = _encode_objects(arrays, func=func)
    if labels is None:
        return codes, cats
    return _recode(codes, cats, list(labels), func=func, param=param)


def _encode_numeric(arrays: Sequence[npt.NDArray[Any]]) -> tuple[list[IntArray], list[Any]]:
    as_bool = all(a.dtype.kind == "b" for a in arrays)
    floats = [np.asarray(a, dtype=np.float64) for a in arrays]
    # fmin/fmax skip nan without copying the array (nan only when every value is nan)
    lows = [float(np.fmin.reduce(f, axis=None)) for f in floats if f.size]
    highs = [float(np.fmax.reduce(f, axis=None)) for f in floats if f.size]
    lows = [x for x in lows if x == x]
    highs = [x for x in highs if x == x]
    if not lows:
        return [np.full(f.shape, MISSING_CODE, dtype=np.int64) for f in floats], []
    lo, hi = min(lows), max(highs)
    span = hi - lo
    # fractional part > 0 marks a non-integer (nan > 0 is False, so missing values pass)
    integral = span < _INT_RANGE and not any(bool(np.any(f - np.floor(f) > 0)) for f in floats)
    if integral:
        # one offset per value (nan -> the slot after the last value): bincount, no sorting
        n_slots = int(span) + 1
        offsets: list[IntArray] = []
        for f in floats:
            shifted = f - lo
            shifted[np.isnan(shifted)] = n_slots
            offsets.append(shifted.astype(np.int64))
        used = np.zeros(n_slots + 1, dtype=bool)
        for offset in offsets:
            used |= np.bincount(offset.ravel(), minlength=n_slots + 1) > 0
        used[n_slots] = False
        remap = np.cumsum(used) - 1
        remap[n_slots] = MISSING_CODE
        cats_arr: npt.NDArray[Any] = np.nonzero(used)[0] + np.int64(lo)
        # integral labels decode as int (1.0 == 1), booleans as bool
        cats = [bool(c) for c in cats_arr] if as_bool else [int(c) for c in cats_arr]
        return [remap[off] for off in offsets], cats
    present = [~np.isnan(f) for f in floats]
    vals = np.concatenate([f[p] for f, p in zip(floats, present, strict=True)])
    out = [np.full(f.shape, MISSING_CODE, dtype=np.int64) for f in floats]
    uniq, inv = np.unique(vals, return_inverse=True)
    start = 0
    for o, p in zip(out, present, strict=True):
        k = int(p.sum())
        o[p] = inv[start : start + k]
        start += k
    return out, [float(c) for c in uniq]


def _encode_objects(
    arrays: Sequence[npt.NDArray[Any]], *, func: str
) -> tuple[list[IntArray], list[Any]]:
    """Strings (``None`` = missing): one dict pass, then the distinct labels sorted."""
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.empty(0, dtype=object)
    first, distinct = _factorize(flat)
    keep = [i for i, v in enumerate(distinct) if v is not None]
    cats = sorted(str(distinct[i]) for i in keep)
    pos = {c: i for i, c in enumerate(cats)}
    remap = np.full(len(distinct) + 1, MISSING_CODE, dtype=np.int64)
    for i in keep:
        remap[i] = pos[str(distinct[i])]
    codes = remap[first] if flat.size else np.empty(0, dtype=np.int64)
    out = []
    start = 0
    for a in arrays:
        out.append(codes[start : start + a.size].reshape(a.shape))
        start += a.size
    return out, cats


def _recode(
    codes: list[IntArray], cats: list[Any], labels: list[Any], *, func: str, param: str
) -> tuple[list[IntArray], list[Any]]:
    if len(set(map(_hashable, labels))) != len(labels):
        raise DataError(f"{func}: {param!r} lists a label twice; got {labels!r}.")
    pos = {_hashable(v): i for i, v in enumerate(labels)}
    remap = np.empty(len(cats) + 1, dtype=np.int64)
    remap[-1] = MISSING_CODE
    for i, c in enumerate(cats):
        key = _hashable(c)
        if key not in pos:
            raise DataError(
                f"{func}: the label {c!r} is not in {param}={labels!r}; add it to {param!r} or "
                "fix the data."
            )
        remap[i] = pos[key]
    return [remap[c] for c in codes], labels


def _hashable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def decode(codes: IntArray, categories: Sequence[Any]) -> list[Any]:
    """Codes back to labels (``-1`` -> ``None``)."""
    table = [*categories, None]
    return [table[c] for c in codes.tolist()]
