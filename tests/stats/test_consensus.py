"""Tests for majority_vote, per_item_agreement and pairwise_agreement_matrix."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from meta_evaluator.errors import DataError
from meta_evaluator.stats import (
    fleiss_kappa,
    pairwise_agreement_matrix,
    per_item_agreement,
    ratings_to_counts,
)
from meta_evaluator.stats._consensus import majority_vote


def test_majority_vote_hand_computed_with_ties_and_missing():
    # raters x items
    codes = np.array(
        [
            [2, 0, 1, -1],
            [2, 1, 1, -1],
            [0, -1, 2, -1],
        ]
    )
    # item 0: 2,2,0 -> 2 with 2/3; item 1: 0 vs 1 tie -> smallest code 0, 1/2
    # item 2: 1,1,2 -> 1 with 2/3; item 3: nobody -> -1, nan
    cons, share = majority_vote(codes, n_labels=3)
    assert cons.tolist() == [2, 0, 1, -1]
    np.testing.assert_allclose(share[:3], [2 / 3, 1 / 2, 2 / 3], atol=1e-12)
    assert np.isnan(share[3])
    assert cons.dtype == np.int64


def _slow_majority(codes):
    cons, share = [], []
    for col in codes.T:
        votes = [int(c) for c in col if c >= 0]
        if not votes:
            cons.append(-1)
            share.append(np.nan)
            continue
        counts = Counter(votes)
        top = max(counts.values())
        winner = min(k for k, v in counts.items() if v == top)
        cons.append(winner)
        share.append(top / len(votes))
    return np.array(cons), np.array(share)


@pytest.mark.parametrize("seed", range(5))
def test_majority_vote_matches_slow_loop(seed):
    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, 4, (5, 200))
    cons, share = majority_vote(codes, n_labels=4)
    exp_cons, exp_share = _slow_majority(codes)
    np.testing.assert_array_equal(cons, exp_cons)
    np.testing.assert_allclose(share, exp_share, atol=1e-12)


def test_per_item_agreement_hand_computed():
    # item 0: 0,0,1 -> 1 agreeing pair of 3 -> 1/3; item 1: 1,1,1 -> 1; item 2: one rating -> nan
    codes = [[0, 1, 1], [0, 1, -1], [1, 1, -1]]
    out = per_item_agreement(codes, n_labels=2)
    np.testing.assert_allclose(out[:2], [1 / 3, 1.0], atol=1e-12)
    assert np.isnan(out[2])


def test_per_item_agreement_mean_is_fleiss_p_bar():
    # with a complete design, mean per-item agreement equals Fleiss' P_bar, so
    # kappa = (mean - P_e) / (1 - P_e)
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 3, (4, 60))
    counts = ratings_to_counts(codes, n_labels=3)
    p = counts.sum(axis=0) / counts.sum()
    p_e = (p**2).sum()
    p_bar = per_item_agreement(codes, n_labels=3).mean()
    assert fleiss_kappa(counts) == pytest.approx((p_bar - p_e) / (1 - p_e), abs=1e-12)


def test_pairwise_agreement_matrix_hand_and_loop():
    codes = np.array([[0, 1, 1], [0, 0, -1], [-1, -1, 2]])
    # r0 vs r1: shared items 0,1 -> agree on item 0 -> 1/2; r0 vs r2: item 2 -> 1 != 2 -> 0
    # r1 vs r2: no shared item -> nan
    out = pairwise_agreement_matrix(codes)
    expected = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, np.nan], [0.0, np.nan, 1.0]])
    np.testing.assert_allclose(out, expected, atol=1e-12)

    rng = np.random.default_rng(5)
    codes = rng.integers(-1, 3, (4, 100))
    out = pairwise_agreement_matrix(codes)
    for r in range(4):
        for s in range(4):
            both = (codes[r] >= 0) & (codes[s] >= 0)
            assert out[r, s] == pytest.approx((codes[r][both] == codes[s][both]).mean(), abs=1e-12)
    np.testing.assert_allclose(out, out.T)


def test_validation():
    with pytest.raises(DataError, match="2-D"):
        majority_vote([0, 1], n_labels=2)
    with pytest.raises(DataError, match="n_labels=2"):
        per_item_agreement([[0, 3]], n_labels=2)
