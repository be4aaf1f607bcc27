"""Paired judge-vs-judge tests: exact McNemar against statsmodels, the paired bootstrap against a
resample-by-resample recomputation with scikit-learn (same resampling weights)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.contingency_tables import mcnemar

from meta_evaluator.errors import DataError, UndefinedMetricWarning
from meta_evaluator.stats import (
    bootstrap_weights,
    mcnemar_exact,
    paired_alpha_difference,
    paired_bootstrap_difference,
    paired_kappa_difference,
    paired_mean_difference,
)


def _table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array(
        [
            [np.sum((a == 1) & (b == 1)), np.sum((a == 1) & (b == 0))],
            [np.sum((a == 0) & (b == 1)), np.sum((a == 0) & (b == 0))],
        ]
    )


@pytest.mark.parametrize("seed", range(8))
def test_mcnemar_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    a = (rng.random(n) < rng.uniform(0.3, 0.9)).astype(float)
    b = (rng.random(n) < rng.uniform(0.3, 0.9)).astype(float)
    got = mcnemar_exact(a, b)
    ref = mcnemar(_table(a, b), exact=True)
    assert got.p_value == pytest.approx(float(ref.pvalue), abs=1e-12)
    assert got.only_a == int(np.sum((a == 1) & (b == 0)))
    assert got.only_b == int(np.sum((a == 0) & (b == 1)))
    assert got.difference == pytest.approx(a.mean() - b.mean(), abs=1e-12)


def test_mcnemar_hand_worked_and_missing():
    # shared items 0..5 (item 6 missing for b): b = 3 (only A right), c = 1 (only B right)
    # p = 2 * P[Bin(4, 1/2) <= 1] = 2 * (1 + 4) / 16 = 0.625
    a = [1, 1, 1, 0, 1, 0, 1]
    b = [0, 0, 0, 1, 1, 0, float("nan")]
    got = mcnemar_exact(a, b)
    assert (got.n_items, got.only_a, got.only_b) == (6, 3, 1)
    assert got.p_value == pytest.approx(0.625, abs=1e-12)
    assert got.difference == pytest.approx(2 / 6, abs=1e-12)


def test_mcnemar_degenerate():
    same = mcnemar_exact([1, 0, 1], [1, 0, 1])
    assert same.p_value == 1.0 and same.difference == 0.0
    with pytest.warns(UndefinedMetricWarning, match="no item"):
        none = mcnemar_exact([float("nan")], [1.0])
    assert math.isnan(none.p_value) and none.n_items == 0
    with pytest.raises(DataError, match=r"'a_correct'.*got 2\.0 at index 1"):
        mcnemar_exact([1, 2], [1, 0])
    with pytest.raises(DataError, match="same length"):
        mcnemar_exact([1, 0], [1])


def _reference_ci(samples: list[float], confidence: float = 0.95) -> tuple[float, float]:
    arr = np.array([s for s in samples if not math.isnan(s)])
    tail = (1 - confidence) / 2
    return float(np.quantile(arr, tail)), float(np.quantile(arr, 1 - tail))


def test_paired_mean_difference_matches_resampling():
    rng = np.random.default_rng(3)
    n = 60
    a = rng.random(n)
    b = rng.random(n)
    b[[4, 9]] = np.nan  # not shared
    keep = ~np.isnan(b)
    got = paired_mean_difference(a, b, n_resamples=300, seed=7)
    weights = bootstrap_weights(int(keep.sum()), n_resamples=300, seed=7)
    ak, bk = a[keep], b[keep]
    samples = []
    for w in weights:  # independent: expand the resample and take plain means
        idx = np.repeat(np.arange(ak.size), w)
        samples.append(ak[idx].mean() - bk[idx].mean())
    low, high = _reference_ci(samples)
    assert got.n_items == 58
    assert (got.estimate_a, got.estimate_b) == pytest.approx((ak.mean(), bk.mean()), abs=1e-12)
    assert got.difference == pytest.approx(ak.mean() - bk.mean(), abs=1e-12)
    assert got.ci_low == pytest.approx(low, abs=1e-9)
    assert got.ci_high == pytest.approx(high, abs=1e-9)
    d = np.array(samples)
    assert got.p_value == pytest.approx(min(1, 2 * min((d <= 0).mean(), (d >= 0).mean())))


def _kappa_or_nan(x: np.ndarray, y: np.ndarray) -> float:
    if x.size == 0:
        return math.nan
    expected = 1 - sum(np.mean(x == k) * np.mean(y == k) for k in np.union1d(x, y))
    if expected <= 0:
        return math.nan
    return float(cohen_kappa_score(x, y))


def test_paired_kappa_difference_matches_sklearn_per_resample():
    rng = np.random.default_rng(11)
    n, k = 50, 3
    truth = rng.integers(0, k, n)
    humans = np.where(rng.random((3, n)) < 0.8, truth, rng.integers(0, k, (3, n)))
    humans[rng.random((3, n)) < 0.2] = -1  # sparse humans
    ja = np.where(rng.random(n) < 0.75, truth, rng.integers(0, k, n))
    jb = np.where(rng.random(n) < 0.6, truth, rng.integers(0, k, n))
    jb[[0, 5]] = -1  # judge B failed on two items
    got = paired_kappa_difference(ja, jb, humans, n_labels=k, n_resamples=200, seed=5)
    keep = jb >= 0
    ja, jb, humans = ja[keep], jb[keep], humans[:, keep]

    def mean_kappa(judge, hs, idx):
        vals = []
        for h in hs:
            sel = idx[h[idx] >= 0]
            vals.append(_kappa_or_nan(judge[sel], h[sel]))
        vals = [v for v in vals if not math.isnan(v)]
        return float(np.mean(vals)) if vals else math.nan

    full = np.arange(ja.size)
    assert got.estimate_a == pytest.approx(mean_kappa(ja, humans, full), abs=1e-12)
    assert got.estimate_b == pytest.approx(mean_kappa(jb, humans, full), abs=1e-12)
    assert got.difference == pytest.approx(got.estimate_a - got.estimate_b, abs=1e-12)
    samples = []
    for w in bootstrap_weights(ja.size, n_resamples=200, seed=5):
        idx = np.repeat(np.arange(ja.size), w)
        samples.append(mean_kappa(ja, humans, idx) - mean_kappa(jb, humans, idx))
    low, high = _reference_ci(samples)
    assert got.ci_low == pytest.approx(low, abs=1e-9)
    assert got.ci_high == pytest.approx(high, abs=1e-9)


def test_paired_kappa_large_uses_pattern_shortcut_and_stays_sane():
    rng = np.random.default_rng(0)
    n = 5000
    truth = rng.integers(0, 2, n)
    humans = np.where(rng.random((2, n)) < 0.9, truth, 1 - truth)
    ja = np.where(rng.random(n) < 0.9, truth, 1 - truth)
    got = paired_kappa_difference(ja, ja, humans, n_labels=2, n_resamples=100)
    assert got.difference == 0.0 and got.ci_low == 0.0 and got.ci_high == 0.0
    assert got.p_value == 1.0


def test_paired_bootstrap_degenerate():
    with pytest.warns(UndefinedMetricWarning):
        empty = paired_mean_difference([np.nan], [1.0])
    assert empty.n_items == 0 and math.isnan(empty.difference)
    with pytest.raises(DataError, match="2-D"):
        paired_bootstrap_difference([1.0, 2.0], lambda s: s[:, 0])
    with pytest.raises(DataError, match="one entry per item"):
        paired_mean_difference([1.0], [1.0, 2.0])


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_paired_alpha_difference_matches_krippendorff_per_resample(level):
    import krippendorff

    rng = np.random.default_rng({"nominal": 1, "ordinal": 2, "interval": 3}[level])
    n, k = 40, 4
    truth = rng.integers(0, k, n)
    humans = np.where(rng.random((3, n)) < 0.7, truth, rng.integers(0, k, (3, n)))
    humans[rng.random((3, n)) < 0.25] = -1
    ja = np.where(rng.random(n) < 0.8, truth, rng.integers(0, k, n))
    jb = np.where(rng.random(n) < 0.5, truth, rng.integers(0, k, n))
    jb[3] = -1
    got = paired_alpha_difference(ja, jb, humans, n_labels=k, level=level, n_resamples=150, seed=4)
    keep = jb >= 0
    panel_a = np.vstack([humans[:, keep], ja[None, keep]]).astype(float)
    panel_b = np.vstack([humans[:, keep], jb[None, keep]]).astype(float)
    panel_a[panel_a < 0] = np.nan
    panel_b[panel_b < 0] = np.nan

    def alpha(panel, idx):
        return krippendorff.alpha(
            reliability_data=panel[:, idx], level_of_measurement=level, value_domain=list(range(k))
        )

    full = np.arange(panel_a.shape[1])
    assert got.estimate_a == pytest.approx(alpha(panel_a, full), abs=1e-12)
    assert got.estimate_b == pytest.approx(alpha(panel_b, full), abs=1e-12)
    samples = []
    for w in bootstrap_weights(panel_a.shape[1], n_resamples=150, seed=4):
        idx = np.repeat(np.arange(panel_a.shape[1]), w)
        samples.append(alpha(panel_a, idx) - alpha(panel_b, idx))
    low, high = _reference_ci(samples)
    assert got.ci_low == pytest.approx(low, abs=1e-9)
    assert got.ci_high == pytest.approx(high, abs=1e-9)


def test_paired_alpha_identical_values_convention():
    # every pairable value identical: alpha = 1.0 for both panels (kernel convention)
    d = paired_alpha_difference([0, 0, 0], [0, 0, 0], [[0, 0, 0]], n_labels=2, n_resamples=5)
    assert (d.estimate_a, d.estimate_b, d.difference) == (1.0, 1.0, 0.0)


@pytest.mark.parametrize("continuous", [False, True])
def test_large_data_interval_matches_the_normal_approximation(continuous):
    # 5,000 items take the large-data paths (binary: few distinct rows, multinomial counts;
    # continuous: every row distinct, drawn item indices); the percentile CI of a paired
    # difference of means must agree with mean(d) +- 1.96 sd(d) / sqrt(n) (CLT) to 10%.
    rng = np.random.default_rng(8)
    n = 5000
    a = (rng.random(n) < 0.8).astype(float)
    b = np.where(rng.random(n) < 0.9, a, 1 - a)
    if continuous:
        a, b = a + rng.random(n), b + rng.random(n)
    got = paired_mean_difference(a, b, n_resamples=2000, seed=3)
    d = a - b
    half = 1.96 * d.std(ddof=1) / np.sqrt(n)
    assert got.difference == pytest.approx(d.mean(), abs=1e-12)
    assert got.ci_low == pytest.approx(d.mean() - half, abs=0.1 * half)
    assert got.ci_high == pytest.approx(d.mean() + half, abs=0.1 * half)
