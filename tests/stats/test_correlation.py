"""Correlations, MAE and RMSE against scipy and scikit-learn, with missing values."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats as sps
from sklearn.metrics import mean_absolute_error, mean_squared_error

from meta_evaluator.errors import DataError, UndefinedMetricWarning
from meta_evaluator.stats import CorrelationResult, kendall_tau, mae, pearson, rmse, spearman

NAN = np.nan


def _ratings(seed: int, n: int = 150, ties: bool = True):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, n).astype(float) if ties else rng.normal(size=n)
    y = x + rng.normal(0, 1.5, n)
    if ties:
        y = np.clip(np.round(y), 1, 5)
    x[rng.random(n) < 0.15] = NAN
    y[rng.random(n) < 0.15] = NAN
    keep = ~(np.isnan(x) | np.isnan(y))
    return x, y, keep


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [True, False])
def test_correlations_match_scipy_with_missing(seed, ties):
    x, y, keep = _ratings(seed, ties=ties)
    for ours, ref in (
        (pearson(x, y), sps.pearsonr(x[keep], y[keep])),
        (spearman(x, y), sps.spearmanr(x[keep], y[keep])),
        (kendall_tau(x, y), sps.kendalltau(x[keep], y[keep], method="asymptotic")),
    ):
        assert ours.n == int(keep.sum())
        assert ours.statistic == pytest.approx(ref.statistic, abs=1e-9)
        assert ours.pvalue == pytest.approx(ref.pvalue, abs=1e-9, rel=1e-9)


def test_kendall_tau_large_ties_match_scipy():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 7, 20_000).astype(float)
    y = np.where(rng.random(20_000) < 0.5, x, rng.integers(0, 7, 20_000))
    ours = kendall_tau(x, y)
    ref = sps.kendalltau(x, y)
    assert ours.statistic == pytest.approx(ref.statistic, abs=1e-9)
    assert ours.pvalue == pytest.approx(ref.pvalue, abs=1e-9)


def test_kendall_tau_hand_computed():
    # pairs: (1,2) concordant, (1,3) concordant, (2,3) discordant -> (2 - 1) / 3
    assert kendall_tau([1, 2, 3], [1, 3, 2]).statistic == pytest.approx(1 / 3, abs=1e-12)
    # ties: x = (1, 1, 2), y = (1, 2, 3): P = 2, Q = 0, n0 = 3, n1 = 1, n2 = 0 -> 2 / sqrt(6)
    assert kendall_tau([1, 1, 2], [1, 2, 3]).statistic == pytest.approx(2 / 6**0.5, abs=1e-12)


def test_correlation_accepts_none_and_is_frozen():
    r = pearson([1, None, 3, 4], [2, 5, None, 8])  # pairs (1, 2), (4, 8)
    assert r.n == 2 and r.statistic == pytest.approx(1.0) and r.pvalue == 1.0
    assert isinstance(r, CorrelationResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.statistic = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("func", [pearson, spearman, kendall_tau])
def test_correlation_degenerate_nan_with_warning(func):
    with pytest.warns(UndefinedMetricWarning, match="one side is constant"):
        r = func([1, 1, 1], [1, 2, 3])
    assert np.isnan(r.statistic) and np.isnan(r.pvalue)
    with pytest.warns(UndefinedMetricWarning, match="need 2"):
        assert np.isnan(func([1, None], [None, 2]).statistic)
    with pytest.raises(DataError, match="needs numeric labels"):
        func(["a", "b"], [1, 2])
    with pytest.raises(DataError, match="one value per item"):
        func([1, 2], [1, 2, 3])


@pytest.mark.parametrize("seed", range(5))
def test_mae_rmse_match_sklearn(seed):
    x, y, keep = _ratings(seed)
    assert mae(x, y) == pytest.approx(mean_absolute_error(x[keep], y[keep]), abs=1e-12)
    assert rmse(x, y) == pytest.approx(np.sqrt(mean_squared_error(x[keep], y[keep])), abs=1e-12)


def test_mae_rmse_hand_computed_and_degenerate():
    assert mae([1, 2, 3, None], [2, 2, 5, 1]) == pytest.approx(1.0, abs=1e-12)  # (1 + 0 + 2) / 3
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx((5 / 3) ** 0.5, abs=1e-12)
    for f in (mae, rmse):
        with pytest.warns(UndefinedMetricWarning, match="no item has both"):
            assert np.isnan(f([None, 1], [2, None]))
