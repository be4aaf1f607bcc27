"""unify_annotations: every strategy by hand or against numpy / Counter references."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import polars as pl
import pytest

from meta_evaluator.agreement import unify_from_frames
from meta_evaluator.errors import ConfigError


def frame(rows, column="verdict"):
    return pl.DataFrame(rows, schema=["original_id", "annotator_id", column], orient="row")


VOTES = frame(
    [
        ("a", "x", "safe"), ("a", "y", "safe"), ("a", "z", "unsafe"),
        ("b", "x", "unsure"), ("b", "y", "unsafe"),
        ("c", "x", "unsafe"), ("c", "y", "unsafe"), ("c", "z", "unsafe"),
    ]
)  # fmt: skip


def test_majority_ties_and_support(task):
    out = unify_from_frames(task, "verdict", VOTES)
    assert out.columns == ["original_id", "verdict", "support", "n_votes"]
    # b: tie unsure/unsafe -> the alphabetically first, "unsafe"
    assert out["verdict"].to_list() == ["safe", "unsafe", "unsafe"]
    assert out["support"].to_list() == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert out["n_votes"].to_list() == [3, 2, 3]


def test_random_tie_break_is_seeded_and_only_among_tied(task):
    picks = {
        unify_from_frames(task, "verdict", VOTES, tie_break="random", seed=s)["verdict"][1]
        for s in range(40)
    }
    assert picks == {"unsure", "unsafe"}
    a = unify_from_frames(task, "verdict", VOTES, tie_break="random", seed=3)
    b = unify_from_frames(task, "verdict", VOTES, tie_break="random", seed=3)
    assert a.equals(b)
    assert a["verdict"][0] == "safe"  # no tie: never random


def test_weighted_majority_with_given_weights(task):
    out = unify_from_frames(
        task, "verdict", VOTES, strategy="weighted_majority", weights={"z": 3.0}
    )
    # a: safe 1 + 1 = 2 vs unsafe 3 -> unsafe with 3/5
    assert out["verdict"][0] == "unsafe" and out["support"][0] == pytest.approx(3 / 5)


def test_learned_weights_are_leave_one_out_agreement(task):
    # x vs consensus of (y, z): a -> y,z tie safe/unsafe -> "safe" (x agrees), b -> unsafe (no),
    # c -> unsafe (yes): 2/3. y vs (x, z): a tie -> safe (yes), b unsure (no), c yes: 2/3.
    # z vs (x, y): a safe (no), c unsafe (yes): 1/2.
    out = unify_from_frames(task, "verdict", VOTES, strategy="weighted_majority")
    # a: safe 2/3 + 2/3 = 4/3 vs unsafe 1/2 -> safe, support (4/3) / (11/6) = 8/11
    assert out["verdict"][0] == "safe" and out["support"][0] == pytest.approx(8 / 11)
    # b: unsure (x, 2/3) vs unsafe (y, 2/3): tie -> "unsafe"
    assert out["verdict"][1] == "unsafe"


def test_disagreement_keeps_every_response(task):
    out = unify_from_frames(task, "verdict", VOTES, strategy="disagreement")
    got = {(o, v): (s, n) for o, v, s, n in out.iter_rows()}
    assert got == {
        ("a", "safe"): (pytest.approx(2 / 3), 2),
        ("a", "unsafe"): (pytest.approx(1 / 3), 1),
        ("b", "unsafe"): (0.5, 1),
        ("b", "unsure"): (0.5, 1),
        ("c", "unsafe"): (1.0, 3),
    }
    assert out["original_id"].to_list()[:2] == ["a", "a"]


@pytest.mark.parametrize("strategy", ["mean", "median", "min", "max"])
def test_numeric_strategies_match_numpy(task, annotations, strategy):
    ann = annotations(4)
    out = unify_from_frames(task, "score", ann, strategy=strategy)
    values = defaultdict(list)
    for o, v in ann.select("original_id", "score").iter_rows():
        values[o].append(v)
    f = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}[strategy]
    for o, v, support, n in out.iter_rows():
        assert v == pytest.approx(f(values[o]), abs=1e-12)
        assert support == pytest.approx(np.mean(np.isclose(values[o], v)), abs=1e-12)
        assert n == len(values[o])


def test_weighted_mean(task):
    ann = frame([("a", "x", 1), ("a", "y", 5)], column="score")
    out = unify_from_frames(task, "score", ann, strategy="mean", weights={"x": 3.0})
    assert out["score"][0] == pytest.approx((3 * 1 + 5) / 4)


def test_categorical_order_strategies_use_schema_order(task):
    # schema order: unsafe < safe < unsure
    ann = frame([("a", "x", "unsure"), ("a", "y", "unsafe"), ("a", "z", "safe")])
    got = {
        s: unify_from_frames(task, "verdict", ann, strategy=s)["verdict"][0]
        for s in ("min", "max", "median")
    }
    assert got == {"min": "unsafe", "max": "unsure", "median": "safe"}


def test_multilabel_per_outcome_majority(task):
    ann = pl.DataFrame(
        {
            "original_id": ["a", "a", "a", "b", "b"],
            "annotator_id": ["x", "y", "z", "x", "y"],
            "tags": [["spam", "rude"], ["spam"], ["rude", "spam"], ["spam"], []],
        }
    )
    out = unify_from_frames(task, "tags", ann)
    # a: spam 3/3, rude 2/3 -> {spam, rude}; b: spam 1/2 is not a majority -> {}
    assert [sorted(v) for v in out["tags"].to_list()] == [["rude", "spam"], []]
    # support: share of annotators whose whole set equals the result: a 2/3, b 1/2
    assert out["support"].to_list() == pytest.approx([2 / 3, 1 / 2])


@pytest.mark.parametrize("seed", range(3))
def test_majority_matches_counter_reference(task, annotations, seed):
    ann = annotations(seed)
    out = unify_from_frames(task, "verdict", ann)
    votes = defaultdict(list)
    for o, v in ann.select("original_id", "verdict").iter_rows():
        votes[o].append(v)
    for o, v, s, _ in out.iter_rows():
        c = Counter(votes[o])
        top = max(c.values())
        assert v == min(k for k, n in c.items() if n == top)
        assert s == pytest.approx(top / len(votes[o]))


def test_option_errors(task):
    with pytest.raises(ConfigError, match="'strategy' parameter of unify_annotations"):
        unify_from_frames(task, "verdict", VOTES, strategy="vote")
    with pytest.raises(ConfigError, match="'tie_break' parameter"):
        unify_from_frames(task, "verdict", VOTES, tie_break="first")
    with pytest.raises(ConfigError, match="weights apply to"):
        unify_from_frames(task, "verdict", VOTES, weights={"x": 1.0})
    with pytest.raises(ConfigError, match="strategy='mean' needs a numeric scale"):
        unify_from_frames(task, "verdict", VOTES, strategy="mean")
    with pytest.raises(ConfigError, match="annotator"):
        unify_from_frames(task, "verdict", VOTES, strategy="weighted_majority", weights={"q": 1})
    with pytest.raises(ConfigError, match="finite numbers >= 0"):
        unify_from_frames(task, "verdict", VOTES, strategy="weighted_majority", weights={"x": -1})
