"""Confusion counts and per-class scores against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from meta_evaluator.errors import DataError
from meta_evaluator.stats import confusion_counts, per_class_scores


@pytest.mark.parametrize("seed", range(5))
def test_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    ref = rng.integers(-1, k, 200)
    cand = rng.integers(-1, k, 200)
    keep = (ref >= 0) & (cand >= 0)
    got = confusion_counts(ref, cand, n_labels=k)
    expected = confusion_matrix(ref[keep], cand[keep], labels=list(range(k)))
    assert got.tolist() == expected.tolist()
    scores = per_class_scores(got)
    p, r, f, s = precision_recall_fscore_support(
        ref[keep], cand[keep], labels=list(range(k)), zero_division=np.nan
    )
    np.testing.assert_allclose(scores.precision, p, atol=1e-12)
    np.testing.assert_allclose(scores.recall, r, atol=1e-12)
    np.testing.assert_allclose(scores.f1, f, atol=1e-12)
    assert scores.support.tolist() == s.tolist()


def test_unused_label_is_nan_not_zero():
    # label 2 never used by anyone: precision, recall and f1 undefined (nan)
    s = per_class_scores(confusion_counts([0, 1], [0, 0], n_labels=3))
    assert s.precision[0] == pytest.approx(0.5) and np.isnan(s.precision[1])
    assert np.isnan(s.precision[2]) and np.isnan(s.recall[2]) and np.isnan(s.f1[2])
    assert s.f1[1] == 0.0  # support 1, predicted 0: 2*0/(0+1)


def test_bad_input():
    with pytest.raises(DataError):
        confusion_counts([0, 1], [0], n_labels=2)
