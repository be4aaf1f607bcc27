"""Text and semantic similarity scorers against difflib / numpy."""

from __future__ import annotations

import asyncio
import difflib
import math

import numpy as np
import polars as pl
import pytest

from meta_evaluator.scores import TaskContext, task_context
from meta_evaluator.scores.enums import TaskAggregationMode
from meta_evaluator.scores.metrics import SemanticSimilarityScorer, TextSimilarityScorer

JD = pl.DataFrame(
    {"original_id": ["a", "b", "c"], "label": ["the cat sat", "a dog ran", "rain today"]}
)
HD = pl.DataFrame(
    {
        "original_id": ["a", "b", "c", "a", "b"],
        "human_id": ["h1", "h1", "h1", "h2", "h2"],
        "label": ["the cat sat down", "dogs run", "sunny today", "a cat sat", "a dog ran"],
    }
)


def run(scorer, jd, hd, ctx=None):
    async def go():
        with task_context(ctx):
            return await scorer.compute_score_async(jd, hd, "t", "j", TaskAggregationMode.SINGLE)

    return asyncio.run(go())


def ratio(a, b):
    return difflib.SequenceMatcher(None, a, b).ratio()


def test_text_similarity_individual_average_and_ceiling():
    res = run(TextSimilarityScorer(n_resamples=100), JD, HD)
    h1 = np.mean(
        [
            ratio("the cat sat", "the cat sat down"),
            ratio("a dog ran", "dogs run"),
            ratio("rain today", "sunny today"),
        ]
    )
    h2 = np.mean([ratio("the cat sat", "a cat sat"), 1.0])
    assert res.metadata["per_human"] == pytest.approx({"h1": h1, "h2": h2}, abs=1e-12)
    assert res.scores == {"similarity": pytest.approx((h1 + h2) / 2, abs=1e-12)}
    # ceiling: h1 vs h2 on a, b (symmetric in SequenceMatcher for these strings? use both orders)
    c1 = np.mean([ratio("a cat sat", "the cat sat down"), ratio("a dog ran", "dogs run")])
    c2 = np.mean([ratio("the cat sat down", "a cat sat"), ratio("dogs run", "a dog ran")])
    assert res.metadata["per_human_ceiling"] == pytest.approx({"h1": c1, "h2": c2}, abs=1e-12)
    assert res.metadata["ci_low"] <= res.scores["similarity"] <= res.metadata["ci_high"]


def test_text_similarity_majority_vote_is_best_match():
    ctx = TaskContext(kind="text", annotator_aggregation="majority_vote")
    res = run(TextSimilarityScorer(n_resamples=0), JD, HD, ctx)
    best = [
        max(ratio("the cat sat", "the cat sat down"), ratio("the cat sat", "a cat sat")),
        1.0,
        ratio("rain today", "sunny today"),
    ]
    assert res.scores["similarity"] == pytest.approx(np.mean(best), abs=1e-12)
    assert "aggregation_fallback" not in res.metadata


def test_text_similarity_positional_lists_average_the_tasks():
    jd = pl.DataFrame({"original_id": ["a"], "label": [["abc", "xyz"]]})
    hd = pl.DataFrame({"original_id": ["a"], "human_id": ["h"], "label": [["abd", "xyz"]]})
    ctx = TaskContext(kind="multilabel", components=(TaskContext(kind="text"),) * 2)
    res = run(TextSimilarityScorer(n_resamples=0), jd, hd, ctx)
    assert res.scores["similarity"] == pytest.approx((ratio("abc", "abd") + 1.0) / 2)


def fake_encoder(texts):
    # bag of letters a..z: a deterministic, model-free embedding
    out = np.zeros((len(texts), 26))
    for i, t in enumerate(texts):
        for ch in t:
            if "a" <= ch <= "z":
                out[i, ord(ch) - 97] += 1
    return out


def cos(a, b):
    x, y = fake_encoder([a])[0], fake_encoder([b])[0]
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def test_semantic_similarity_with_injected_encoder():
    res = run(SemanticSimilarityScorer(encoder=fake_encoder, n_resamples=0), JD, HD)
    h1 = np.mean(
        [
            cos("the cat sat", "the cat sat down"),
            cos("a dog ran", "dogs run"),
            cos("rain today", "sunny today"),
        ]
    )
    h2 = np.mean([cos("the cat sat", "a cat sat"), 1.0])
    assert res.scores["similarity"] == pytest.approx((h1 + h2) / 2, abs=1e-12)
    assert res.scorer_name == "semantic_similarity"


def test_similarity_no_overlap_is_nan():
    res = run(TextSimilarityScorer(), JD, HD.with_columns(pl.lit("zz").alias("original_id")))
    assert math.isnan(res.scores["similarity"])
    assert res.metadata["warnings"]


@pytest.mark.slow
def test_semantic_similarity_bundled_model_offline():
    s = SemanticSimilarityScorer(n_resamples=0)
    res = run(s, JD.head(1), HD.head(1))
    assert 0.5 < res.scores["similarity"] <= 1.0 + 1e-9
