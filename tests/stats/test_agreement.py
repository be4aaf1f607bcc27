"""Tests for accuracy, cohen_kappa and kappa_interpretation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score

from meta_evaluator.errors import ConfigError, DataError, UndefinedMetricWarning
from meta_evaluator.stats import accuracy, kappa_interpretation, warn_undefined
from meta_evaluator.stats._agreement import cohen_kappa

# ---------------------------------------------------------------- accuracy


def test_accuracy_hand_computed_with_missing():
    # pairs kept: (0,0) (1,1) (2,1) (1,1); item 3 dropped (-1 on reference), item 5 (-1 candidate)
    # agreements 3 of 4 -> 0.75
    ref = [0, 1, 2, -1, 1, 0]
    cand = [0, 1, 1, 2, 1, -1]
    assert accuracy(ref, cand) == pytest.approx(0.75, abs=1e-12)


def test_accuracy_float_values_nan_missing():
    # floats: nan is missing, -1.0 is a real value. pairs (-1,-1) (2.5,2.0) -> 1/2
    ref = np.array([-1.0, 2.5, np.nan, 3.0])
    cand = np.array([-1.0, 2.0, 1.0, np.nan])
    assert accuracy(ref, cand) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_accuracy_matches_sklearn_on_paired_items(seed):
    rng = np.random.default_rng(seed)
    ref = rng.integers(-1, 4, 300)
    cand = rng.integers(-1, 4, 300)
    keep = (ref >= 0) & (cand >= 0)
    assert accuracy(ref, cand) == pytest.approx(accuracy_score(ref[keep], cand[keep]), abs=1e-12)


def test_accuracy_no_pairs_is_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning, match="no item"):
        assert np.isnan(accuracy([0, -1], [-1, 1]))
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(accuracy([], []))


def test_accuracy_validation():
    with pytest.raises(DataError, match="same shape"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(DataError, match="1-D"):
        accuracy([[0, 1]], [[0, 1]])
    with pytest.raises(DataError, match="-2"):
        accuracy([0, -2], [0, 1])


# ---------------------------------------------------------------- cohen_kappa


def test_kappa_hand_computed_unweighted():
    # a = [0,0,0,1,1,2], b = [0,0,1,1,2,2]
    # p_o = 4/6 (items 0,1,3,5). marginals a: [3,2,1], b: [2,2,2]
    # p_e = (3*2 + 2*2 + 1*2) / 36 = 12/36 = 1/3
    # kappa = (2/3 - 1/3) / (1 - 1/3) = (1/3) / (2/3) = 0.5
    assert cohen_kappa([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]) == pytest.approx(0.5, abs=1e-12)


def test_kappa_hand_computed_weighted():
    # same data; linear weights |i-j|: observed disagreements (0,1) and (1,2) -> sum w*O = 1 + 1 = 2
    # expected sum w*E = r^T W c / n with r = [3,2,1], c = [2,2,2]
    #   W c = [0*2+1*2+2*2, 1*2+0+1*2, 2*2+1*2+0] = [6, 4, 6]; r . Wc = 18 + 8 + 6 = 32; /6 = 16/3
    # kappa_linear = 1 - 2 / (16/3) = 1 - 6/16 = 0.625
    a, b = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    assert cohen_kappa(a, b, weights="linear") == pytest.approx(0.625, abs=1e-12)
    # quadratic (i-j)^2: sum w*O = 1 + 1 = 2
    #   W c = [0+2+8, 2+0+2, 8+2+0] = [10, 4, 10]; r . Wc = 30 + 8 + 10 = 48; /6 = 8
    # kappa_quadratic = 1 - 2/8 = 0.75
    assert cohen_kappa(a, b, weights="quadratic") == pytest.approx(0.75, abs=1e-12)


def test_kappa_weights_follow_code_order_not_present_labels():
    # codes 0,1,3 used with n_labels=4: code distance 0->3 is 3, not 2.
    a = np.array([0, 1, 3, 3, 0, 1])
    b = np.array([0, 3, 3, 1, 1, 1])
    ours = cohen_kappa(a, b, n_labels=4, weights="linear")
    ref = cohen_kappa_score(a, b, labels=list(range(4)), weights="linear")
    assert ours == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(6))
def test_kappa_matches_sklearn_with_missing(seed, weights):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = 200
    a = rng.integers(0, k, n)
    b = np.where(rng.random(n) < 0.6, a, rng.integers(0, k, n))  # correlated raters
    a[rng.random(n) < 0.1] = -1
    b[rng.random(n) < 0.1] = -1
    keep = (a >= 0) & (b >= 0)
    expected = cohen_kappa_score(a[keep], b[keep], labels=list(range(k)), weights=weights)
    got = cohen_kappa(a, b, n_labels=k, weights=weights)
    assert got == pytest.approx(expected, abs=1e-9)
    # symmetric
    assert cohen_kappa(b, a, n_labels=k, weights=weights) == pytest.approx(got, abs=1e-12)


def test_kappa_float_codes_with_nan():
    # nan -> missing; pairs (0,0) (1,1) (1,0) (0,0): p_o = 3/4, a marg [2,2], b marg [3,1]
    # p_e = (2*3 + 2*1)/16 = 1/2 -> kappa = (3/4 - 1/2) / (1/2) = 0.5
    a = [0.0, 1.0, 1.0, np.nan, 0.0]
    b = [0.0, 1.0, 0.0, 1.0, 0.0]
    assert cohen_kappa(a, b) == pytest.approx(0.5, abs=1e-12)


def test_kappa_perfect_agreement_is_one():
    assert cohen_kappa([0, 1, 2, 1], [0, 1, 2, 1]) == pytest.approx(1.0, abs=1e-12)


def test_kappa_no_pairs_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning, match="no item"):
        assert np.isnan(cohen_kappa([0, -1, 1], [-1, 1, -1]))


def test_kappa_both_constant_same_label_nan_with_warning():
    # p_o = 1 and p_e = 1 -> 0/0; sklearn returns nan here too
    with pytest.warns(UndefinedMetricWarning, match="same single label"):
        assert np.isnan(cohen_kappa([1, 1, 1], [1, 1, 1], n_labels=3))
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(cohen_kappa([2, 2], [2, 2], weights="quadratic"))


def test_kappa_constant_but_different_labels_is_zero():
    # a always 0, b always 1: p_o = 0, p_e = 0 -> kappa = 0 (sklearn agrees)
    assert cohen_kappa([0, 0, 0], [1, 1, 1]) == pytest.approx(0.0, abs=1e-12)
    assert cohen_kappa_score([0, 0, 0], [1, 1, 1]) == pytest.approx(0.0, abs=1e-12)


def test_kappa_one_rater_constant_is_zero():
    # a constant 0; b = [0, 1, 0, 1]: p_o = 1/2, p_e = (4*2)/16 = 1/2 -> 0
    assert cohen_kappa([0, 0, 0, 0], [0, 1, 0, 1]) == pytest.approx(0.0, abs=1e-12)


def test_kappa_validation_messages():
    with pytest.raises(ConfigError, match=r"'weights' parameter of cohen_kappa .* got 'quad'"):
        cohen_kappa([0, 1], [0, 1], weights="quad")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="n_labels"):
        cohen_kappa([0, 1], [0, 1], n_labels=0)
    with pytest.raises(DataError, match="n_labels=2"):
        cohen_kappa([0, 2], [0, 1], n_labels=2)
    with pytest.raises(DataError, match="same shape"):
        cohen_kappa([0, 1], [0])
    with pytest.raises(DataError, match="integer label codes"):
        cohen_kappa([0.5, 1.0], [0, 1])
    with pytest.raises(DataError, match="dtype"):
        cohen_kappa(["a", "b"], ["a", "b"])


# ---------------------------------------------------------------- interpretation


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.3, "poor"),
        (-1e-9, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.21, "fair"),
        (0.205, "fair"),
        (0.4, "fair"),
        (0.41, "moderate"),
        (0.6, "moderate"),
        (0.61, "substantial"),
        (0.72, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (float("nan"), "undefined"),
    ],
)
def test_kappa_interpretation_bands(kappa, band):
    assert kappa_interpretation(kappa) == band


def test_warn_undefined_returns_nan():
    with pytest.warns(UndefinedMetricWarning, match="demo"):
        assert np.isnan(warn_undefined("demo"))


def test_accuracy_on_string_labels_none_missing():
    # pairs ("a","a") ("b","c"); None drops item 2 -> 1/2
    assert accuracy(["a", "b", None], ["a", "c", "d"]) == pytest.approx(0.5, abs=1e-12)
