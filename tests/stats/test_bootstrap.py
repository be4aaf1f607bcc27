"""Tests for the item-level bootstrap."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from meta_evaluator.errors import ConfigError, DataError, UndefinedMetricWarning
from meta_evaluator.stats import (
    _bootstrap,
    bootstrap_kappa_ci,
    bootstrap_kappa_samples,
    bootstrap_mean_ci,
    bootstrap_mean_samples,
    bootstrap_weights,
    percentile_ci,
)
from meta_evaluator.stats._agreement import cohen_kappa


def test_weights_shape_sums_and_reproducibility():
    w = bootstrap_weights(50, n_resamples=40, seed=3)
    assert w.shape == (40, 50)
    assert w.dtype == np.int64
    assert (w.sum(axis=1) == 50).all()
    assert (w >= 0).all()
    np.testing.assert_array_equal(w, bootstrap_weights(50, n_resamples=40, seed=3))
    assert not np.array_equal(w, bootstrap_weights(50, n_resamples=40, seed=4))
    # each row is a resample: mean count per item is 1
    assert bootstrap_weights(200, n_resamples=500, seed=0).mean() == pytest.approx(1.0)


def test_weights_do_not_depend_on_chunking(monkeypatch):
    full = bootstrap_weights(30, n_resamples=25, seed=9)
    monkeypatch.setattr(_bootstrap, "_CHUNK_ELEMENTS", 30 * 4)  # 4 resamples per chunk
    chunks = list(_bootstrap._weight_chunks(30, 25, 9))
    assert max(c.shape[0] for c in chunks) == 4
    np.testing.assert_array_equal(np.concatenate(chunks), full)
    # a prefix of the resamples is stable when more resamples are requested
    np.testing.assert_array_equal(bootstrap_weights(30, n_resamples=10, seed=9), full[:10])


def test_percentile_ci():
    # samples 0..4 (nan ignored): 25th and 75th percentiles with linear interpolation = 1 and 3
    assert percentile_ci([0, 1, 2, 3, 4, np.nan], confidence=0.5) == (1.0, 3.0)
    samples = np.random.default_rng(0).normal(size=1000)
    low, high = percentile_ci(samples)
    assert low == pytest.approx(np.percentile(samples, 2.5), abs=1e-12)
    assert high == pytest.approx(np.percentile(samples, 97.5), abs=1e-12)
    with pytest.warns(UndefinedMetricWarning, match="every bootstrap sample is nan"):
        low, high = percentile_ci([np.nan, np.nan])
    assert np.isnan(low) and np.isnan(high)
    with pytest.raises(ConfigError, match="'confidence' parameter of percentile_ci"):
        percentile_ci([1.0], confidence=95)


def _slow_mean_samples(values, mask, w):
    out = []
    for row in w:
        idx = np.repeat(np.arange(values.shape[0]), row)
        means = []
        for g in range(values.shape[1]):
            sel = idx[mask[idx, g]]
            if sel.size:
                means.append(values[sel, g].mean())
        out.append(np.mean(means) if means else np.nan)
    return np.array(out)


def test_mean_samples_match_slow_loop():
    rng = np.random.default_rng(1)
    values = (rng.random((30, 3)) < 0.7).astype(float)
    mask = rng.random((30, 3)) < 0.6
    values[~mask] = np.nan  # masked values may be anything
    got = bootstrap_mean_samples(values, mask, n_resamples=60, seed=2)
    w = bootstrap_weights(30, n_resamples=60, seed=2)
    np.testing.assert_allclose(got, _slow_mean_samples(values, mask, w), atol=1e-12)


def test_mean_ci_reproducible_and_contains_point_estimate():
    rng = np.random.default_rng(4)
    values = (rng.random((200, 3)) < 0.8).astype(float)
    mask = rng.random((200, 3)) < 0.9
    point = np.mean([values[mask[:, g], g].mean() for g in range(3)])
    ci = bootstrap_mean_ci(values, mask, n_resamples=300, seed=5)
    assert ci == bootstrap_mean_ci(values, mask, n_resamples=300, seed=5)
    assert ci[0] < point < ci[1]
    assert ci[1] - ci[0] < 0.2
    # 1-D input is one group
    ci1 = bootstrap_mean_ci(values[:, 0], np.ones(200, bool), n_resamples=100)
    assert ci1[0] <= values[:, 0].mean() <= ci1[1]


def test_mean_ci_validation_and_empty():
    with pytest.raises(DataError, match="shape"):
        bootstrap_mean_ci(np.ones((3, 2)), np.ones((3, 1), bool))
    with pytest.raises(DataError, match="boolean"):
        bootstrap_mean_ci(np.ones(3), np.ones(3))
    with pytest.raises(ConfigError, match="n_resamples"):
        bootstrap_mean_ci(np.ones(3), np.ones(3, bool), n_resamples=0)
    with pytest.warns(UndefinedMetricWarning):
        low, _ = bootstrap_mean_ci(np.ones(3), np.zeros(3, bool), n_resamples=5)
    assert np.isnan(low)


def _slow_kappa_samples(judge, humans, w, n_labels, weights):
    out = []
    for row in w:
        idx = np.repeat(np.arange(judge.size), row)
        kappas = []
        for human in humans:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                k = cohen_kappa(judge[idx], human[idx], n_labels=n_labels, weights=weights)
            if not np.isnan(k):
                kappas.append(k)
        out.append(np.mean(kappas) if kappas else np.nan)
    return np.array(out)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_samples_match_slow_loop(weights):
    rng = np.random.default_rng(8)
    n, k = 25, 3
    judge = rng.integers(0, k, n)
    humans = np.where(rng.random((3, n)) < 0.6, judge, rng.integers(0, k, (3, n)))
    humans[rng.random((3, n)) < 0.15] = -1
    judge[rng.random(n) < 0.1] = -1
    got = bootstrap_kappa_samples(
        judge, humans, n_labels=k, weights=weights, n_resamples=80, seed=6
    )
    w = bootstrap_weights(n, n_resamples=80, seed=6)
    expected = _slow_kappa_samples(judge, humans, w, k, weights)
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_kappa_samples_degenerate_resamples_are_nan():
    # 2 items: resamples drawing the same item twice leave one label only -> undefined kappa
    got = bootstrap_kappa_samples([0, 1], [[0, 1]], n_labels=2, n_resamples=50, seed=0)
    w = bootstrap_weights(2, n_resamples=50, seed=0)
    degenerate = (w == 0).any(axis=1)
    assert np.isnan(got[degenerate]).all()
    assert (got[~degenerate] == 1.0).all()


def test_kappa_ci_reproducible_and_contains_point_estimate():
    rng = np.random.default_rng(10)
    n, k = 300, 3
    judge = rng.integers(0, k, n)
    humans = np.where(rng.random((4, n)) < 0.7, judge, rng.integers(0, k, (4, n)))
    point = np.mean([cohen_kappa(judge, h, n_labels=k) for h in humans])
    ci = bootstrap_kappa_ci(judge, humans, n_labels=k, n_resamples=300, seed=1)
    assert ci == bootstrap_kappa_ci(judge, humans, n_labels=k, n_resamples=300, seed=1)
    assert ci[0] < point < ci[1]
    low90, high90 = bootstrap_kappa_ci(
        judge, humans, n_labels=k, n_resamples=300, seed=1, confidence=0.9
    )
    assert ci[0] <= low90 <= high90 <= ci[1]


def test_kappa_chunked_equals_unchunked(monkeypatch):
    rng = np.random.default_rng(12)
    judge = rng.integers(0, 2, 40)
    humans = rng.integers(-1, 2, (2, 40))
    full = bootstrap_kappa_samples(judge, humans, n_labels=2, n_resamples=30, seed=3)
    monkeypatch.setattr(_bootstrap, "_CHUNK_ELEMENTS", 40 * 7)
    chunked = bootstrap_kappa_samples(judge, humans, n_labels=2, n_resamples=30, seed=3)
    np.testing.assert_array_equal(full, chunked)


def test_kappa_ci_all_undefined_warns():
    # everyone always says 0 -> kappa undefined on every resample
    with pytest.warns(UndefinedMetricWarning):
        low, high = bootstrap_kappa_ci([0, 0, 0], [[0, 0, 0]], n_labels=2, n_resamples=10)
    assert np.isnan(low) and np.isnan(high)


def test_kappa_validation():
    with pytest.raises(DataError, match="one column per judge item"):
        bootstrap_kappa_ci([0, 1], [[0, 1, 1]], n_labels=2)
    with pytest.raises(ConfigError, match="'weights'"):
        bootstrap_kappa_ci([0, 1], [[0, 1]], n_labels=2, weights="cubic")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'confidence'"):
        bootstrap_kappa_ci([0, 1], [[0, 1]], n_labels=2, confidence=1.0)


# ------------------------------------------------------------------ pattern-count shortcut
def _pattern_data(n=5000, n_groups=4, seed=7):
    rng = np.random.default_rng(seed)
    values = (rng.random((n, n_groups)) < 0.8).astype(float)
    mask = rng.random((n, n_groups)) < 0.85
    return values, mask


def test_pattern_path_statistic_is_exact():
    """Each replicate equals the item-weighted statistic with the pattern counts put on one
    representative item per pattern (the multinomial shortcut changes only how W is drawn)."""
    values, mask = _pattern_data()
    vm = np.where(mask, values, 0.0)
    m = mask.astype(float)
    first, counts = _bootstrap._row_patterns(np.concatenate([vm, m], axis=1))
    assert first.size <= 2**8 and counts.sum() == values.shape[0]
    wp = np.vstack(list(_bootstrap._pattern_weight_chunks(counts, 50, 3)))
    assert (wp.sum(axis=1) == values.shape[0]).all()
    w_items = np.zeros((50, values.shape[0]))
    w_items[:, first] = wp
    num, den = w_items @ vm, w_items @ m
    expected = np.nanmean(np.where(den > 0, num / np.where(den > 0, den, 1), np.nan), axis=1)
    got = _bootstrap.bootstrap_mean_samples(values, mask, n_resamples=50, seed=3)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_pattern_path_matches_item_path_in_distribution(monkeypatch):
    values, mask = _pattern_data()
    fast = _bootstrap.bootstrap_mean_samples(values, mask, n_resamples=2000, seed=1)
    monkeypatch.setattr(_bootstrap, "_PATTERN_MIN_ITEMS", 10**9)  # force item-level resampling
    slow = _bootstrap.bootstrap_mean_samples(values, mask, n_resamples=2000, seed=1)
    assert not np.array_equal(fast, slow)  # different random streams ...
    sd = slow.std()
    assert abs(fast.mean() - slow.mean()) < 0.1 * sd  # ... same sampling distribution
    assert 0.9 < fast.std() / sd < 1.1


def test_kappa_pattern_path_matches_item_path_in_distribution(monkeypatch):
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 3, 6000)
    judge = np.where(rng.random(6000) < 0.8, truth, rng.integers(0, 3, 6000))
    humans = np.where(rng.random((3, 6000)) < 0.85, truth, rng.integers(0, 3, (3, 6000)))
    humans[rng.random((3, 6000)) < 0.1] = -1
    fast = _bootstrap.bootstrap_kappa_samples(judge, humans, n_labels=3, n_resamples=1500)
    monkeypatch.setattr(_bootstrap, "_PATTERN_MIN_ITEMS", 10**9)
    slow = _bootstrap.bootstrap_kappa_samples(judge, humans, n_labels=3, n_resamples=1500)
    sd = slow.std()
    assert abs(fast.mean() - slow.mean()) < 0.1 * sd
    assert 0.9 < fast.std() / sd < 1.1


@pytest.mark.parametrize(
    ("dtype", "low", "high", "width", "packed"),
    [
        (np.int64, -1, 3, 6, True),  # label codes, -1 = missing: judge + 5 humans
        (np.int64, -1, 255, 7, True),  # the widest range and row the packed keys take
        (np.int8, -1, 100, 3, True),
        (np.uint8, 0, 256, 4, True),
        (np.bool_, 0, 2, 5, True),
        (np.float64, 0, 2, 10, True),  # 0.0 / 1.0 indicators: the mean bootstrap's features
        (np.float64, 0, 2, 63, True),
        (np.float64, 0, 3, 4, False),  # 2.0 is no indicator: the byte-string path
        (np.int64, -3, 3, 4, False),  # below -1: the byte-string path
        (np.int64, 0, 300, 2, False),  # above 254: the byte-string path
        (np.int64, -1, 2, 9, False),  # wider than 7: the byte-string path
    ],
)
def test_row_patterns_equal_the_byte_string_grouping(dtype, low, high, width, packed):
    """Patterns (representative, count) and their order equal np.unique over the raw row bytes,
    so the pattern bootstrap draws the same resamples whichever key is used."""
    from meta_evaluator.stats._bootstrap import _byte_keys, _row_patterns

    rng = np.random.default_rng(width)
    pool = rng.integers(low, high, (60, width))  # few distinct rows, values over the whole range
    pool[0], pool[1] = low, high - 1
    rows = pool[rng.integers(0, 60, 5000)].astype(dtype)
    flat = np.ascontiguousarray(rows)
    raw = flat.view(np.dtype((np.void, flat.dtype.itemsize * width))).ravel()
    _, first, counts = np.unique(raw, return_index=True, return_counts=True)
    assert (_byte_keys(flat) is not None) is packed
    got = _row_patterns(rows)
    assert got is not None and 1 < first.size <= 60
    np.testing.assert_array_equal(got[0], first)
    np.testing.assert_array_equal(got[1], counts)


def test_negative_zero_indicators_keep_their_own_pattern():
    """-0.0 and 0.0 differ bit for bit: they stay apart, as in the byte-string grouping."""
    from meta_evaluator.stats._bootstrap import _byte_keys, _row_patterns

    rows = np.tile(np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, 0.0]]), (1000, 1))
    assert _byte_keys(rows) is None
    got = _row_patterns(rows)
    assert got is not None
    np.testing.assert_array_equal(np.sort(got[1]), [1000, 1000, 1000])
