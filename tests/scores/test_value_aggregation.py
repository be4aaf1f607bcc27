"""annotator_aggregation = "mean" / "median" / "min" / "max": the judge vs the unified humans."""

from __future__ import annotations

import asyncio

import numpy as np
import polars as pl
import pytest

from meta_evaluator.errors import MetricConfigError, ScoringError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.scores import MetricConfig, TaskContext, task_context
from meta_evaluator.scores.enums import TaskAggregationMode
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    CohensKappaScorer,
    CorrelationScorer,
    MAEScorer,
)

SCALE = (1, 2, 3, 4, 5)
SCHEMA = ("low", "mid", "high")


def run(scorer, jd, hd, ctx):
    async def go():
        with task_context(ctx):
            return await scorer.compute_score_async(jd, hd, "t", "j", TaskAggregationMode.SINGLE)

    return asyncio.run(go())


def ratings(seed=0, n=50):
    rng = np.random.default_rng(seed)
    ids = [f"s{i:02d}" for i in range(n)]
    jd = pl.DataFrame({"original_id": ids, "label": rng.integers(1, 6, n).astype(float)})
    rows = [
        (ids[i], f"h{h}", float(rng.integers(1, 6)))
        for h in range(4)
        for i in range(n)
        if rng.random() < 0.75
    ]
    hd = pl.DataFrame(rows, schema=["original_id", "human_id", "label"], orient="row")
    return jd, hd


def unified(hd, ids, how):
    f = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}[how]
    groups = {o: [] for o in ids}
    for o, _, v in hd.iter_rows():
        groups[o].append(v)
    return {o: f(v) for o, v in groups.items() if v}


@pytest.mark.parametrize("how", ["mean", "median", "min", "max"])
def test_mae_against_the_unified_rating(how):
    jd, hd = ratings()
    ctx = TaskContext(kind="numeric", labels=SCALE, annotator_aggregation=how)
    res = run(MAEScorer(n_resamples=0), jd, hd, ctx)
    ref = unified(hd, jd["original_id"].to_list(), how)
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    expect = np.mean([abs(judge[o] - v) for o, v in ref.items()])
    assert res.scores["mae"] == pytest.approx(expect, abs=1e-12)
    assert list(res.metadata["per_human"]) == [how]
    assert res.metadata["consensus"] == f"per-item {how} of the humans' labels"


def test_correlation_with_the_mean_rating():
    from scipy.stats import pearsonr

    jd, hd = ratings(seed=3)
    ctx = TaskContext(kind="numeric", labels=SCALE, annotator_aggregation="mean")
    res = run(CorrelationScorer(n_resamples=0), jd, hd, ctx)
    ref = unified(hd, jd["original_id"].to_list(), "mean")
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    items = sorted(ref)
    r = pearsonr([judge[o] for o in items], [ref[o] for o in items]).statistic
    assert res.scores["correlation"] == pytest.approx(r, abs=1e-9)


def test_categories_use_schema_order():
    jd = pl.DataFrame({"original_id": ["a", "b"], "label": ["mid", "low"]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "a", "a", "b", "b"],
            "human_id": ["h1", "h2", "h3", "h1", "h2"],
            "label": ["high", "low", "mid", "low", "high"],
        }
    )
    got = {}
    for how in ("min", "max", "median"):
        ctx = TaskContext(kind="categorical", labels=SCHEMA, annotator_aggregation=how)
        got[how] = run(AccuracyScorer(n_resamples=0), jd, hd, ctx).scores["accuracy"]
    # schema order low < mid < high; a: {high, low, mid}, b: {low, high}; judge (mid, low)
    # min = (low, low): right on b; max = (high, high): never; lower median = (mid, low): both
    assert got == {"min": 0.5, "max": 0.0, "median": 1.0}
    ctx = TaskContext(kind="categorical", labels=SCHEMA, annotator_aggregation="mean")
    with pytest.raises(ScoringError, match="needs numeric ratings"):
        run(AccuracyScorer(n_resamples=0), jd, hd, ctx)


def test_agreement_metrics_fall_back_to_individual_average():
    jd, hd = ratings(seed=1)
    ctx = TaskContext(kind="numeric", labels=SCALE, annotator_aggregation="median")
    res = run(CohensKappaScorer(n_resamples=0), jd, hd, ctx)
    assert res.metadata["aggregation_fallback"] == "individual_average"
    assert any("median would erase" in w for w in res.metadata["warnings"])


def test_config_accepts_value_aggregations_where_they_make_sense():
    task = EvalTask(
        task_schemas={"score": [1, 2, 3], "level": ["low", "high"], "note": None},
        prompt_columns=["p"],
        response_columns=["r"],
    )
    cfg = MetricConfig(scorer=MAEScorer(), task_names=["score"], annotator_aggregation="mean")
    cfg.validate_against(task)
    assert cfg.label() == "mae · score · mean of humans"
    MetricConfig(
        scorer=AccuracyScorer(), task_names=["level"], annotator_aggregation="median"
    ).validate_against(task)
    with pytest.raises(MetricConfigError, match="'mean' needs numeric rating tasks"):
        MetricConfig(
            scorer=AccuracyScorer(), task_names=["level"], annotator_aggregation="mean"
        ).validate_against(task)
    with pytest.raises(MetricConfigError, match="needs single labels"):
        MetricConfig(
            scorer=MAEScorer(),
            task_names=["score", "level"],
            task_strategy="multilabel",
            annotator_aggregation="max",
        ).validate_against(task)


@pytest.mark.parametrize("seed", range(3))
def test_weighted_majority_equals_unify_annotations(seed):
    from meta_evaluator.agreement import unify_from_frames

    rng = np.random.default_rng(seed)
    labels = ["low", "mid", "high"]
    ids = [f"s{i:02d}" for i in range(40)]
    truth = rng.integers(0, 3, 40)
    rows = []
    for h, noise in enumerate((0.1, 0.2, 0.6, 0.8)):
        for i in range(40):
            if rng.random() < 0.8:
                lab = truth[i] if rng.random() > noise else rng.integers(0, 3)
                rows.append((ids[i], f"h{h}", labels[lab]))
    hd = pl.DataFrame(rows, schema=["original_id", "human_id", "label"], orient="row")
    jd = pl.DataFrame({"original_id": ids, "label": [labels[k] for k in rng.integers(0, 3, 40)]})
    ctx = TaskContext(kind="categorical", labels=SCHEMA, annotator_aggregation="weighted_majority")
    res = run(AccuracyScorer(n_resamples=0), jd, hd, ctx)
    task = EvalTask(task_schemas={"t": list(SCHEMA)}, prompt_columns=["p"], response_columns=["r"])
    gold = unify_from_frames(
        task,
        "t",
        hd.rename({"human_id": "annotator_id", "label": "t"}),
        strategy="weighted_majority",
    )
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    expect = np.mean([judge[o] == v for o, v in gold.select("original_id", "t").iter_rows()])
    assert res.scores["accuracy"] == pytest.approx(expect, abs=1e-12)
    assert list(res.metadata["per_human"]) == ["weighted_majority"]


def test_weighted_majority_on_ratings():
    jd = pl.DataFrame({"original_id": ["a", "b"], "label": [4.0, 2.0]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "a", "a", "b", "b", "b"],
            "human_id": ["h1", "h2", "h3"] * 2,
            "label": [4.0, 4.0, 1.0, 2.0, 2.0, 5.0],
        }
    )
    ctx = TaskContext(kind="numeric", labels=SCALE, annotator_aggregation="weighted_majority")
    # h3 never agrees with the others (weight 0): unified (4, 2) = the judge
    assert run(MAEScorer(n_resamples=0), jd, hd, ctx).scores["mae"] == 0.0
