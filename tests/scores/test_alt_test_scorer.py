"""AltTestScorer wiring: encodings, positional Jaccard, metadata keys, degenerate data."""

from __future__ import annotations

import logging
import math

import numpy as np
import polars as pl
import pytest

from meta_evaluator.errors import ConfigError
from meta_evaluator.scores import TaskContext
from meta_evaluator.scores.metrics import AltTestScorer
from meta_evaluator.stats._alt_test import alt_test
from meta_evaluator.testing import run_scorer as run

EPS_KEYS = ["0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"]


def object_matrices(jd, hd):
    """Independent alignment: object arrays of raw labels (None = missing), via dicts."""
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    items = [o for o in jd["original_id"] if o in set(hd["original_id"])]
    humans = sorted(set(hd["human_id"]))
    lab = {(o, h): lb for o, h, lb in hd.iter_rows()}
    j = np.empty(len(items), dtype=object)
    a = np.empty((len(humans), len(items)), dtype=object)
    mask = np.zeros(a.shape, dtype=bool)
    for i, o in enumerate(items):
        j[i] = judge[o]
        for k, h in enumerate(humans):
            a[k, i] = lab.get((o, h))
            mask[k, i] = (o, h) in lab
    return j, a, mask, humans


def test_categorical_matches_kernel_with_an_equality_callable(frames):
    jd, hd = frames(["a", "b", "c"], n_items=60, n_humans=4, p_missing=0.2, seed=1)
    scorer = AltTestScorer(min_instances_per_human=20)
    res = run(scorer, jd, hd, TaskContext(kind="categorical", labels=("a", "b", "c")))
    j, a, mask, humans = object_matrices(jd, hd)
    ref = alt_test(
        j,
        a,
        human_ids=humans,
        mask=mask,
        scoring=lambda x, y: float(x == y),
        min_instances_per_human=20,
    )
    assert list(res.scores["winning_rate"]) == EPS_KEYS
    assert res.scores["winning_rate"] == pytest.approx(ref.winning_rates, abs=1e-12)
    assert res.scores["advantage_probability"] == pytest.approx(ref.advantage_probability)
    md = res.metadata
    assert md["p_values"] == pytest.approx(ref.p_values, abs=1e-12)
    assert md["human_advantage_probabilities"] == {
        h: [pytest.approx(ref.llm_advantage[h]), pytest.approx(ref.human_advantage[h])]
        for h in humans
    }
    assert md["scoring_function"] == "accuracy"
    assert md["epsilon"] == 0.2 and md["multiplicative_epsilon"] is False
    assert md["min_instances_per_human"] == 20
    assert md["n_humans"] == 4


def test_multilabel_strategy_uses_positional_jaccard():
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(40)]
    yn = ["yes", "no"]

    def lab():
        return [yn[rng.integers(0, 2)], yn[rng.integers(0, 2)], yn[rng.integers(0, 2)]]

    jd = pl.DataFrame({"original_id": ids, "label": [lab() for _ in ids]})
    hd = pl.DataFrame(
        [(o, h, lab()) for o in ids for h in ("h1", "h2", "h3")],
        schema=["original_id", "human_id", "label"],
        orient="row",
    )
    comps = tuple(TaskContext(kind="categorical", labels=("yes", "no")) for _ in range(3))
    ctx = TaskContext(kind="multilabel", components=comps, task_names=("t1", "t2", "t3"))
    res = run(AltTestScorer(min_instances_per_human=10), jd, hd, ctx)
    assert res.metadata["scoring_function"] == "jaccard"

    def pair_jaccard(x, y):
        sx, sy = set(enumerate(x)), set(enumerate(y))
        return len(sx & sy) / len(sx | sy)

    j, a, mask, humans = object_matrices(jd, hd)
    ref = alt_test(
        j, a, human_ids=humans, mask=mask, scoring=pair_jaccard, min_instances_per_human=10
    )
    assert res.scores["winning_rate"] == pytest.approx(ref.winning_rates, abs=1e-12)
    assert res.scores["advantage_probability"] == pytest.approx(ref.advantage_probability)
    # why positional: as plain value sets {"yes","no"} the two labels below would be identical
    assert pair_jaccard(["yes", "no", "no"], ["no", "yes", "no"]) == pytest.approx(0.2)


def test_multilabel_schema_sets_use_set_jaccard():
    jd = pl.DataFrame({"original_id": ["a", "b", "c"], "label": [["x"], ["x", "y"], []]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "b", "c"] * 3,
            "human_id": ["h1"] * 3 + ["h2"] * 3 + ["h3"] * 3,
            "label": [["x"], ["y"], [], ["x", "y"], ["x", "y"], ["y"], ["x"], ["x"], []],
        }
    )
    ctx = TaskContext(kind="multilabel", labels=("x", "y"))
    res = run(AltTestScorer(min_instances_per_human=1), jd, hd, ctx)
    j, a, mask, humans = object_matrices(jd, hd)

    def jac(x, y):
        sx, sy = set(x), set(y)
        return 1.0 if not (sx | sy) else len(sx & sy) / len(sx | sy)

    ref = alt_test(j, a, human_ids=humans, mask=mask, scoring=jac, min_instances_per_human=1)
    assert res.scores["advantage_probability"] == pytest.approx(ref.advantage_probability)
    assert res.metadata["llm_advantage"] == pytest.approx(ref.llm_advantage)


def test_numeric_uses_neg_rmse(frames):
    rng = np.random.default_rng(2)
    ids = [f"s{i}" for i in range(40)]
    jd = pl.DataFrame({"original_id": ids, "label": rng.integers(1, 6, 40).astype(float)})
    hd = pl.DataFrame(
        {
            "original_id": ids * 3,
            "human_id": ["h1"] * 40 + ["h2"] * 40 + ["h3"] * 40,
            "label": rng.integers(1, 6, 120).astype(float),
        }
    )
    res = run(
        AltTestScorer(min_instances_per_human=10),
        jd,
        hd,
        TaskContext(kind="numeric", labels=(1, 2, 3, 4, 5)),
    )
    ref = alt_test(
        jd["label"].to_numpy(),
        hd["label"].to_numpy().reshape(3, 40),
        human_ids=["h1", "h2", "h3"],
        scoring="neg_rmse",
        min_instances_per_human=10,
    )
    assert res.metadata["scoring_function"] == "neg_rmse"
    assert res.scores["winning_rate"] == pytest.approx(ref.winning_rates)


def test_too_few_instances_is_explained_not_silent(frames):
    jd, hd = frames(["a", "b"], n_items=10, n_humans=3, seed=0)
    res = run(AltTestScorer(), jd, hd)  # min_instances_per_human=30 > 10 items
    assert math.isnan(res.scores["advantage_probability"])
    assert all(math.isnan(v) for v in res.scores["winning_rate"].values())
    assert sorted(res.metadata["skipped_humans"]) == ["h0", "h1", "h2"]
    assert any("min_instances_per_human" in w for w in res.metadata["warnings"])
    assert res.failed_comparisons == 3


def test_one_human_and_majority_vote_fallback(frames, caplog):
    jd, hd = frames(["a", "b"], n_items=40, n_humans=1, seed=0)
    ctx = TaskContext(kind="categorical", labels=("a", "b"), annotator_aggregation="majority_vote")
    with caplog.at_level(logging.WARNING):
        res = run(AltTestScorer(), jd, hd, ctx)
    assert res.metadata["aggregation_fallback"] == "individual_average"
    assert math.isnan(res.scores["advantage_probability"])
    assert any("fewer than 2 human" in w for w in res.metadata["warnings"])


def test_attributes_are_settable_and_validated():
    s = AltTestScorer()
    s.min_instances_per_human = 5
    assert s.config_params()["min_instances_per_human"] == 5
    s.epsilon = 2.0
    jd = pl.DataFrame({"original_id": ["a"], "label": ["x"]})
    with pytest.raises(ConfigError, match="epsilon"):
        run(s, jd, jd.with_columns(human_id=pl.lit("h")))
    with pytest.raises(ConfigError, match="scoring_function"):
        AltTestScorer(scoring_function="rmse")


def test_advantage_probability_has_an_item_level_bootstrap_ci(frames):
    from meta_evaluator.stats._bootstrap import bootstrap_mean_ci

    jd, hd = frames(["a", "b", "c"], n_items=80, n_humans=4, p_missing=0.2, seed=3)
    ctx = TaskContext(kind="categorical", labels=("a", "b", "c"))
    res = run(AltTestScorer(min_instances_per_human=20, n_resamples=300), jd, hd, ctx)
    j, a, mask, humans = object_matrices(jd, hd)
    ref = alt_test(
        j,
        a,
        human_ids=humans,
        mask=mask,
        scoring=lambda x, y: float(x == y),
        min_instances_per_human=20,
    )
    # the kernel's per-annotation indicators reproduce each human's rho^f exactly
    h_idx, i_idx, wins = ref.judge_win_indicators
    tested = list(ref.llm_advantage)
    for k, h in enumerate(tested):
        assert wins[h_idx == k].mean() == pytest.approx(ref.llm_advantage[h], abs=1e-12)
    # independent rebuild of the (items x humans) indicator matrix -> same CI as the scorer
    items = sorted(set(i_idx.tolist()))
    pos = {it: r for r, it in enumerate(items)}
    values = np.zeros((len(items), len(tested)))
    present = np.zeros_like(values, dtype=bool)
    for hh, ii, w in zip(h_idx.tolist(), i_idx.tolist(), wins.tolist(), strict=True):
        values[pos[ii], hh] = float(w)
        present[pos[ii], hh] = True
    low, high = bootstrap_mean_ci(values, present, n_resamples=300, seed=0)
    assert res.metadata["ci_low"] == pytest.approx(low, abs=1e-12)
    assert res.metadata["ci_high"] == pytest.approx(high, abs=1e-12)
    assert low <= res.scores["advantage_probability"] <= high
    assert res.metadata["ci_score"] == "advantage_probability"
    no_ci = run(AltTestScorer(min_instances_per_human=20, n_resamples=0), jd, hd, ctx)
    assert math.isnan(no_ci.metadata["ci_low"])


def text_ratio(a, b):
    """Module-level similarity (importable, so it survives a state round trip)."""
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio()


def test_callable_similarity_scores_free_text_like_the_kernel():
    rng = np.random.default_rng(5)
    words = ["refuses", "declines", "answers", "helps", "explains"]
    ids = [f"i{k}" for k in range(40)]
    jd = pl.DataFrame({"original_id": ids, "label": [f"it {words[rng.integers(5)]}" for _ in ids]})
    hd = pl.DataFrame(
        {
            "original_id": ids * 3,
            "human_id": ["a"] * 40 + ["b"] * 40 + ["c"] * 40,
            "label": [f"it {words[rng.integers(5)]} now" for _ in range(120)],
        }
    )
    scorer = AltTestScorer(scoring_function=text_ratio, min_instances_per_human=20, n_resamples=0)
    res = run(scorer, jd, hd, TaskContext(kind="text", labels=None))
    j, a, mask, humans = object_matrices(jd, hd)
    ref = alt_test(
        j, a, human_ids=humans, mask=mask, scoring=text_ratio, min_instances_per_human=20
    )
    assert res.scores["winning_rate"] == ref.winning_rates
    assert res.scores["advantage_probability"] == pytest.approx(
        ref.advantage_probability, abs=1e-12
    )
    assert res.metadata["scoring_function"] == "text_ratio"


def test_callable_scoring_function_round_trips_through_state():
    from meta_evaluator.eval_task import EvalTask
    from meta_evaluator.scores import MetricConfig

    task = EvalTask(task_schemas={"why": None}, response_columns=["r"])
    cfg = MetricConfig(scorer=AltTestScorer(scoring_function=text_ratio), task_names=["why"])
    cfg.validate_against(task)  # a callable similarity accepts free-text tasks
    again = MetricConfig.from_state(cfg.to_state())
    assert again.scorer.scoring_function is text_ratio
    assert again.unique_name() == cfg.unique_name()
    with pytest.raises(ConfigError, match="cannot restore scoring_function"):
        AltTestScorer(scoring_function="callable:no_such_module.fn")
    builtin = MetricConfig(scorer=AltTestScorer(), task_names=["why"])
    from meta_evaluator.errors import MetricConfigError

    with pytest.raises(MetricConfigError, match="text"):
        builtin.validate_against(task)  # built-in scorings do not score free text
