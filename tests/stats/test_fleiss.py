"""Tests for fleiss_kappa and ratings_to_counts against statsmodels."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from meta_evaluator.errors import DataError, UndefinedMetricWarning
from meta_evaluator.stats import fleiss_kappa, ratings_to_counts

# Fleiss' worked example as reproduced on Wikipedia ("Fleiss' kappa"): 10 subjects, 14 raters,
# 5 categories; P_bar = 0.378, P_e = 0.213, kappa = 0.210.
WIKI = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def test_wikipedia_example():
    # p_j = column sums / 140 = [20, 28, 39, 21, 32] / 140; P_e = sum p_j^2 = 0.2128
    # P_bar = 0.3780 -> kappa = (0.3780 - 0.2128) / (1 - 0.2128) = 0.2099...
    p = WIKI.sum(axis=0) / 140
    p_e = (p**2).sum()
    p_bar = (((WIKI**2).sum(axis=1) - 14) / (14 * 13)).mean()
    kappa = fleiss_kappa(WIKI)
    assert kappa == pytest.approx((p_bar - p_e) / (1 - p_e), abs=1e-12)
    assert round(kappa, 3) == 0.210
    assert kappa == pytest.approx(sm_fleiss_kappa(WIKI, method="fleiss"), abs=1e-12)


def test_hand_computed_small():
    # item 0 = [3, 0]: P = (9 - 3)/6 = 1; item 1 = [1, 2]: P = (1 + 4 - 3)/6 = 1/3; P_bar = 2/3
    # p = [4/6, 2/6]; P_e = 16/36 + 4/36 = 5/9; kappa = (2/3 - 5/9)/(4/9) = 1/4
    assert fleiss_kappa([[3, 0], [1, 2]]) == pytest.approx(0.25, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_matches_statsmodels_random(seed):
    rng = np.random.default_rng(seed)
    n_raters, n_items, k = (
        int(rng.integers(2, 8)),
        int(rng.integers(3, 50)),
        int(rng.integers(2, 6)),
    )
    truth = rng.integers(0, k, n_items)
    codes = np.where(
        rng.random((n_raters, n_items)) < 0.6, truth, rng.integers(0, k, (n_raters, n_items))
    )
    counts = ratings_to_counts(codes, n_labels=k)
    sm_counts, _ = aggregate_raters(codes.T, n_cat=k)
    np.testing.assert_array_equal(counts, sm_counts)
    if (counts.sum(axis=0) == counts.sum()).any():
        pytest.skip("degenerate draw")  # pragma: no cover
    assert fleiss_kappa(counts) == pytest.approx(sm_fleiss_kappa(counts, method="fleiss"), abs=1e-9)


def test_ratings_to_counts_missing_and_shape():
    # item 0: codes 0, 0 -> [2,0,0]; item 1: 1, 2 -> [0,1,1]; item 2: -, 2 -> [0,0,1]
    counts = ratings_to_counts([[0, 1, -1], [0, 2, 2]], n_labels=3)
    np.testing.assert_array_equal(counts, [[2, 0, 0], [0, 1, 1], [0, 0, 1]])
    assert counts.dtype == np.int64
    with pytest.raises(DataError, match="n_labels=2"):
        ratings_to_counts([[0, 2]], n_labels=2)


def test_empty_rows_dropped_and_logged_at_debug_only(caplog):
    with caplog.at_level(logging.INFO, logger="meta_evaluator"):
        got = fleiss_kappa([[3, 0], [0, 0], [1, 2]])
    assert got == pytest.approx(0.25, abs=1e-12)
    assert caplog.records == []  # a per-item notice: not at INFO
    with caplog.at_level(logging.DEBUG, logger="meta_evaluator"):
        fleiss_kappa([[3, 0], [0, 0], [1, 2]])
    assert [r.levelno for r in caplog.records if "skipped 1 items" in r.getMessage()] == [
        logging.DEBUG
    ]


def test_all_one_category_nan_with_warning():
    # P_e = 1 -> 0/0
    with pytest.warns(UndefinedMetricWarning, match="one category"):
        assert np.isnan(fleiss_kappa([[3, 0], [3, 0]]))


def test_single_rater_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning, match="single rating"):
        assert np.isnan(fleiss_kappa([[1, 0], [0, 1]]))


def test_no_items_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(fleiss_kappa(np.zeros((0, 3))))


def test_unequal_rater_counts_raise():
    with pytest.raises(DataError, match="same number of ratings"):
        fleiss_kappa([[3, 0], [1, 1]])
    with pytest.raises(DataError, match="non-negative whole numbers"):
        fleiss_kappa([[1.5, 0.5], [1, 1]])
    with pytest.raises(DataError, match="2-D"):
        fleiss_kappa([1, 2])
