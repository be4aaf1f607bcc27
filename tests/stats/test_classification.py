"""Tests for classification_score against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from meta_evaluator.errors import ConfigError, DataError, UndefinedMetricWarning
from meta_evaluator.stats import classification_score


def test_hand_computed_macro_precision_recall_f1():
    # ref  = [0, 0, 1, 1, 2]; cand = [0, 1, 1, 1, 0]
    # label 0: tp=1, pred=2, true=2 -> P=1/2, R=1/2, F1=2*1/(2+2)=1/2
    # label 1: tp=2, pred=3, true=2 -> P=2/3, R=1,   F1=4/5
    # label 2: tp=0, pred=0, true=1 -> P=0 (zero_division), R=0, F1=0
    ref, cand = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
    assert classification_score(ref, cand, metric="precision") == pytest.approx(
        (1 / 2 + 2 / 3 + 0) / 3, abs=1e-12
    )
    assert classification_score(ref, cand, metric="recall") == pytest.approx(
        (1 / 2 + 1 + 0) / 3, abs=1e-12
    )
    assert classification_score(ref, cand, metric="f1") == pytest.approx(
        (1 / 2 + 4 / 5 + 0) / 3, abs=1e-12
    )
    # weighted by support [2, 2, 1] / 5: F1 = (2*0.5 + 2*0.8 + 0) / 5 = 0.52
    assert classification_score(ref, cand, metric="f1", average="weighted") == pytest.approx(
        0.52, abs=1e-12
    )
    # micro = accuracy = 3/5
    assert classification_score(ref, cand, metric="f1", average="micro") == pytest.approx(
        0.6, abs=1e-12
    )
    assert classification_score(ref, cand, metric="accuracy") == pytest.approx(0.6, abs=1e-12)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("seed", range(8))
def test_matches_sklearn_precision_recall_fscore_support(seed, average):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(5, 80))
    ref = rng.integers(0, k, n)
    cand = np.where(rng.random(n) < 0.5, ref, rng.integers(0, k, n))
    ref[rng.random(n) < 0.1] = -1
    cand[rng.random(n) < 0.1] = -1
    keep = (ref >= 0) & (cand >= 0)
    p, r, f, _ = precision_recall_fscore_support(
        ref[keep], cand[keep], average=average, zero_division=0.0
    )
    for metric, expected in (("precision", p), ("recall", r), ("f1", f)):
        got = classification_score(ref, cand, metric=metric, average=average, n_labels=k)
        assert got == pytest.approx(expected, abs=1e-9), metric
    assert classification_score(ref, cand, metric="accuracy") == pytest.approx(
        accuracy_score(ref[keep], cand[keep]), abs=1e-12
    )


def test_unused_schema_label_does_not_count_in_macro():
    # labels present: {0, 1}; code 2 of n_labels=3 is unused and ignored (sklearn labels=None)
    ref, cand = [0, 1, 1, 0], [0, 1, 0, 0]
    p_sk, *_ = precision_recall_fscore_support(ref, cand, average="macro", zero_division=0.0)
    assert classification_score(ref, cand, metric="precision", n_labels=3) == pytest.approx(
        p_sk, abs=1e-12
    )


def test_no_pairs_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning, match="f1 is undefined"):
        assert np.isnan(classification_score([-1, 0], [1, -1], metric="f1"))


def test_validation():
    with pytest.raises(ConfigError, match="'metric' parameter of classification_score"):
        classification_score([0], [0], metric="auc")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'average'"):
        classification_score([0], [0], metric="f1", average="binary")  # type: ignore[arg-type]
    with pytest.raises(DataError):
        classification_score([0, 5], [0, 1], metric="f1", n_labels=2)


@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_score_matches_sklearn(metric, seed):
    from sklearn.metrics import f1_score, precision_score, recall_score

    from meta_evaluator.stats._classification import binary_score

    fn = {"precision": precision_score, "recall": recall_score, "f1": f1_score}[metric]
    rng = np.random.default_rng(seed)
    ref, cand = rng.integers(0, 2, 60), rng.integers(0, 2, 60)
    for pos in (0, 1):
        expected = fn(ref, cand, pos_label=pos, average="binary", zero_division=0)
        got = binary_score(ref, cand, metric=metric, pos_code=pos)
        assert got == pytest.approx(expected, abs=1e-12)
    # missing items are dropped, never-predicted positive label -> 0 (zero_division=0)
    assert binary_score([0, 0, -1], [0, 0, 1], metric="precision", pos_code=1) == 0.0
    with pytest.raises(ConfigError, match="3 labels are present"):
        binary_score([0, 1, 2], [0, 1, 2], metric=metric, pos_code=1)


@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
def test_samples_scores_match_sklearn(metric):
    from sklearn.metrics import f1_score, precision_score, recall_score

    from meta_evaluator.stats._classification import samples_scores

    fn = {"precision": precision_score, "recall": recall_score, "f1": f1_score}[metric]
    rng = np.random.default_rng(7)
    ref_ind, cand_ind = rng.integers(0, 2, (80, 5)), rng.integers(0, 2, (80, 5))
    bits = 1 << np.arange(5)
    ref, cand = (ref_ind * bits).sum(axis=1), (cand_ind * bits).sum(axis=1)
    expected = fn(ref_ind, cand_ind, average="samples", zero_division=0)
    assert samples_scores(ref, cand, metric=metric).mean() == pytest.approx(expected, abs=1e-12)
    out = samples_scores([0, -1, 3], [0, 1, -1], metric=metric)
    assert out[0] == 0.0 and np.isnan(out[1]) and np.isnan(out[2])
