"""Text and semantic similarity scorers against difflib / numpy."""

from __future__ import annotations

import difflib
import math

import numpy as np
import polars as pl
import pytest

from meta_evaluator.scores import TaskContext
from meta_evaluator.scores.metrics import SemanticSimilarityScorer, TextSimilarityScorer
from meta_evaluator.testing import run_scorer as run

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


def test_semantic_similarity_openai_embeddings_via_local_server(monkeypatch):
    """An OpenAI embedding model name goes through the openai SDK (here: the local fake server)."""
    from meta_evaluator.testing import FakeLLMServer

    monkeypatch.setenv("ME_TEST_EMBED_KEY", "sk-test-not-a-real-key")
    with FakeLLMServer() as server:
        s = SemanticSimilarityScorer(
            "text-embedding-3-small",
            n_resamples=0,
            api_key_env="ME_TEST_EMBED_KEY",
            base_url=server.base_url,
        )
        assert s.uses_openai
        res = run(s, JD, HD)
        # independent: fetch the same vectors with plain HTTP and compute cosines by hand
        import json
        import urllib.request

        texts = sorted({*JD["label"], *HD["label"]})
        req = urllib.request.Request(
            server.base_url + "/embeddings",
            data=json.dumps({"model": "text-embedding-3-small", "input": texts}).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
        )
        with urllib.request.urlopen(req) as r:
            vecs = {
                t: np.array(d["embedding"])
                for t, d in zip(texts, json.load(r)["data"], strict=True)
            }

    def c(a, b):
        return float(vecs[a] @ vecs[b] / (np.linalg.norm(vecs[a]) * np.linalg.norm(vecs[b])))

    h1 = np.mean(
        [
            c("the cat sat", "the cat sat down"),
            c("a dog ran", "dogs run"),
            c("rain today", "sunny today"),
        ]
    )
    h2 = np.mean([c("the cat sat", "a cat sat"), c("a dog ran", "a dog ran")])
    assert res.scores["similarity"] == pytest.approx((h1 + h2) / 2, abs=1e-12)


def test_semantic_similarity_openai_without_key_is_a_clear_error(monkeypatch):
    from meta_evaluator.errors import ConfigError

    monkeypatch.delenv("ME_MISSING_KEY", raising=False)
    s = SemanticSimilarityScorer("text-embedding-3-small", api_key_env="ME_MISSING_KEY")
    with pytest.raises(ConfigError, match="ME_MISSING_KEY"):
        s._encode(["x"])
