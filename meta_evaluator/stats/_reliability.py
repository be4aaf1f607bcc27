"""Inter-rater reliability on raw labels: alpha, Fleiss, Gwet's AC1, Scott's pi, Cohen's kappa.

Public, scikit-learn style functions over labels as they come (strings or numbers; ``None`` /
``nan`` = missing). They code the labels (:mod:`meta_evaluator.stats._labels`) and call the
integer-code kernels the scorers use (``_alpha``, ``_agreement``, ``_fleiss``), so both layers
give the same numbers.

Layouts follow the reference package of each statistic: :func:`krippendorff_alpha` takes
``raters x items`` (the ``krippendorff`` package); :func:`fleiss_kappa_from_ratings`,
:func:`gwet_ac1` and :func:`percent_agreement` take ``subjects x raters`` (statsmodels'
``aggregate_raters`` and Gwet's ``irrCAC``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from meta_evaluator.errors import DataError
from meta_evaluator.stats._agreement import (
    FloatArray,
    IntArray,
    _check_option,
    warn_undefined,
)
from meta_evaluator.stats._agreement import cohen_kappa as _cohen_kappa_codes
from meta_evaluator.stats._alpha import (
    _alpha_from_disagreements,
    _ordinal_delta2,
    _pairable_items,
)
from meta_evaluator.stats._alpha import krippendorff_alpha as _alpha_codes
from meta_evaluator.stats._labels import encode, label_array, numeric_values

__all__ = [
    "cohen_kappa",
    "fleiss_kappa_from_ratings",
    "gwet_ac1",
    "krippendorff_alpha",
    "percent_agreement",
    "scott_pi",
]

_LEVELS = ("nominal", "ordinal", "interval", "ratio")

logger = logging.getLogger(__name__)


def krippendorff_alpha(
    reliability_data: Any,
    *,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
    value_domain: Sequence[Any] | None = None,
) -> float:
    """Krippendorff's alpha of raw labels, any number of raters, missing data allowed.

    ``alpha = 1 - D_o / D_e``: one minus observed over expected disagreement, both computed from
    the coincidence matrix of the pairable values (values in items with two or more ratings)::

        alpha = 1 - (n - 1) * sum_ck o_ck delta2_ck / sum_ck n_c n_k delta2_ck

    with ``delta2`` = ``[c != k]`` (nominal), the squared rank distance over the ordered values
    (ordinal), ``(c - k) ** 2`` (interval) or ``((c - k) / (c + k)) ** 2`` (ratio).

    Range: 1 perfect reliability, 0 chance level, negative systematic disagreement. Reading
    (Krippendorff): rely on data with ``alpha >= 0.800``; ``0.667 <= alpha < 0.800`` only for
    tentative conclusions; below that the labels are unreliable.

    Cost: ``O(raters x items)`` for nominal, ordinal and interval, with no ``items x values**2``
    arrays (one million items x 3 raters take well under a second; see
    ``benchmarks/bench_stats.py``); ratio adds ``O(V**2)`` in the number of distinct values.

    Conventions: items with fewer than two ratings are dropped (logged). All pairable values
    identical: 1.0 (no disagreement is possible; the ``krippendorff`` package raises there). No
    item with two ratings: ``nan`` with :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Krippendorff, K. (2011). *Computing Krippendorff's Alpha-Reliability*. Annenberg
    School for Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43
    (worked example: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797).

    Args:
        reliability_data: ``raters x items`` labels (the ``krippendorff`` package's layout):
            strings or numbers, ``None``/``nan`` = missing. Interval and ratio need numbers.
        level: ``"nominal"`` (default), ``"ordinal"``, ``"interval"`` or ``"ratio"``.
        value_domain: The possible labels, in order. For ``"ordinal"`` it gives the order of
            string labels (default: sorted order); for every level a label outside it raises
            ``DataError``. Unused values change nothing (they carry no ratings).

    Returns:
        Alpha, or ``nan`` when undefined.

    Raises:
        ConfigError: If ``level`` is invalid.
        DataError: If the data is not 2-D, mixes strings and numbers, holds a label outside
            ``value_domain``, strings for interval/ratio, or negative values for ratio.

    Examples:
        >>> # 2 raters x 4 items; item 4 has one rating and is dropped (see _alpha for the sums)
        >>> round(krippendorff_alpha([["a", "b", "a", "b"], ["a", "b", "b", None]]), 12)
        0.444444444444
        >>> # interval: observed 2 (item 3: (3-4)**2 twice), expected sum over the six values'
        >>> # ordered pairs 2 (6 * 35 - 13**2) = 82; alpha = 1 - (6 - 1) * 2 / 82
        >>> round(krippendorff_alpha([[1, 2, 3], [1, 2, 4]], level="interval"), 6)
        0.878049
    """
    func = "krippendorff_alpha"
    _check_option(level, _LEVELS, param="level", func=func)
    arr = label_array(reliability_data, name="reliability_data", func=func, ndim=2)
    if level in ("nominal", "ordinal"):
        (codes,), cats = encode([arr], labels=value_domain, func=func, param="value_domain")
        return _alpha_from_counts(item_counts(codes, max(len(cats), 1)), level, func=func)
    values = numeric_values(arr, name="reliability_data", func=func, what=f"level={level!r}")
    if value_domain is not None:
        domain = np.asarray(list(value_domain), dtype=np.float64)
        present = values[~np.isnan(values)]
        outside = present[~np.isin(present, domain)]
        if outside.size:
            raise DataError(
                f"{func}: the value {float(outside[0])!r} is not in value_domain="
                f"{list(value_domain)!r}; add it or fix the data."
            )
    return _alpha_codes(values, level=level)


def item_counts(codes: IntArray, k: int) -> FloatArray:
    """``items x k`` rater counts of a ``raters x items`` code matrix (``-1`` = missing).

    Missing cells go to an extra slot that is dropped, so no boolean gather is needed: one
    ``bincount`` over ``item * (k + 1) + code``.
    """
    n_items = codes.shape[1]
    slots = np.where(codes >= 0, codes, k) + (k + 1) * np.arange(n_items, dtype=np.int64)
    counts = np.bincount(slots.ravel(), minlength=n_items * (k + 1))
    return counts.reshape(n_items, k + 1)[:, :k].astype(np.float64)


def _alpha_from_counts(counts: FloatArray, level: str, *, func: str) -> float:
    """Nominal / ordinal alpha from ``items x K`` counts (the sums of ``_alpha``'s kernel).

    ``D_o`` sums ``(m_u^2 - sum_c n_uc^2) / (m_u - 1)`` (nominal) or
    ``n_u . delta2 . n_u / (m_u - 1)`` (ordinal) over the items with ``m_u >= 2`` values;
    ``D_e`` is ``n^2 - sum n_c^2`` or ``n_c . delta2 . n_c``; ``alpha = 1 - (n - 1) D_o / D_e``.
    """
    m_all = counts.sum(axis=1)
    pairable = _pairable_items(m_all, func=func, log=logger, stacklevel=5)
    if pairable is None:
        return float("nan")
    if not pairable.all():
        counts = counts[pairable]
    m = m_all[pairable]
    w = 1.0 / (m - 1.0)
    n_c = counts.sum(axis=0)
    n = float(n_c.sum())
    if level == "nominal":
        observed = float(((m * m - (counts * counts).sum(axis=1)) * w).sum())
        expected = float(n * n - (n_c * n_c).sum())
    else:
        delta2 = _ordinal_delta2(n_c)
        # sum_u w_u n_u . delta2 . n_u = sum(delta2 * (W n)^T n): one K x K product
        observed = float((((counts * w[:, None]).T @ counts) * delta2).sum())
        expected = float(n_c @ delta2 @ n_c)
    return _alpha_from_disagreements(n, observed, expected)


def _subject_counts(
    ratings: Any, *, categories: Sequence[Any] | None, func: str
) -> tuple[FloatArray, int]:
    """``subjects x K`` rater counts of ``subjects x raters`` labels, and K."""
    arr = label_array(ratings, name="ratings", func=func, ndim=2)
    (codes,), cats = encode([arr], labels=categories, func=func, param="categories")
    return item_counts(codes.T, max(len(cats), 1)), len(cats)


def _pa_and_shares(counts: FloatArray, func: str) -> tuple[float, FloatArray] | None:
    """Gwet's observed agreement ``p_a`` and category shares ``pi_k``; None when undefined.

    ``p_a`` = mean over subjects with ``r_i >= 2`` ratings of
    ``sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))``; ``pi_k`` = mean over subjects with at least one
    rating of ``r_ik / r_i``.
    """
    r = counts.sum(axis=1)
    rated = r > 0
    pairable = r >= 2
    if not pairable.any():
        warn_undefined(
            f"{func}: no subject has 2 or more ratings ({counts.shape[0]} subjects), so agreement "
            "is undefined.",
            stacklevel=4,
        )
        return None
    c2 = counts[pairable]
    r2 = r[pairable]
    pa = float(((c2 * (c2 - 1.0)).sum(axis=1) / (r2 * (r2 - 1.0))).mean())
    shares = (counts[rated] / r[rated, None]).mean(axis=0)
    return pa, shares


def _pooled_chance_corrected(observed: float, shares: FloatArray, *, undefined: str) -> float:
    """Chance-corrected agreement with chance from pooled category shares (Fleiss, Scott).

    ``p_e = sum_k shares_k**2`` and ``(p_o - p_e) / (1 - p_e)``; chance agreement 1 (one
    category throughout) makes it 0/0: ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Args:
        observed: Observed agreement ``p_o``.
        shares: Category shares pooled over all raters (they sum to 1).
        undefined: The warning message when chance agreement is 1.

    Returns:
        The coefficient, or ``nan`` when undefined.
    """
    pe = float((shares**2).sum())
    if np.isclose(pe, 1.0, rtol=0.0, atol=1e-15):
        return warn_undefined(undefined, stacklevel=4)
    return (observed - pe) / (1.0 - pe)


def fleiss_kappa_from_ratings(ratings: Any, *, categories: Sequence[Any] | None = None) -> float:
    """Fleiss' kappa from raw labels (``subjects x raters``), missing ratings allowed.

    With ``r_ik`` raters putting subject ``i`` in category ``k`` and ``r_i = sum_k r_ik``::

        p_a   = mean_{i: r_i >= 2} sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))
        pi_k  = mean_{i: r_i >= 1} r_ik / r_i
        kappa = (p_a - sum_k pi_k**2) / (1 - sum_k pi_k**2)

    With the same number of raters on every subject this is exactly Fleiss (1971) (and
    ``statsmodels.stats.inter_rater.fleiss_kappa`` on ``aggregate_raters(ratings)``); with
    missing ratings it is Gwet's (2014, ch. 5) generalisation, which keeps every subject instead
    of refusing the table. Range and reading as :func:`~meta_evaluator.stats.cohen_kappa`.

    Conventions: no subject with two ratings, or every rating in one category (chance agreement
    1), give ``nan`` with :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    References: Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin* 76(5), 378-382. doi:10.1037/h0031619. Gwet, K. L. (2014).
    *Handbook of Inter-Rater Reliability*, 4th ed., Advanced Analytics.

    Args:
        ratings: ``subjects x raters`` labels; ``None``/``nan`` = missing.
        categories: The possible labels (validates the data; unused ones change nothing).

    Returns:
        Kappa, or ``nan`` when undefined.

    Raises:
        DataError: If ``ratings`` is not 2-D or holds a label outside ``categories``.

    Examples:
        >>> # 2 subjects x 3 raters: p_a = (1 + 1/3) / 2, pi = (4/6, 2/6), p_e = 5/9 -> 0.25
        >>> round(fleiss_kappa_from_ratings([["y", "y", "y"], ["y", "n", "n"]]), 12)
        0.25
    """
    func = "fleiss_kappa_from_ratings"
    counts, _ = _subject_counts(ratings, categories=categories, func=func)
    parts = _pa_and_shares(counts, func)
    if parts is None:
        return float("nan")
    pa, shares = parts
    return _pooled_chance_corrected(
        pa,
        shares,
        undefined=f"{func}: every rating falls in one category, so chance agreement is 1 and "
        "kappa is 0/0 (undefined).",
    )


def gwet_ac1(ratings: Any, *, categories: Sequence[Any] | None = None) -> float:
    """Gwet's AC1 agreement coefficient (``subjects x raters``, missing ratings allowed).

    With ``p_a`` and ``pi_k`` as in :func:`fleiss_kappa_from_ratings` and ``q`` categories::

        p_e = sum_k pi_k (1 - pi_k) / (q - 1)
        AC1 = (p_a - p_e) / (1 - p_e)

    AC1 is a chance-corrected agreement like kappa but does not collapse when one category
    dominates (the "kappa paradox"): chance agreement is at most ``1/q`` and shrinks as one
    category dominates. Range about -1..1;
    read it with the Landis & Koch bands of :func:`~meta_evaluator.stats.kappa_interpretation`
    (Gwet recommends benchmarking with a CI).

    ``q`` is ``len(categories)`` when given, else the number of observed categories: unlike
    kappa, AC1 depends on categories nobody used, so pass the schema's labels when you have them.

    Conventions: ``q == 1`` (one category only) gives ``p_e = 0`` and AC1 = ``p_a`` = 1.0, as
    Gwet's ``irrCAC``. No subject with two ratings: ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. *British Journal of Mathematical and Statistical Psychology*
    61(1), 29-48. doi:10.1348/000711006X126600; Gwet, K. L. (2014). *Handbook of Inter-Rater
    Reliability*, 4th ed. (worked example: AC1 = 0.7754 on 4 raters x 12 subjects).

    Args:
        ratings: ``subjects x raters`` labels; ``None``/``nan`` = missing.
        categories: Every possible label (fixes ``q``).

    Returns:
        AC1, or ``nan`` when undefined.

    Raises:
        DataError: If ``ratings`` is not 2-D or holds a label outside ``categories``.

    Examples:
        >>> # p_a = (1 + 1/3) / 2 = 2/3; pi = (2/3, 1/3); p_e = 2 * (2/9) / (2 - 1) = 4/9
        >>> # AC1 = (2/3 - 4/9) / (5/9) = 2/5
        >>> round(gwet_ac1([["y", "y", "y"], ["y", "n", "n"]]), 12)
        0.4
    """
    func = "gwet_ac1"
    counts, q = _subject_counts(ratings, categories=categories, func=func)
    return _ac1_from_counts(counts, q, func=func)


def _ac1_from_counts(counts: FloatArray, q: int, *, func: str) -> float:
    """AC1 from ``subjects x K`` rater counts and the number of categories ``q`` (kernel)."""
    parts = _pa_and_shares(counts, func)
    if parts is None:
        return float("nan")
    pa, shares = parts
    pe = float((shares * (1.0 - shares)).sum() / (q - 1.0)) if q >= 2 else 0.0
    return (pa - pe) / (1.0 - pe)


def percent_agreement(ratings: Any) -> float:
    """Share of agreeing rater pairs, averaged over subjects (``subjects x raters``).

    ``p_a = mean_{i: r_i >= 2} sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))``: on each subject with
    at least two ratings, the share of (ordered) rater pairs that gave the same label; for two
    raters it is the share of subjects they agree on. Range 0..1, not corrected for chance (two
    raters guessing between two labels agree half the time), so read it beside a kappa or alpha.

    Convention: no subject with two ratings -> ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2
    (the observed agreement ``p_a`` of Fleiss' kappa and AC1).

    Args:
        ratings: ``subjects x raters`` labels; ``None``/``nan`` = missing.

    Returns:
        The mean pairwise agreement, or ``nan``.

    Examples:
        >>> percent_agreement([["a", "a", None], ["a", "b", "b"]])  # (1 + 1/3) / 2
        0.6666666666666666
    """
    func = "percent_agreement"
    counts, _ = _subject_counts(ratings, categories=None, func=func)
    parts = _pa_and_shares(counts, func)
    return float("nan") if parts is None else parts[0]


def _paired(
    a: Any,
    b: Any,
    *,
    labels: Sequence[Any] | None,
    func: str,
    names: tuple[str, str] = ("a", "b"),
) -> tuple[IntArray, IntArray, int]:
    """Code two raters' labels on one category list; keep the items both labelled.

    ``names`` are the two parameters' names in error messages.
    """
    xa = label_array(a, name=names[0], func=func, ndim=1)
    xb = label_array(b, name=names[1], func=func, ndim=1)
    if xa.shape != xb.shape:
        raise DataError(
            f"{func}: {names[0]!r} and {names[1]!r} must have one label per item each; got "
            f"{xa.shape[0]} and {xb.shape[0]} labels."
        )
    (ca, cb), cats = encode([xa, xb], labels=labels, func=func)
    keep = (ca >= 0) & (cb >= 0)
    return ca[keep], cb[keep], len(cats)


def cohen_kappa(
    a: Any,
    b: Any,
    *,
    labels: Sequence[Any] | None = None,
    weights: Literal["linear", "quadratic"] | None = None,
) -> float:
    """Cohen's kappa between two raters' raw labels, optionally weighted.

    ``kappa = 1 - sum(w * O) / sum(w * E)`` over the confusion matrix ``O`` of the items both
    labelled and its chance counterpart ``E = outer(rows, cols) / n``, with disagreement weights
    ``[i != j]`` (unweighted: ``(p_o - p_e) / (1 - p_e)``), ``|i - j|`` (linear) or
    ``(i - j) ** 2`` (quadratic) over the label positions in ``labels`` (default: sorted order).
    Same numbers as ``sklearn.metrics.cohen_kappa_score``.

    Range -1..1: 1 perfect, 0 chance level, < 0 worse than chance; Landis & Koch bands in
    :func:`~meta_evaluator.stats.kappa_interpretation` (0.61-0.80 substantial, > 0.80 almost
    perfect).

    Conventions: items where either label is missing are dropped. No shared item, or both raters
    using one and the same label throughout (kappa 0/0): ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Cohen, J. (1960). *Educational and Psychological Measurement* 20(1), 37-46.
    doi:10.1177/001316446002000104; weighted: Cohen, J. (1968). *Psychological Bulletin* 70(4),
    213-220. doi:10.1037/h0026256.

    Args:
        a: One label per item (rater 1); ``None``/``nan`` = missing.
        b: One label per item (rater 2), aligned with ``a``.
        labels: All labels in order (the scale for weights); a label outside it raises.
        weights: ``None``, ``"linear"`` or ``"quadratic"``.

    Returns:
        Kappa, or ``nan`` when undefined.

    Raises:
        ConfigError: If ``weights`` is invalid.
        DataError: If the inputs differ in length or hold a label outside ``labels``.

    Examples:
        >>> cohen_kappa(["y", "y", "n", "n"], ["y", "y", "n", "y"])  # p_o 3/4, p_e 1/2
        0.5
        >>> round(cohen_kappa([1, 2, 3], [1, 3, 3], weights="linear"), 12)
        0.666666666667
    """
    func = "cohen_kappa"
    _check_option(weights, ("linear", "quadratic", None), param="weights", func=func)
    ca, cb, k = _paired(a, b, labels=labels, func=func)
    return _cohen_kappa_codes(ca, cb, n_labels=max(k, 1), weights=weights)


def scott_pi(a: Any, b: Any, *, labels: Sequence[Any] | None = None) -> float:
    """Scott's pi between two raters' raw labels.

    ``pi = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of shared items they agree on and
    ``p_e = sum_k ((n_ak + n_bk) / (2 n)) ** 2``: chance agreement from the two raters' pooled
    label distribution (Cohen's kappa uses the product of the two separate distributions). For
    two raters with no missing labels it equals Fleiss' kappa. Range and reading as
    :func:`cohen_kappa`.

    Conventions: items where either label is missing are dropped; no shared item, or chance
    agreement 1 (a single label throughout): ``nan`` with
    :class:`~meta_evaluator.errors.UndefinedMetricWarning`.

    Reference: Scott, W. A. (1955). Reliability of content analysis: the case of nominal scale
    coding. *Public Opinion Quarterly* 19(3), 321-325. doi:10.1086/266577.

    Args:
        a: One label per item (rater 1); ``None``/``nan`` = missing.
        b: One label per item (rater 2).
        labels: The possible labels (validates the data).

    Returns:
        Pi, or ``nan`` when undefined.

    Examples:
        >>> # p_o = 3/4; pooled shares (5/8, 3/8): p_e = 34/64; pi = (48 - 34) / (64 - 34)
        >>> round(scott_pi(["y", "y", "n", "n"], ["y", "y", "n", "y"]), 12)
        0.466666666667
    """
    func = "scott_pi"
    ca, cb, k = _paired(a, b, labels=labels, func=func)
    n = ca.size
    if n == 0:
        return warn_undefined(f"{func}: no item is labelled by both raters; pi is undefined.")
    po = float(np.count_nonzero(ca == cb) / n)
    shares = np.bincount(np.concatenate([ca, cb]), minlength=max(k, 1)) / (2.0 * n)
    return _pooled_chance_corrected(
        po,
        shares,
        undefined=f"{func}: both raters use one label for all {n} shared items, so chance "
        "agreement is 1 and pi is 0/0 (undefined).",
    )
