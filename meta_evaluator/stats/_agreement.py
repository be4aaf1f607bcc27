"""Pairwise agreement between two raters: accuracy and Cohen's kappa.

Conventions shared by every kernel in :mod:`meta_evaluator.stats`:

* Categorical labels arrive as **integer codes** ``0..K-1`` in the schema's order (which is
  also the ordinal order), with ``-1`` meaning *missing*. Float arrays are accepted as codes too,
  with ``nan`` meaning missing.
* Numeric ratings arrive as float arrays with ``nan`` meaning missing.
* A statistic that is undefined for its input returns ``nan`` and emits
  :class:`~meta_evaluator.errors.UndefinedMetricWarning` (see :func:`warn_undefined`); it never
  raises.
* Bad arguments (wrong shape, codes outside ``0..K-1``, unknown options) raise
  :class:`~meta_evaluator.errors.ConfigError` or :class:`~meta_evaluator.errors.DataError`.

The validation helpers in this module (``_codes``, ``_check_option``...) are used by the other
kernel modules; they validate once, at the public boundary.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from meta_evaluator._checks import check_choice
from meta_evaluator.errors import ConfigError, DataError, UndefinedMetricWarning

__all__ = ["accuracy", "cohen_kappa", "kappa_interpretation", "kappa_parts", "warn_undefined"]

MISSING_CODE = -1
"""The integer code for a missing categorical label."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def warn_undefined(message: str, *, stacklevel: int = 3) -> float:
    """Emit :class:`~meta_evaluator.errors.UndefinedMetricWarning` and return ``nan``.

    This is the single place that implements the "undefined statistic" convention: a degenerate
    input (no paired items, a single class, ...) gives ``nan`` plus a warning, never an exception.

    Args:
        message: What is undefined and why, e.g. ``"cohen_kappa: no item rated by both raters"``.
        stacklevel: Passed to :func:`warnings.warn`; the default points at the caller of the metric.

    Returns:
        ``float("nan")``.

    Examples:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     warn_undefined("demo: nothing to compare")
        nan
    """
    warnings.warn(message, UndefinedMetricWarning, stacklevel=stacklevel)
    return float("nan")


# --------------------------------------------------------------------------------------------
# validation helpers (private, shared by the other kernel modules)
# --------------------------------------------------------------------------------------------


def _check_option(value: Any, allowed: Iterable[Any], *, param: str, func: str) -> None:
    """Raise ConfigError unless ``value`` is one of ``allowed``."""
    check_choice(value, allowed, param=param, owner=func)


def _check_n_labels(n_labels: int | None, *, func: str) -> None:
    if n_labels is None:
        return
    if isinstance(n_labels, bool) or not isinstance(n_labels, int | np.integer) or n_labels < 1:
        raise ConfigError(
            f"The 'n_labels' parameter of {func} must be a positive integer or None; got "
            f"{n_labels!r}."
        )


def _check_confidence(confidence: float, *, func: str) -> None:
    if not (isinstance(confidence, float | int) and 0.0 < float(confidence) < 1.0):
        raise ConfigError(
            f"The 'confidence' parameter of {func} must be a float in the open interval (0, 1), "
            f"e.g. 0.95; got {confidence!r}."
        )


def _codes(x: Any, *, name: str, func: str, ndim: int = 1, n_labels: int | None = None) -> IntArray:
    """Convert ``x`` to an int64 code array (``-1`` = missing) and validate it.

    Float input is accepted when every non-nan value is a whole number; ``nan`` becomes ``-1``.
    """
    arr = np.asarray(x)
    if arr.ndim != ndim:
        raise DataError(
            f"{func}: {name!r} must be a {ndim}-D array of integer label codes; got an array of "
            f"shape {arr.shape!r}. Pass {'one code per item' if ndim == 1 else 'raters x items'}."
        )
    if arr.size == 0:
        return arr.astype(np.int64).reshape(arr.shape)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        nan = np.isnan(arr)
        finite = arr[~nan]
        if finite.size and not np.array_equal(finite, np.round(finite)):
            bad = finite[finite != np.round(finite)][0]
            raise DataError(
                f"{func}: {name!r} must hold integer label codes (or nan for missing); found "
                f"{bad!r}. Map labels to codes 0..K-1 first."
            )
        out = np.where(nan, MISSING_CODE, arr).astype(np.int64)
    elif arr.dtype.kind in "iu":
        out = arr.astype(np.int64, copy=False)
    else:
        raise DataError(
            f"{func}: {name!r} must hold integer label codes; got dtype {arr.dtype!r}. Map labels "
            "to codes 0..K-1 (schema order) and use -1 for missing."
        )
    lo = out.min()
    if lo < MISSING_CODE:
        raise DataError(
            f"{func}: {name!r} holds the code {int(lo)!r}; codes must be 0..K-1, with -1 for "
            "missing."
        )
    if n_labels is not None:
        hi = out.max()
        if hi >= n_labels:
            raise DataError(
                f"{func}: {name!r} holds the code {int(hi)!r} but n_labels={n_labels!r}; codes "
                f"must be in 0..{n_labels - 1}. Pass the right n_labels or fix the mapping."
            )
    return out


def _same_length(a: npt.NDArray[Any], b: npt.NDArray[Any], *, names: str, func: str) -> None:
    if a.shape != b.shape:
        raise DataError(
            f"{func}: {names} must have the same shape (one value per item); got {a.shape!r} and "
            f"{b.shape!r}."
        )


def _paired_codes(
    a: Any, b: Any, *, names: tuple[str, str], func: str, n_labels: int | None
) -> tuple[IntArray, IntArray]:
    """Validate two code vectors and keep the items where both are present."""
    ca = _codes(a, name=names[0], func=func, n_labels=n_labels)
    cb = _codes(b, name=names[1], func=func, n_labels=n_labels)
    _same_length(ca, cb, names=f"{names[0]!r} and {names[1]!r}", func=func)
    keep = (ca != MISSING_CODE) & (cb != MISSING_CODE)
    return ca[keep], cb[keep]


# --------------------------------------------------------------------------------------------
# accuracy
# --------------------------------------------------------------------------------------------


def accuracy(reference: Any, candidate: Any) -> float:
    """Share of items on which two raters give the same label.

    ``accuracy = #{i : reference_i == candidate_i} / #{i : both present}``

    Integer input is read as label codes with ``-1`` = missing; float input is read as values with
    ``nan`` = missing (so ``-1.0`` in a float array is a real value). Items where either side is
    missing are dropped before counting.

    Range 0..1; 1 means the two raters agree on every paired item. Unlike kappa it is not corrected
    for chance agreement, so compare it with the majority-class rate.

    Edge case: no item rated by both sides returns ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: equivalent to ``sklearn.metrics.accuracy_score`` on the paired items.

    Args:
        reference: 1-D array of reference labels (e.g. a human's), one per item.
        candidate: 1-D array of candidate labels (e.g. the judge's), aligned with ``reference``.

    Returns:
        The accuracy as a float, or ``nan`` when no pairs exist.

    Raises:
        DataError: If the arrays are not 1-D, differ in length, or mix integer codes below -1.

    Examples:
        >>> accuracy([0, 1, 1, -1], [0, 1, 0, 1])  # 2 of 3 paired items agree
        0.6666666666666666
        >>> accuracy([1.5, float("nan"), 2.0], [1.5, 3.0, 2.5])
        0.5
    """
    func = "accuracy"
    ref = np.asarray(reference)
    cand = np.asarray(candidate)
    if ref.ndim != 1 or cand.ndim != 1:
        raise DataError(
            f"{func}: 'reference' and 'candidate' must be 1-D arrays (one label per item); got "
            f"shapes {ref.shape!r} and {cand.shape!r}."
        )
    _same_length(ref, cand, names="'reference' and 'candidate'", func=func)
    if ref.dtype.kind == "f" or cand.dtype.kind == "f":
        rf = ref.astype(np.float64)
        cf = cand.astype(np.float64)
        keep = ~(np.isnan(rf) | np.isnan(cf))
        if ref.dtype.kind in "iu":
            keep &= ref != MISSING_CODE
        if cand.dtype.kind in "iu":
            keep &= cand != MISSING_CODE
        n = int(keep.sum())
        if n == 0:
            return warn_undefined(f"{func}: no item is rated by both sides; accuracy is undefined.")
        return float(np.count_nonzero(rf[keep] == cf[keep]) / n)
    if ref.dtype.kind in "iub" and cand.dtype.kind in "iub":
        ra, cb = _paired_codes(
            ref, cand, names=("reference", "candidate"), func=func, n_labels=None
        )
    else:  # strings / objects: compare as they are, None = missing
        keep = np.array([r is not None and c is not None for r, c in zip(ref, cand, strict=True)])
        ra, cb = ref[keep], cand[keep]
    if ra.size == 0:
        return warn_undefined(f"{func}: no item is rated by both sides; accuracy is undefined.")
    return float(np.count_nonzero(ra == cb) / ra.size)


# --------------------------------------------------------------------------------------------
# Cohen's kappa
# --------------------------------------------------------------------------------------------


def _weight_matrix(n_labels: int, weights: Literal["linear", "quadratic"] | None) -> FloatArray:
    """Disagreement weights ``w[i, j]`` over the code order (0 on the diagonal)."""
    idx = np.arange(n_labels, dtype=np.float64)
    diff = np.abs(idx[:, None] - idx[None, :])
    if weights is None:
        return (diff > 0).astype(np.float64)
    if weights == "linear":
        return diff
    return diff**2


def _kappa_from_confusion(confusion: FloatArray, w: FloatArray) -> FloatArray:
    """Vectorised kappa over leading axes of ``confusion`` (..., K, K); nan where undefined.

    ``kappa = 1 - sum(w * O) / sum(w * E)`` with ``E = outer(row, col) / n``.
    """
    n = confusion.sum(axis=(-2, -1))
    rows = confusion.sum(axis=-1)
    cols = confusion.sum(axis=-2)
    observed = np.einsum("...ij,ij->...", confusion, w)
    # sum_ij w_ij r_i c_j / n  ==  r^T W c / n
    expected_num = np.einsum("...i,ij,...j->...", rows, w, cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = expected_num / n
        kappa = 1.0 - observed / expected
    undefined = (n == 0) | (expected_num <= 0)
    return np.where(undefined, np.nan, kappa)


def cohen_kappa(
    a: Any,
    b: Any,
    *,
    n_labels: int | None = None,
    weights: Literal["linear", "quadratic"] | None = None,
) -> float:
    """Cohen's kappa between two raters, optionally weighted for ordinal labels.

    With the confusion matrix ``O`` (``O[i, j]`` = items coded ``i`` by ``a`` and ``j`` by ``b``),
    its row and column totals ``r`` and ``c``, ``n`` paired items and the chance matrix
    ``E = outer(r, c) / n``::

        kappa = 1 - sum(w * O) / sum(w * E)

    with disagreement weights ``w[i, j] = [i != j]`` (unweighted, which equals the usual
    ``(p_o - p_e) / (1 - p_e)``), ``|i - j|`` (``"linear"``) or ``(i - j)**2`` (``"quadratic"``).
    Weights follow the **code order** ``0..K-1``, i.e. the schema's label order, so a code that no
    one used still counts as a step between its neighbours.

    Range -1..1: 1 is perfect agreement, 0 is chance-level agreement, below 0 is worse than chance
    (see :func:`kappa_interpretation` for the Landis & Koch reading).

    Edge cases (both return ``nan`` with :class:`~meta_evaluator.errors.UndefinedMetricWarning`, as
    ``sklearn.metrics.cohen_kappa_score`` does):

    * no item rated by both raters;
    * chance agreement is 1 (``sum(w * E) == 0``), which happens exactly when both raters use one
      and the same label for every item: kappa is 0/0 there even though observed agreement is
      perfect.

    Reference: Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement* 20(1), 37-46. doi:10.1177/001316446002000104. Weighted: Cohen, J.
    (1968), *Psychological Bulletin* 70(4), 213-220. doi:10.1037/h0026256.

    Args:
        a: 1-D integer codes of the first rater (``-1`` = missing).
        b: 1-D integer codes of the second rater, aligned with ``a``.
        n_labels: Number of labels K in the schema. Needed for weighted kappa when the highest code
            is unused; defaults to ``max code + 1``. Codes ``>= n_labels`` raise ``DataError``.
        weights: ``None`` (nominal), ``"linear"`` or ``"quadratic"``.

    Returns:
        Kappa as a float, or ``nan`` when undefined.

    Raises:
        ConfigError: If ``weights`` or ``n_labels`` is invalid.
        DataError: If the arrays are not 1-D code arrays of equal length.

    Examples:
        >>> cohen_kappa([0, 0, 1, 1], [0, 0, 1, 0])  # p_o = 3/4, p_e = (2*3 + 2*1)/16 = 1/2
        0.5
        >>> cohen_kappa([0, 1, 2], [0, 2, 2], weights="linear")
        0.6666666666666667
    """
    func = "cohen_kappa"
    _check_option(weights, ("linear", "quadratic", None), param="weights", func=func)
    _check_n_labels(n_labels, func=func)
    ca, cb = _paired_codes(a, b, names=("a", "b"), func=func, n_labels=n_labels)
    if ca.size == 0:
        return warn_undefined(f"{func}: no item is rated by both raters; kappa is undefined.")
    k = n_labels if n_labels is not None else int(max(ca.max(), cb.max())) + 1
    confusion = np.bincount(ca * k + cb, minlength=k * k).reshape(k, k).astype(np.float64)
    kappa = float(_kappa_from_confusion(confusion, _weight_matrix(k, weights)))
    if np.isnan(kappa):
        return warn_undefined(
            f"{func}: both raters give the same single label to all {ca.size} paired items, so "
            "chance agreement is 1 and kappa is 0/0 (undefined)."
        )
    return kappa


_BANDS: tuple[tuple[float, str], ...] = (
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
)


def kappa_parts(
    reference: Any,
    candidate: Any,
    *,
    n_labels: int,
    weights: Literal["linear", "quadratic"] | None = None,
) -> tuple[float, float]:
    """Observed and chance agreement ``(p_o, p_e)`` behind a (weighted) kappa.

    With the disagreement weights of :func:`cohen_kappa` scaled to a maximum of 1:
    ``p_o = 1 - sum(w O) / n`` and ``p_e = 1 - sum(w E) / n`` (``E = outer(rows, cols) / n``), so
    that ``kappa = (p_o - p_e) / (1 - p_e)``. ``(nan, nan)`` when no item is paired (no warning).

    Example:
        >>> # O = [[2, 0], [1, 1]]: p_o = 3/4; rows (2, 2), cols (3, 1): p_e = (6 + 2) / 16
        >>> kappa_parts(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 0]), n_labels=2)
        (0.75, 0.5)
    """
    ref = np.asarray(reference, dtype=np.int64)
    cand = np.asarray(candidate, dtype=np.int64)
    keep = (ref != MISSING_CODE) & (cand != MISSING_CODE)
    n = int(keep.sum())
    k = max(n_labels, 1)
    if n == 0:
        return float("nan"), float("nan")
    conf = np.bincount(ref[keep] * k + cand[keep], minlength=k * k).reshape(k, k)
    w = _weight_matrix(k, weights)
    if w.max() > 0:
        w = w / w.max()
    expected = np.outer(conf.sum(axis=1), conf.sum(axis=0)) / n
    return float(1.0 - (w * conf).sum() / n), float(1.0 - (w * expected).sum() / n)


def kappa_interpretation(kappa: float) -> str:
    """Landis & Koch (1977) reading of a kappa value.

    ======================  ==================
    kappa                   band
    ======================  ==================
    < 0                     ``"poor"``
    0.00 - 0.20             ``"slight"``
    0.21 - 0.40             ``"fair"``
    0.41 - 0.60             ``"moderate"``
    0.61 - 0.80             ``"substantial"``
    0.81 - 1.00             ``"almost perfect"``
    nan                     ``"undefined"``
    ======================  ==================

    Band edges are inclusive at the top: 0.20 is "slight", anything above 0.20 up to 0.40 is "fair",
    and so on (the table's two-decimal edges leave no gaps).

    Reference: Landis, J. R. & Koch, G. G. (1977). The measurement of observer agreement for
    categorical data. *Biometrics* 33(1), 159-174. doi:10.2307/2529310.

    Args:
        kappa: A kappa (or alpha) value.

    Returns:
        The band name in lower case.

    Examples:
        >>> kappa_interpretation(0.72)
        'substantial'
        >>> kappa_interpretation(-0.1), kappa_interpretation(float("nan"))
        ('poor', 'undefined')
    """
    value = float(kappa)
    if np.isnan(value):
        return "undefined"
    if value < 0:
        return "poor"
    for upper, name in _BANDS:
        if value <= upper:
            return name
    return "almost perfect"
