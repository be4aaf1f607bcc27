"""majority_vote, confusion_matrix and jaccard on raw labels."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import jaccard_score
from sklearn.preprocessing import MultiLabelBinarizer

from meta_evaluator.errors import DataError, UndefinedMetricWarning
from meta_evaluator.stats import confusion_matrix, jaccard, majority_vote


def test_majority_vote_ties_missing_and_types():
    votes = [["b", "a", "b"], ["b", "a"], [None, "c"], [], [None]]
    # tie b/a -> smallest ("a"); missing votes ignored; nobody -> None
    assert majority_vote(votes) == ["b", "a", "c", None, None]
    assert majority_vote([[3, 1, 1, 3], [2.5, np.nan]]) == [1, 2.5]
    assert majority_vote([[True, False, True]]) == [True]


@pytest.mark.parametrize("seed", range(4))
def test_majority_vote_matches_counter_reference(seed):
    rng = np.random.default_rng(seed)
    labels = np.array(["neg", "neu", "pos", None], dtype=object)
    votes = [list(labels[rng.integers(0, 4, int(rng.integers(0, 6)))]) for _ in range(300)]

    def ref(vs):
        c = Counter(v for v in vs if v is not None)
        if not c:
            return None
        top = max(c.values())
        return min(k for k, n in c.items() if n == top)

    assert majority_vote(votes) == [ref(v) for v in votes]
    matrix = np.array([v + [None] * (5 - len(v)) for v in votes], dtype=object)
    assert majority_vote(matrix) == [ref(v) for v in votes]


def test_majority_vote_rejects_mixed_types():
    with pytest.raises(DataError, match="mixes strings"):
        majority_vote([["a", 1]])


@pytest.mark.parametrize("seed", range(4))
def test_confusion_matrix_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    names = ["cat", "dog", "fox"]
    t = [names[i] for i in rng.integers(0, 3, 100)]
    p = [names[i] for i in rng.integers(0, 3, 100)]
    assert confusion_matrix(t, p).tolist() == sk_confusion_matrix(t, p).tolist()
    order = ["fox", "dog", "cat", "emu"]
    assert (
        confusion_matrix(t, p, labels=order).tolist()
        == sk_confusion_matrix(t, p, labels=order).tolist()
    )


def test_confusion_matrix_missing_and_errors():
    assert confusion_matrix(["y", "n", "y", None], ["y", "y", "n", "n"]).tolist() == [
        [0, 1],
        [1, 1],
    ]
    with pytest.raises(DataError, match="'z' is not in labels"):
        confusion_matrix(["y", "z"], ["y", "y"], labels=["y", "n"])


@pytest.mark.parametrize("seed", range(4))
def test_jaccard_matches_sklearn_samples_average(seed):
    rng = np.random.default_rng(seed)
    outcomes = ["a", "b", "c", "d"]
    # non-empty sets only: sklearn scores two empty sets 0, we score them 1
    a = [{o for o in outcomes if rng.random() < 0.5} | {"a"} for _ in range(80)]
    b = [{o for o in outcomes if rng.random() < 0.5} | {"b"} for _ in range(80)]
    mlb = MultiLabelBinarizer(classes=outcomes)
    ref = jaccard_score(mlb.fit_transform(a), mlb.transform(b), average="samples")
    assert jaccard(a, b) == pytest.approx(ref, abs=1e-12)


def test_jaccard_conventions():
    # (1/3 + 1) / 2: two empty sets agree; an item with a missing side is dropped
    assert jaccard([{"x", "y"}, set(), {"x"}], [{"y", "z"}, set(), None]) == pytest.approx(2 / 3)
    assert jaccard({"x"}, {"x", "y"}) == 0.5
    assert jaccard([["x", "y"]], [("y",)]) == 0.5
    with pytest.warns(UndefinedMetricWarning, match="no item"):
        assert np.isnan(jaccard([None], [{"x"}]))
    with pytest.raises(DataError, match="one label set per item"):
        jaccard([{"x"}], [])
    with pytest.raises(DataError, match="needs a set"):
        jaccard(["x"], [{"x"}])
