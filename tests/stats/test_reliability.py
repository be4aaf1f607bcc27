"""Public raw-label reliability statistics against published examples and reference packages."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from meta_evaluator.errors import ConfigError, DataError, UndefinedMetricWarning
from meta_evaluator.stats import (
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_ratings,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12
# units, values 1..5, blank cells missing. Gwet (2014) uses the same data (irrCAC's
# cac.raw4raters, subjects x raters = the transpose).
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)

# Fleiss (1971), table 1: 30 patients x 6 psychiatrists, 5 diagnoses (published kappa .430).
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)  # fmt: skip


def _with_missing(rng: np.random.Generator, shape: tuple[int, int], k: int, p: float):
    data = rng.integers(1, k + 1, shape).astype(float)
    data[rng.random(shape) < p] = NAN
    return data


# ------------------------------------------------------------------ Krippendorff's alpha
@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_krippendorff_2011_published(level, published):
    ours = krippendorff_alpha(K2011, level=level)
    assert round(ours, 3) == published
    ref = krippendorff.alpha(reliability_data=K2011, level_of_measurement=level)
    assert ours == pytest.approx(ref, abs=1e-9)


def test_alpha_nominal_hand_computed():
    # n = 40 pairable values, n^2 - sum n_c^2 = 1216, observed disagreement mass 8:
    # alpha = 1 - 39 * 8 / 1216
    assert krippendorff_alpha(K2011) == pytest.approx(1 - 312 / 1216, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_matches_krippendorff_package_with_missing(seed, level):
    rng = np.random.default_rng(seed)
    data = _with_missing(rng, (int(rng.integers(2, 7)), 300), int(rng.integers(2, 8)), 0.3)
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level=level) == pytest.approx(ref, abs=1e-9)


def test_alpha_string_labels_equal_their_codes():
    rng = np.random.default_rng(7)
    data = _with_missing(rng, (4, 200), 4, 0.25)
    names = np.array(["a_bad", "b_ok", "c_good", "d_great"], dtype=object)
    strings = [[None if np.isnan(v) else names[int(v) - 1] for v in row] for row in data]
    for level in ("nominal", "ordinal"):
        assert krippendorff_alpha(strings, level=level) == pytest.approx(
            krippendorff_alpha(data, level=level), abs=1e-12
        )


def test_alpha_value_domain_orders_string_labels():
    rng = np.random.default_rng(3)
    data = _with_missing(rng, (3, 150), 3, 0.2)
    order = ["low", "mid", "high"]  # not alphabetical
    strings = [[None if np.isnan(v) else order[int(v) - 1] for v in row] for row in data]
    ours = krippendorff_alpha(strings, level="ordinal", value_domain=order)
    ref = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    assert ours == pytest.approx(ref, abs=1e-9)
    # sorted order ("high" < "low" < "mid") is a different scale
    assert krippendorff_alpha(strings, level="ordinal") != pytest.approx(ours, abs=1e-6)
    # unused domain values change nothing
    wider = ["none", *order, "max"]
    assert krippendorff_alpha(strings, level="ordinal", value_domain=wider) == pytest.approx(
        ours, abs=1e-12
    )


def test_alpha_value_domain_rejects_unknown_label():
    with pytest.raises(DataError, match="'x' is not in value_domain"):
        krippendorff_alpha([["a", "x"], ["a", "b"]], value_domain=["a", "b"])
    with pytest.raises(DataError, match="not in value_domain"):
        krippendorff_alpha([[1, 2], [1, 7]], level="interval", value_domain=[1, 2, 3])


def test_alpha_errors_and_degenerate():
    with pytest.raises(ConfigError, match="'level' parameter of krippendorff_alpha"):
        krippendorff_alpha([[1, 2]], level="cardinal")
    with pytest.raises(DataError, match="needs numeric labels"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")
    with pytest.raises(DataError, match="mixes strings"):
        krippendorff_alpha([["a", 1], ["a", "b"]])
    with pytest.raises(DataError, match="2-D"):
        krippendorff_alpha([1, 2, 3])
    with pytest.warns(UndefinedMetricWarning, match="no item has 2 or more ratings"):
        assert np.isnan(krippendorff_alpha([["a", None], [None, "b"]]))
    # every pairable value identical: 1.0 by convention, no warning
    assert krippendorff_alpha([["a", "a"], ["a", "a"]]) == 1.0


def test_alpha_large_input_matches_package():
    # 200,000 items x 3 raters in one vectorised pass (1,000,000 x 3 is timed in bench_stats.py)
    rng = np.random.default_rng(0)
    data = _with_missing(rng, (3, 200_000), 5, 0.1)
    for level in ("nominal", "interval"):
        ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        assert krippendorff_alpha(data, level=level) == pytest.approx(ref, abs=1e-9)


# ------------------------------------------------------------------ Fleiss / Gwet / percent
def _gwet_reference(ratings, q=None):
    """Gwet (2014) formulas written out item by item (subjects x raters, nan = missing)."""
    cats = sorted({v for row in ratings for v in row if not np.isnan(v)})
    q = len(cats) if q is None else q
    rows = [[v for v in row if not np.isnan(v)] for row in ratings]
    rated = [r for r in rows if r]
    pairable = [r for r in rows if len(r) >= 2]
    pa = sum(
        sum(r.count(c) * (r.count(c) - 1) for c in cats) / (len(r) * (len(r) - 1)) for r in pairable
    ) / len(pairable)
    pi = {c: sum(r.count(c) / len(r) for r in rated) / len(rated) for c in cats}
    pe_ac1 = sum(p * (1 - p) for p in pi.values()) / (q - 1)
    pe_fleiss = sum(p * p for p in pi.values())
    return pa, (pa - pe_ac1) / (1 - pe_ac1), (pa - pe_fleiss) / (1 - pe_fleiss)


def test_gwet_2014_published_ac1():
    ratings = K2011.T  # subjects x raters
    ac1 = gwet_ac1(ratings)
    assert round(ac1, 4) == 0.7754
    assert ac1 == pytest.approx(_gwet_reference(ratings)[1], abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_gwet_fleiss_percent_match_written_out_formulas(seed):
    rng = np.random.default_rng(seed)
    ratings = _with_missing(rng, (60, int(rng.integers(2, 6))), int(rng.integers(2, 5)), 0.3)
    pa, ac1, fleiss = _gwet_reference(ratings)
    assert gwet_ac1(ratings) == pytest.approx(ac1, abs=1e-12)
    assert fleiss_kappa_from_ratings(ratings) == pytest.approx(fleiss, abs=1e-12)
    assert percent_agreement(ratings) == pytest.approx(pa, abs=1e-12)


def test_gwet_categories_fix_q():
    ratings = K2011.T
    _, ac1_q7, _ = _gwet_reference(ratings, q=7)
    assert gwet_ac1(ratings, categories=[0, 1, 2, 3, 4, 5, 6]) == pytest.approx(ac1_q7, 1e-12)
    with pytest.raises(DataError, match="not in categories"):
        gwet_ac1(ratings, categories=[1, 2, 3])


def test_fleiss_1971_published_and_statsmodels():
    ours = fleiss_kappa_from_ratings(FLEISS_1971)
    assert round(ours, 3) == 0.430
    table, _ = aggregate_raters(FLEISS_1971)
    assert ours == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-12)
    assert ours == pytest.approx(fleiss_kappa(table), abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_from_ratings_matches_statsmodels_random(seed):
    rng = np.random.default_rng(seed)
    ratings = rng.integers(0, int(rng.integers(2, 6)), (200, int(rng.integers(2, 8))))
    table, _ = aggregate_raters(ratings)
    ref = sm_fleiss_kappa(table, method="fleiss")
    assert fleiss_kappa_from_ratings(ratings) == pytest.approx(ref, abs=1e-9)
    labels = np.array(["n", "o", "p", "q", "r"], dtype=object)[ratings]
    assert fleiss_kappa_from_ratings(labels) == pytest.approx(ref, abs=1e-9)


def test_percent_agreement_two_raters_is_share_of_agreeing_items():
    a = ["x", "y", "x", None, "y"]
    b = ["x", "x", "x", "y", "y"]
    assert percent_agreement(np.array([a, b], dtype=object).T) == pytest.approx(3 / 4, abs=1e-12)


def test_reliability_degenerate_cases():
    single = [["a", None], [None, "b"]]
    for f in (gwet_ac1, fleiss_kappa_from_ratings, percent_agreement):
        with pytest.warns(UndefinedMetricWarning, match="no subject has 2 or more ratings"):
            assert np.isnan(f(single))
    # one category only: Fleiss 0/0 (nan), AC1 = p_a = 1 (Gwet's convention)
    same = [["a", "a"], ["a", "a"]]
    with pytest.warns(UndefinedMetricWarning, match="one category"):
        assert np.isnan(fleiss_kappa_from_ratings(same))
    assert gwet_ac1(same) == 1.0
    assert gwet_ac1(same, categories=["a", "b"]) == 1.0


# ------------------------------------------------------------------ Cohen / Scott
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn_with_missing(seed, weights):
    rng = np.random.default_rng(seed)
    names = ["bad", "fair", "good", "great"]
    a = [names[i] for i in rng.integers(0, 4, 120)]
    b = [names[i] if rng.random() > 0.1 else a[j] for j, i in enumerate(rng.integers(0, 4, 120))]
    a_missing = [None if rng.random() < 0.2 else v for v in a]
    keep = [x is not None for x in a_missing]
    ref = cohen_kappa_score(
        [v for v, k in zip(a, keep, strict=True) if k],
        [v for v, k in zip(b, keep, strict=True) if k],
        labels=names,
        weights=weights,
    )
    ours = cohen_kappa(a_missing, b, labels=names, weights=weights)
    assert ours == pytest.approx(ref, abs=1e-9)


def test_cohen_kappa_sorted_order_and_numbers():
    a, b = [1, 2, 3, 3, 5], [1, 3, 3, 2, 5]
    for w in (None, "linear", "quadratic"):
        ref = cohen_kappa_score(a, b, weights=w)
        assert cohen_kappa(a, b, weights=w) == pytest.approx(ref, abs=1e-12)
    # a float nan is missing, not a label
    assert cohen_kappa([1.0, 2.0, NAN], [1.0, 2.0, 2.0]) == pytest.approx(1.0, abs=1e-12)


def test_cohen_kappa_errors_and_degenerate():
    with pytest.raises(ConfigError, match="'weights' parameter of cohen_kappa"):
        cohen_kappa(["a"], ["a"], weights="quad")
    with pytest.raises(DataError, match="one label per item"):
        cohen_kappa(["a", "b"], ["a"])
    with pytest.raises(DataError, match="'c' is not in labels"):
        cohen_kappa(["a", "c"], ["a", "b"], labels=["a", "b"])
    with pytest.warns(UndefinedMetricWarning, match="no item is rated by both"):
        assert np.isnan(cohen_kappa(["a", None], [None, "b"]))
    with pytest.warns(UndefinedMetricWarning, match="chance agreement is 1"):
        assert np.isnan(cohen_kappa(["a", "a"], ["a", "a"]))


@pytest.mark.parametrize("seed", range(5))
def test_scott_pi_equals_two_rater_fleiss(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, 80)
    b = np.where(rng.random(80) < 0.6, a, rng.integers(0, 3, 80))
    table, _ = aggregate_raters(np.column_stack([a, b]))
    ref = sm_fleiss_kappa(table, method="fleiss")
    assert scott_pi(a, b) == pytest.approx(ref, abs=1e-9)


def test_scott_pi_hand_computed_and_degenerate():
    # p_o = 3/4; pooled shares (5/8 y, 3/8 n): p_e = 34/64; pi = (48 - 34) / (64 - 34)
    assert scott_pi(["y", "y", "n", "n"], ["y", "y", "n", "y"]) == pytest.approx(14 / 30, 1e-12)
    with pytest.warns(UndefinedMetricWarning, match="no item"):
        assert np.isnan(scott_pi([None], ["a"]))
    with pytest.warns(UndefinedMetricWarning, match="chance agreement is 1"):
        assert np.isnan(scott_pi(["a", "a"], ["a", "a"]))
