"""Accuracy / precision / recall / F1 / Cohen's kappa scorers against scikit-learn."""

from __future__ import annotations

import logging
import math
from collections import Counter

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, precision_recall_fscore_support

from meta_evaluator.errors import ConfigError
from meta_evaluator.scores import TaskContext
from meta_evaluator.scores.metrics import AccuracyScorer, ClassificationScorer, CohensKappaScorer
from meta_evaluator.stats._bootstrap import bootstrap_mean_ci
from meta_evaluator.testing import run_scorer as run

LABELS = ["high", "low", "mid"]  # alphabetical
SCHEMA = ("low", "mid", "high")  # ordinal (schema) order


def pairs_by_human(jd: pl.DataFrame, hd: pl.DataFrame) -> dict[str, tuple[list, list]]:
    """Slow, independent join: human -> (human labels, judge labels) on shared items."""
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    out: dict[str, tuple[list, list]] = {}
    for oid, h, lab in hd.iter_rows():
        if oid in judge:
            out.setdefault(h, ([], []))
            out[h][0].append(lab)
            out[h][1].append(judge[oid])
    return out


def sk_metric(metric, average, ref, cand):
    if metric == "accuracy":
        return accuracy_score(ref, cand)
    p, r, f, _ = precision_recall_fscore_support(ref, cand, average=average, zero_division=0.0)
    return {"precision": p, "recall": r, "f1": f}[metric]


@pytest.mark.parametrize("p_missing", [0.0, 0.4])
@pytest.mark.parametrize(
    ("metric", "average"),
    [
        ("accuracy", "macro"),
        ("precision", "macro"),
        ("recall", "weighted"),
        ("f1", "micro"),
        ("f1", "macro"),
    ],
)
def test_classification_individual_average_matches_sklearn(frames, metric, average, p_missing):
    jd, hd = frames(LABELS, n_items=60, n_humans=4, p_missing=p_missing, seed=3)
    res = run(ClassificationScorer(metric=metric, average=average, n_resamples=50), jd, hd)
    per = {h: sk_metric(metric, average, r, c) for h, (r, c) in pairs_by_human(jd, hd).items()}
    assert res.scorer_name == metric
    assert set(res.scores) == {metric}
    assert res.scores[metric] == pytest.approx(np.mean(list(per.values())), abs=1e-9)
    for h, v in per.items():
        assert res.metadata["per_human"][h] == pytest.approx(v, abs=1e-9)
        assert res.metadata["n_items_per_human"][h] == len(pairs_by_human(jd, hd)[h][0])
    assert res.metadata["n_humans"] == 4
    assert res.metadata["ci_low"] <= res.scores[metric] <= res.metadata["ci_high"]


def test_accuracy_ci_is_the_kernel_bootstrap_of_per_item_agreement(frames):
    jd, hd = frames(LABELS, n_items=30, n_humans=3, p_missing=0.3, seed=5)
    res = run(AccuracyScorer(n_resamples=200), jd, hd)
    # independent per-item agreement matrix (items x humans) built with dict look-ups
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    items = sorted(set(hd["original_id"]) & set(judge), key=list(jd["original_id"]).index)
    humans = sorted(set(hd["human_id"]))
    lab = {(o, h): lb for o, h, lb in hd.iter_rows()}
    vals = np.zeros((len(items), len(humans)))
    mask = np.zeros_like(vals, dtype=bool)
    for i, o in enumerate(items):
        for k, h in enumerate(humans):
            if (o, h) in lab:
                mask[i, k] = True
                vals[i, k] = float(lab[o, h] == judge[o])
    lo, hi = bootstrap_mean_ci(vals, mask, n_resamples=200, confidence=0.95, seed=0)
    assert res.metadata["ci_low"] == pytest.approx(lo, abs=1e-12)
    assert res.metadata["ci_high"] == pytest.approx(hi, abs=1e-12)
    assert res.metadata["n_resamples"] == 200


def test_majority_vote_ties_go_to_alphabetically_first_label():
    jd = pl.DataFrame({"original_id": ["a", "b", "c"], "label": ["mid", "high", "low"]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "a", "b", "b", "c", "c", "c"],
            "human_id": ["h1", "h2", "h1", "h2", "h1", "h2", "h3"],
            # a: mid vs low tie -> "low" (alphabetically before "mid"), judge "mid" -> miss
            # b: high vs low tie -> "high", judge "high" -> hit
            # c: low, low, mid -> "low", judge "low" -> hit      => accuracy 2/3
            "label": ["mid", "low", "low", "high", "low", "low", "mid"],
        }
    )
    ctx = TaskContext(kind="categorical", labels=SCHEMA, annotator_aggregation="majority_vote")
    res = run(AccuracyScorer(n_resamples=0), jd, hd, ctx)
    assert res.scores["accuracy"] == pytest.approx(2 / 3, abs=1e-12)
    assert res.metadata["per_human"] == {"majority_vote": pytest.approx(2 / 3)}
    assert "aggregation_fallback" not in res.metadata


def test_majority_vote_matches_counter_based_consensus(frames):
    jd, hd = frames(LABELS, n_items=50, n_humans=5, p_missing=0.2, seed=11)
    votes: dict[str, Counter] = {}
    for o, _h, lab in hd.iter_rows():
        votes.setdefault(o, Counter())[lab] += 1
    cons = {o: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for o, c in votes.items()}
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    ref = [cons[o] for o in judge if o in cons]
    cand = [judge[o] for o in judge if o in cons]
    ctx = TaskContext(kind="categorical", labels=SCHEMA, annotator_aggregation="majority_vote")
    for metric in ("accuracy", "f1"):
        res = run(ClassificationScorer(metric=metric, n_resamples=0), jd, hd, ctx)
        assert res.scores[metric] == pytest.approx(sk_metric(metric, "macro", ref, cand), abs=1e-9)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_uses_schema_order_for_weights(frames, weights):
    jd, hd = frames(LABELS, n_items=80, n_humans=3, p_missing=0.25, seed=2)
    ctx = TaskContext(kind="categorical", labels=SCHEMA)
    res = run(CohensKappaScorer(weights=weights, n_resamples=100), jd, hd, ctx)
    per = {
        h: cohen_kappa_score(r, c, labels=list(SCHEMA), weights=weights)
        for h, (r, c) in pairs_by_human(jd, hd).items()
    }
    assert res.scores["kappa"] == pytest.approx(np.mean(list(per.values())), abs=1e-9)
    for h, v in per.items():
        assert res.metadata["per_human"][h] == pytest.approx(v, abs=1e-9)
    assert res.metadata["interpretation"] in {
        "poor",
        "slight",
        "fair",
        "moderate",
        "substantial",
        "almost perfect",
    }
    assert res.metadata["ci_low"] <= res.metadata["ci_high"]
    if weights is None:
        # p_o / p_e recombine into each human's kappa; check the means are consistent
        judge = dict(zip(jd["original_id"], jd["label"], strict=True))
        pos = []
        for _h, (r, c) in pairs_by_human(jd, hd).items():
            pos.append(np.mean(np.array(r) == np.array(c)))
        assert res.metadata["observed_agreement"] == pytest.approx(np.mean(pos), abs=1e-9)
        assert judge  # the join above used the judge labels


def test_kappa_without_context_uses_sorted_order(frames):
    jd, hd = frames(LABELS, n_items=40, n_humans=2, seed=4)
    res = run(CohensKappaScorer(weights="linear", n_resamples=0), jd, hd)
    per = [
        cohen_kappa_score(r, c, labels=sorted(LABELS), weights="linear")
        for r, c in pairs_by_human(jd, hd).values()
    ]
    assert res.scores["kappa"] == pytest.approx(np.mean(per), abs=1e-9)


def test_human_ceiling_is_each_human_against_the_others(frames):
    jd, hd = frames(LABELS, n_items=40, n_humans=3, p_missing=0.3, seed=8)
    res = run(
        CohensKappaScorer(n_resamples=0), jd, hd, TaskContext(kind="categorical", labels=SCHEMA)
    )
    judge_items = set(jd["original_id"])
    lab = {(o, h): lb for o, h, lb in hd.iter_rows() if o in judge_items}
    humans = sorted(set(hd["human_id"]))
    per = {}
    for h in humans:
        ks = []
        for g in humans:
            if g == h:
                continue
            shared = sorted({o for o, x in lab if x == h} & {o for o, x in lab if x == g})
            ks.append(
                cohen_kappa_score(
                    [lab[o, g] for o in shared], [lab[o, h] for o in shared], labels=list(SCHEMA)
                )
            )
        per[h] = np.mean(ks)
    assert res.metadata["per_human_ceiling"] == pytest.approx(per, abs=1e-9)
    assert res.metadata["human_ceiling"] == pytest.approx(np.mean(list(per.values())), abs=1e-9)


def test_kappa_majority_vote_falls_back_with_a_log(frames, caplog):
    jd, hd = frames(LABELS, n_items=30, n_humans=3, seed=1)
    ctx = TaskContext(kind="categorical", labels=SCHEMA, annotator_aggregation="majority_vote")
    with caplog.at_level(logging.WARNING, logger="meta_evaluator"):
        res = run(CohensKappaScorer(n_resamples=0), jd, hd, ctx)
    assert res.metadata["aggregation_fallback"] == "individual_average"
    assert any("individual_average" in r.getMessage() for r in caplog.records)
    plain = run(
        CohensKappaScorer(n_resamples=0), jd, hd, TaskContext(kind="categorical", labels=SCHEMA)
    )
    assert res.scores == plain.scores


def test_multilabel_strategy_accuracy_is_exact_match_and_majority_is_per_position():
    jd = pl.DataFrame({"original_id": ["a", "b"], "label": [["yes", "no"], ["no", "no"]]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "a", "a", "b", "b", "b"],
            "human_id": ["h1", "h2", "h3"] * 2,
            "label": [
                ["yes", "no"],
                ["yes", "yes"],
                ["no", "no"],
                ["no", "yes"],
                ["yes", "no"],
                ["no", "no"],
            ],
        }
    )
    comps = (TaskContext(kind="categorical", labels=("yes", "no")),) * 2
    ctx = TaskContext(kind="multilabel", components=comps, task_names=("t1", "t2"))
    res = run(AccuracyScorer(n_resamples=0), jd, hd, ctx)
    # exact match per human: h1 (a hit, b miss) 1/2; h2 (miss, miss) 0; h3 (miss, hit) 1/2
    assert res.metadata["per_human"] == pytest.approx({"h1": 0.5, "h2": 0.0, "h3": 0.5})
    assert res.scores["accuracy"] == pytest.approx(1 / 3)
    mv = TaskContext(kind="multilabel", components=comps, annotator_aggregation="majority_vote")
    res = run(AccuracyScorer(n_resamples=0), jd, hd, mv)
    # per-position majority: a -> (yes [2 of 3], no [2 of 3]) = judge; b -> (no, no) = judge
    assert res.scores["accuracy"] == 1.0


def test_degenerate_inputs_give_nan_with_reason_and_no_warning(frames):
    jd, hd = frames(LABELS, n_items=10, n_humans=1, seed=0)
    # no overlap
    other = hd.with_columns(pl.lit("zzz").alias("original_id"))
    res = run(AccuracyScorer(), jd, other)
    assert math.isnan(res.scores["accuracy"])
    assert res.metadata["warnings"]
    assert res.failed_comparisons == 1
    # single class everywhere: kappa undefined, accuracy 1
    jd1 = jd.with_columns(pl.lit("low").alias("label"))
    hd1 = hd.with_columns(pl.lit("low").alias("label"))
    k = run(CohensKappaScorer(), jd1, hd1)
    assert math.isnan(k.scores["kappa"])
    assert any("kappa" in w for w in k.metadata["warnings"])
    assert k.metadata["interpretation"] == "undefined"
    assert run(AccuracyScorer(), jd1, hd1).scores["accuracy"] == 1.0
    # one human: ceiling undefined
    assert math.isnan(k.metadata["human_ceiling"])
    # empty frames
    e = run(AccuracyScorer(), jd.head(0), hd.head(0))
    assert math.isnan(e.scores["accuracy"])


def test_option_validation_messages():
    with pytest.raises(ConfigError, match=r"'weights' parameter of CohensKappaScorer.*'quad'"):
        CohensKappaScorer(weights="quad")
    with pytest.raises(ConfigError, match=r"'metric' parameter of ClassificationScorer"):
        ClassificationScorer(metric="auc")
    with pytest.raises(ConfigError, match=r"'n_resamples'"):
        AccuracyScorer(n_resamples=-1)


def test_numeric_labels_are_scored_as_classes():
    jd = pl.DataFrame({"original_id": ["a", "b", "c"], "label": [1, 2, 3]})
    hd = pl.DataFrame({"original_id": ["a", "b", "c"], "human_id": ["h"] * 3, "label": [1, 3, 3]})
    ctx = TaskContext(kind="numeric", labels=(1, 2, 3))
    res = run(CohensKappaScorer(weights="linear", n_resamples=0), jd, hd, ctx)
    assert res.scores["kappa"] == pytest.approx(
        cohen_kappa_score([1, 3, 3], [1, 2, 3], weights="linear"), abs=1e-12
    )
