"""Issue 6 item 11: task_strategy="multilabel" over a categorical task plus a rating task.

The labels are (task, value) pairs: per sample the pair (rejection, severity). Each scorer is
checked against an independent computation on those pairs.
"""

from __future__ import annotations

import asyncio

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import cohen_kappa_score

from meta_evaluator.eval_task import EvalTask
from meta_evaluator.scores import MetricConfig, MetricsConfig, compare_async
from meta_evaluator.scores.metrics import AccuracyScorer, AltTestScorer, CohensKappaScorer
from meta_evaluator.stats._alt_test import alt_test

TASK = EvalTask(task_schemas={"rej": ["yes", "no"], "sev": [1, 2, 3]}, response_columns=["r"])
N, H = 60, 3


def _data():
    rng = np.random.default_rng(5)
    ids = [f"s{i:02d}" for i in range(N)]
    truth_r = rng.choice(["yes", "no"], N)
    truth_s = rng.integers(1, 4, N)

    def noisy(seed_shift):
        r = np.where(rng.random(N) < 0.2, rng.choice(["yes", "no"], N), truth_r)
        s = np.where(rng.random(N) < 0.3, rng.integers(1, 4, N), truth_s)
        return r.tolist(), [int(x) for x in s]

    jr, js = noisy(0)
    judges = {"j": pl.DataFrame({"original_id": ids, "rej": jr, "sev": js})}
    rows = {"original_id": [], "annotator_id": [], "rej": [], "sev": []}
    for h in range(H):
        r, s = noisy(h + 1)
        rows["original_id"] += ids
        rows["annotator_id"] += [f"h{h}"] * N
        rows["rej"] += r
        rows["sev"] += s
    return judges, pl.DataFrame(rows)


def _score(scorer):
    judges, humans = _data()
    cfg = MetricConfig(scorer=scorer, task_names=["rej", "sev"], task_strategy="multilabel")
    (res,) = asyncio.run(
        compare_async(
            MetricsConfig(metrics=[cfg]),
            task=TASK,
            judge_labels=judges,
            human_labels=humans,
            scores_dir=None,
        )
    )
    assert res.error is None, res.error
    j = judges["j"]
    pairs_j = [(r, s) for r, s in zip(j["rej"], j["sev"], strict=True)]
    pairs_h = [
        [(r, s) for r, s in zip(g["rej"], g["sev"], strict=True)]
        for _, g in humans.group_by("annotator_id", maintain_order=True)
    ]
    return res, pairs_j, pairs_h


def test_accuracy_is_exact_match_of_the_pairs():
    res, pj, ph = _score(AccuracyScorer(n_resamples=0))
    expected = np.mean([np.mean([a == b for a, b in zip(pj, h, strict=True)]) for h in ph])
    assert res.scores["accuracy"] == pytest.approx(expected, abs=1e-12)


def test_kappa_treats_each_pair_as_one_category():
    res, pj, ph = _score(CohensKappaScorer(n_resamples=0))
    enc = [f"{r}|{s}" for r, s in pj]
    expected = np.mean([cohen_kappa_score([f"{r}|{s}" for r, s in h], enc) for h in ph])
    assert res.scores["kappa"] == pytest.approx(expected, abs=1e-9)


def test_alt_test_uses_jaccard_over_task_value_pairs():
    res, pj, ph = _score(AltTestScorer(min_instances_per_human=10, n_resamples=0))
    judge = np.empty(N, dtype=object)
    judge[:] = [frozenset(enumerate(p)) for p in pj]
    humans = np.empty((H, N), dtype=object)
    for k, h in enumerate(ph):
        humans[k, :] = [frozenset(enumerate(p)) for p in h]

    def jaccard(a, b):
        return len(a & b) / len(a | b)

    ref = alt_test(
        judge,
        humans,
        human_ids=[f"h{k}" for k in range(H)],
        scoring=jaccard,
        min_instances_per_human=10,
    )
    assert res.scores["advantage_probability"] == pytest.approx(
        ref.advantage_probability, abs=1e-12
    )
    assert res.scores["winning_rate"] == pytest.approx(ref.winning_rates, abs=1e-12)
