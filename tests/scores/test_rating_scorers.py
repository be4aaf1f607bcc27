"""GwetAC1Scorer, CorrelationScorer, MAEScorer and RMSEScorer against reference packages."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps
from sklearn.metrics import mean_absolute_error, mean_squared_error

from meta_evaluator.errors import ConfigError
from meta_evaluator.scores import TaskContext, task_context
from meta_evaluator.scores.enums import TaskAggregationMode
from meta_evaluator.scores.metrics import (
    CorrelationScorer,
    GwetAC1Scorer,
    MAEScorer,
    RMSEScorer,
)

SCHEMA = ("low", "mid", "high")
SCALE = (1, 2, 3, 4, 5)


def run(scorer, jd, hd, ctx=None):
    async def go():
        with task_context(ctx):
            return await scorer.compute_score_async(jd, hd, "t", "j", TaskAggregationMode.SINGLE)

    return asyncio.run(go())


def ratings_frames(seed=0, n=60, n_humans=3, p_missing=0.2):
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, n)
    ids = [f"s{i:03d}" for i in range(n)]
    judge = np.clip(truth + rng.integers(-1, 2, n), 1, 5).astype(float)
    jd = pl.DataFrame({"original_id": ids, "label": judge})
    rows = []
    for h in range(n_humans):
        lab = np.clip(truth + rng.integers(-1, 2, n) * (rng.random(n) < 0.5), 1, 5)
        rows += [(ids[i], f"h{h}", float(lab[i])) for i in range(n) if rng.random() >= p_missing]
    hd = pl.DataFrame(rows, schema=["original_id", "human_id", "label"], orient="row")
    return jd, hd


def paired(jd, hd, human):
    """(human values, judge values) on the items both rated."""
    j = dict(zip(jd["original_id"], jd["label"], strict=True))
    sub = hd.filter(pl.col("human_id") == human)
    items = [o for o in sub["original_id"] if j.get(o) is not None]
    h = dict(zip(sub["original_id"], sub["label"], strict=True))
    return np.array([h[o] for o in items], float), np.array([j[o] for o in items], float)


def humans_paired(hd, a, b):
    ha = dict(zip(*hd.filter(pl.col("human_id") == a).select("original_id", "label"), strict=True))
    hb = dict(zip(*hd.filter(pl.col("human_id") == b).select("original_id", "label"), strict=True))
    shared = sorted(set(ha) & set(hb))
    return np.array([ha[o] for o in shared], float), np.array([hb[o] for o in shared], float)


def gwet_reference(matrix, q):
    """Gwet (2014) AC1, item by item, for a raters x items matrix with nan = missing."""
    cols = [[v for v in matrix[:, i] if not np.isnan(v)] for i in range(matrix.shape[1])]
    rated = [c for c in cols if c]
    pair = [c for c in cols if len(c) >= 2]
    cats = range(q)
    pa = np.mean(
        [sum(c.count(k) * (c.count(k) - 1) for k in cats) / (len(c) * (len(c) - 1)) for c in pair]
    )
    pi = [np.mean([c.count(k) / len(c) for c in rated]) for k in cats]
    pe = sum(p * (1 - p) for p in pi) / (q - 1)
    return (pa - pe) / (1 - pe)


def test_gwet_ac1_with_and_without_judge(frames):
    jd, hd = frames(list(SCHEMA), n_items=50, n_humans=4, p_missing=0.3, seed=4)
    res = run(GwetAC1Scorer(n_resamples=20), jd, hd, TaskContext(kind="categorical", labels=SCHEMA))
    code = {lab: i for i, lab in enumerate(SCHEMA)}
    items = [o for o in jd["original_id"] if o in set(hd["original_id"])]
    humans = sorted(set(hd["human_id"]))
    lab = {(o, h): code[v] for o, h, v in hd.iter_rows()}
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    m = np.full((1 + len(humans), len(items)), np.nan)
    for i, o in enumerate(items):
        m[0, i] = code[judge[o]]
        for k, h in enumerate(humans):
            m[k + 1, i] = lab.get((o, h), np.nan)
    assert res.scores["ac1"] == pytest.approx(gwet_reference(m, 3), abs=1e-9)
    assert res.metadata["human_ceiling"] == pytest.approx(gwet_reference(m[1:], 3), abs=1e-9)
    assert res.metadata["per_human"]["h2"] == pytest.approx(gwet_reference(m[[0, 3]], 3), 1e-9)
    assert res.headline == res.scores["ac1"] and res.higher_is_better
    assert res.ci_low is not None and res.ci_low <= res.ci_high
    assert res.metadata["interpretation"] in {
        "slight",
        "fair",
        "moderate",
        "substantial",
        "almost perfect",
        "poor",
    }


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_correlation_matches_scipy_per_human(method):
    jd, hd = ratings_frames(seed=1)
    ctx = TaskContext(kind="numeric", labels=SCALE)
    res = run(CorrelationScorer(method=method, n_resamples=30), jd, hd, ctx)
    ref_f = {
        "pearson": sps.pearsonr,
        "spearman": sps.spearmanr,
        "kendall": lambda a, b: sps.kendalltau(a, b, method="asymptotic"),
    }[method]
    per = {}
    for h in ("h0", "h1", "h2"):
        ref = ref_f(*paired(jd, hd, h))
        per[h] = ref.statistic
        assert res.metadata["per_human"][h] == pytest.approx(ref.statistic, abs=1e-9)
        assert res.metadata["per_human_pvalue"][h] == pytest.approx(ref.pvalue, abs=1e-9)
    assert res.scores["correlation"] == pytest.approx(np.mean(list(per.values())), abs=1e-12)
    # ceiling: each human against the other humans, mean over the others, then over humans
    ceil = np.mean(
        [
            np.mean(
                [ref_f(*humans_paired(hd, a, b)).statistic for b in ("h0", "h1", "h2") if b != a]
            )
            for a in ("h0", "h1", "h2")
        ]
    )
    assert res.metadata["human_ceiling"] == pytest.approx(ceil, abs=1e-9)
    assert res.ci_low <= res.scores["correlation"] <= res.ci_high
    assert res.metadata["method"] == method


def test_mae_rmse_match_sklearn_and_lower_is_better():
    jd, hd = ratings_frames(seed=2)
    ctx = TaskContext(kind="numeric", labels=SCALE)
    mae_res = run(MAEScorer(n_resamples=50), jd, hd, ctx)
    rmse_res = run(RMSEScorer(n_resamples=20), jd, hd, ctx)
    maes, rmses = [], []
    for h in ("h0", "h1", "h2"):
        y_h, y_j = paired(jd, hd, h)
        maes.append(mean_absolute_error(y_h, y_j))
        rmses.append(math.sqrt(mean_squared_error(y_h, y_j)))
        assert mae_res.metadata["per_human"][h] == pytest.approx(maes[-1], abs=1e-12)
        assert rmse_res.metadata["per_human"][h] == pytest.approx(rmses[-1], abs=1e-12)
    assert mae_res.scores["mae"] == pytest.approx(np.mean(maes), abs=1e-12)
    assert rmse_res.scores["rmse"] == pytest.approx(np.mean(rmses), abs=1e-12)
    for res in (mae_res, rmse_res):
        assert res.higher_is_better is False
        assert res.ci_low <= res.headline <= res.ci_high


def test_mae_on_categorical_uses_schema_positions():
    jd = pl.DataFrame({"original_id": ["a", "b", "c"], "label": ["low", "high", "mid"]})
    hd = pl.DataFrame(
        {"original_id": ["a", "b", "c"], "human_id": ["h"] * 3, "label": ["mid", "low", "mid"]}
    )
    res = run(MAEScorer(n_resamples=0), jd, hd, TaskContext(kind="categorical", labels=SCHEMA))
    # positions low=0, mid=1, high=2: |0-1| + |2-0| + |1-1| = 3 over 3 items
    assert res.scores["mae"] == pytest.approx(1.0, abs=1e-12)
    assert res.metadata["scale"] == "schema positions"


def test_mae_majority_vote_uses_the_consensus_rating():
    ids = ["a", "b"]
    jd = pl.DataFrame({"original_id": ids, "label": [3.0, 1.0]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "a", "a", "b", "b"],
            "human_id": ["h1", "h2", "h3", "h1", "h2"],
            "label": [4.0, 4.0, 1.0, 2.0, 5.0],
        }
    )
    ctx = TaskContext(kind="numeric", labels=SCALE, annotator_aggregation="majority_vote")
    res = run(MAEScorer(n_resamples=0), jd, hd, ctx)
    # consensus a = 4 (2 of 3), b = tie 2/5 -> smallest 2: (|3-4| + |1-2|) / 2
    assert res.scores["mae"] == pytest.approx(1.0, abs=1e-12)


def test_caught_metric_warnings_are_logged_at_debug_only(caplog):
    import logging

    jd = pl.DataFrame({"original_id": ["a", "b"], "label": [2.0, 2.0]})
    hd = pl.DataFrame({"original_id": ["a", "b"], "human_id": ["h", "h"], "label": [1.0, 3.0]})
    ctx = TaskContext(kind="numeric", labels=SCALE)
    with caplog.at_level(logging.INFO, logger="meta_evaluator"):
        res = run(CorrelationScorer(n_resamples=0), jd, hd, ctx)
    assert any("constant" in w for w in res.metadata["warnings"])  # kept in the result ...
    assert not [r for r in caplog.records if "constant" in r.getMessage()]  # ... not at INFO
    with caplog.at_level(logging.DEBUG, logger="meta_evaluator"):
        run(CorrelationScorer(n_resamples=0), jd, hd, ctx)
    notes = [r for r in caplog.records if "constant" in r.getMessage()]
    assert notes and all(r.levelno == logging.DEBUG for r in notes)


def test_degenerate_and_options():
    jd = pl.DataFrame({"original_id": ["a", "b"], "label": [2.0, 2.0]})
    hd = pl.DataFrame({"original_id": ["a", "b"], "human_id": ["h", "h"], "label": [1.0, 3.0]})
    res = run(CorrelationScorer(n_resamples=0), jd, hd, TaskContext(kind="numeric", labels=SCALE))
    assert math.isnan(res.scores["correlation"])
    assert any("constant" in w for w in res.metadata["warnings"])
    with pytest.raises(ConfigError, match="'method' parameter of CorrelationScorer"):
        CorrelationScorer(method="tau")
    assert CorrelationScorer(method="kendall").label() == "correlation(kendall)"
    assert MAEScorer().unsupported_reason(["text"], "single") is not None
    assert MAEScorer().unsupported_reason(["numeric"], "multilabel") is not None
