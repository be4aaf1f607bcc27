"""Krippendorff's alpha and Fleiss' kappa scorers against krippendorff / statsmodels."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import polars as pl
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from meta_evaluator.scores import TaskContext
from meta_evaluator.scores.metrics import FleissKappaScorer, KrippendorffAlphaScorer
from meta_evaluator.testing import run_scorer as run

SCHEMA = ("low", "mid", "high")


def reliability(jd, hd, order):
    """raters x items matrix (judge first, then humans sorted), nan = missing; items = the
    judge's items with at least one human label (the scorer's universe)."""
    code = {lab: i for i, lab in enumerate(order)}
    judge = dict(zip(jd["original_id"], jd["label"], strict=True))
    items = [o for o in jd["original_id"] if o in set(hd["original_id"])]
    humans = sorted(set(hd["human_id"]))
    lab = {(o, h): lb for o, h, lb in hd.iter_rows()}
    m = np.full((1 + len(humans), len(items)), np.nan)
    for i, o in enumerate(items):
        m[0, i] = code[judge[o]]
        for k, h in enumerate(humans):
            if (o, h) in lab:
                m[k + 1, i] = code[lab[o, h]]
    return m


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_with_and_without_judge_matches_krippendorff(frames, level):
    jd, hd = frames(list(SCHEMA), n_items=50, n_humans=4, p_missing=0.3, seed=7)
    ctx = TaskContext(kind="categorical", labels=SCHEMA)
    res = run(KrippendorffAlphaScorer(level=level, n_resamples=20), jd, hd, ctx)
    m = reliability(jd, hd, SCHEMA)
    ref_all = krippendorff.alpha(reliability_data=m, level_of_measurement=level)
    ref_humans = krippendorff.alpha(reliability_data=m[1:], level_of_measurement=level)
    assert res.scores["alpha"] == pytest.approx(ref_all, abs=1e-9)
    assert res.metadata["alpha_with_judge"] == pytest.approx(ref_all, abs=1e-9)
    assert res.metadata["human_ceiling"] == pytest.approx(ref_humans, abs=1e-9)
    assert res.metadata["alpha_humans_only"] == pytest.approx(ref_humans, abs=1e-9)
    h1 = krippendorff.alpha(reliability_data=m[[0, 2]], level_of_measurement=level)
    assert res.metadata["per_human"]["h1"] == pytest.approx(h1, abs=1e-9)
    assert res.metadata["ci_low"] <= res.metadata["ci_high"]
    assert res.metadata["n_resamples"] == 20


def test_alpha_on_numeric_ratings_interval():
    jd = pl.DataFrame({"original_id": list("abcde"), "label": [1.0, 2.0, 4.0, 5.0, 3.0]})
    hd = pl.DataFrame(
        {
            "original_id": list("abcde") + list("abcd"),
            "human_id": ["h1"] * 5 + ["h2"] * 4,
            "label": [1.0, 3.0, 4.0, 5.0, 2.0, 2.0, 2.0, 5.0, 4.0],
        }
    )
    ctx = TaskContext(kind="numeric", labels=(1, 2, 3, 4, 5))
    res = run(KrippendorffAlphaScorer(level="interval", n_resamples=0), jd, hd, ctx)
    m = np.array([[1, 2, 4, 5, 3], [1, 3, 4, 5, 2], [2, 2, 5, 4, np.nan]], dtype=float)
    assert res.scores["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=m, level_of_measurement="interval"), abs=1e-9
    )


def test_fleiss_matches_statsmodels_on_complete_data(frames):
    jd, hd = frames(list(SCHEMA), n_items=40, n_humans=4, seed=9)
    res = run(
        FleissKappaScorer(n_resamples=20), jd, hd, TaskContext(kind="categorical", labels=SCHEMA)
    )
    m = reliability(jd, hd, SCHEMA).astype(int)
    counts = np.stack([(m == k).sum(axis=0) for k in range(3)], axis=1)
    assert res.scores["kappa"] == pytest.approx(sm_fleiss(counts, method="fleiss"), abs=1e-9)
    hc = np.stack([(m[1:] == k).sum(axis=0) for k in range(3)], axis=1)
    assert res.metadata["human_ceiling"] == pytest.approx(sm_fleiss(hc, method="fleiss"), abs=1e-9)
    assert res.metadata["n_items_dropped"] == 0
    assert res.metadata["n_raters_per_item"] == 5


def test_fleiss_sparse_keeps_items_with_the_modal_rating_count():
    jd = pl.DataFrame({"original_id": list("abcd"), "label": ["x", "y", "x", "x"]})
    hd = pl.DataFrame(
        {
            "original_id": ["a", "a", "b", "b", "c", "c", "d"],
            "human_id": ["h1", "h2", "h1", "h2", "h1", "h2", "h1"],
            "label": ["x", "x", "y", "x", "x", "y", "x"],
        }
    )
    res = run(FleissKappaScorer(n_resamples=0), jd, hd)
    # items a, b, c have 3 ratings (judge + 2 humans); d has 2 and is dropped.
    # counts (x, y): a [3, 0], b [1, 2], c [2, 1]
    counts = np.array([[3, 0], [1, 2], [2, 1]])
    assert res.scores["kappa"] == pytest.approx(sm_fleiss(counts, method="fleiss"), abs=1e-12)
    assert res.metadata["n_items_dropped"] == 1


def test_panel_degenerate_single_rater_is_nan_with_reason():
    jd = pl.DataFrame({"original_id": ["a"], "label": ["x"]})
    hd = pl.DataFrame({"original_id": ["b"], "human_id": ["h1"], "label": ["x"]})
    res = run(KrippendorffAlphaScorer(), jd, hd)
    assert math.isnan(res.scores["alpha"])
    assert res.metadata["warnings"]
    res = run(FleissKappaScorer(), jd, hd)
    assert math.isnan(res.scores["kappa"])
