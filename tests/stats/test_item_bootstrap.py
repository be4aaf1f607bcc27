"""The generic item bootstrap: feature sums reproduce each point estimate, replicates match an
explicit resampling loop, and the scorers' CIs use it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from meta_evaluator.stats.kernels import (
    alpha_features,
    bootstrap_sums,
    bootstrap_weights,
    classification_features,
    classification_score,
    cohen_kappa,
    fleiss_features,
    fleiss_kappa,
    kappa_features,
    krippendorff_alpha,
    modal_items,
    ratings_to_counts,
)

N, H, K = 300, 4, 3


@pytest.fixture
def codes():
    rng = np.random.default_rng(11)
    truth = rng.integers(0, K, N)

    def noisy(p):
        return np.where(rng.random(N) < p, rng.integers(0, K, N), truth)

    judge = noisy(0.3)
    humans = np.vstack([noisy(0.2) for _ in range(H)])
    humans[rng.random((H, N)) < 0.15] = -1
    return judge, humans


def once(features, statistic):
    return float(statistic(np.asarray(features.sum(axis=0)).reshape(1, -1))[0])


@pytest.mark.parametrize("metric", ["precision", "recall", "f1", "accuracy"])
@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_classification_sums_reproduce_sklearn(codes, metric, average):
    judge, humans = codes
    got = once(*classification_features(judge, humans, n_labels=K, metric=metric, average=average))
    per = []
    for h in humans:
        ok = h >= 0
        if metric == "accuracy":
            per.append(np.mean(h[ok] == judge[ok]))
            continue
        p, r, f, _ = precision_recall_fscore_support(
            h[ok], judge[ok], average=average, zero_division=0.0
        )
        per.append({"precision": p, "recall": r, "f1": f}[metric])
    assert got == pytest.approx(np.mean(per), abs=1e-12)
    assert got == pytest.approx(
        np.mean([classification_score(h, judge, metric=metric, average=average) for h in humans]),
        abs=1e-12,
    )


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_sums_reproduce_cohen_kappa(codes, weights):
    judge, humans = codes
    got = once(*kappa_features(judge, humans, n_labels=K, weights=weights))
    ref = np.mean([cohen_kappa(h, judge, n_labels=K, weights=weights) for h in humans])
    assert got == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_sums_reproduce_krippendorff(codes, level):
    import krippendorff

    judge, humans = codes
    panel = np.vstack([judge[None, :], humans])
    ratings = (
        panel if level in ("nominal", "ordinal") else np.where(panel >= 0, panel + 1.0, np.nan)
    )
    got = once(*alpha_features(ratings, level=level))
    assert got == pytest.approx(krippendorff_alpha(ratings, level=level), abs=1e-12)
    ref = krippendorff.alpha(
        reliability_data=np.where(panel >= 0, panel + 1.0, np.nan), level_of_measurement=level
    )
    assert got == pytest.approx(ref, abs=1e-9)


def test_fleiss_sums_reproduce_fleiss_on_modal_items(codes):
    judge, humans = codes
    counts = ratings_to_counts(np.vstack([judge[None, :], humans]), n_labels=K)
    keep, mode = modal_items(counts)
    assert mode == counts.sum(axis=1)[keep][0]
    assert once(*fleiss_features(counts)) == pytest.approx(fleiss_kappa(counts[keep]), abs=1e-12)


def test_replicates_match_an_explicit_resampling_loop(codes):
    """Small data (no pattern shortcut): replicate b == statistic of the b-th weighted resample."""
    judge, humans = codes
    n = 120
    judge, humans = judge[:n], humans[:, :n]
    features, statistic = classification_features(
        judge, humans, n_labels=K, metric="f1", average="macro"
    )
    got = bootstrap_sums(features, statistic, n_resamples=30, seed=4)
    w = bootstrap_weights(n, n_resamples=30, seed=4)
    for b in range(30):
        idx = np.repeat(np.arange(n), w[b])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = np.nanmean(
                [
                    classification_score(h[idx], judge[idx], metric="f1", average="macro")
                    for h in humans
                ]
            )
        assert got[b] == pytest.approx(ref, abs=1e-12)


def test_large_data_takes_the_exact_pattern_shortcut():
    rng = np.random.default_rng(0)
    n = 100_000
    judge = rng.integers(0, K, n)
    humans = np.vstack(
        [np.where(rng.random(n) < 0.8, judge, rng.integers(0, K, n)) for _ in range(5)]
    )
    features, statistic = fleiss_features(ratings_to_counts(np.vstack([judge, humans]), n_labels=K))
    reps = bootstrap_sums(features, statistic, n_resamples=1000, seed=0)
    point = once(features, statistic)
    assert np.isfinite(reps).all()
    low, high = np.percentile(reps, [2.5, 97.5])
    assert low <= point <= high and high - low < 0.02
