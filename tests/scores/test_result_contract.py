"""The typed BaseScoringResult contract: every built-in scorer fills it; old files still load."""

from __future__ import annotations

import asyncio
import json
import math

import numpy as np
import polars as pl
import pytest

from meta_evaluator.eval_task import EvalTask
from meta_evaluator.scores import MetricConfig, MetricsConfig, compare_async
from meta_evaluator.scores._config import config_labels
from meta_evaluator.scores.base_scoring_result import BaseScoringResult, ScoreError
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    ClassificationScorer,
    CohensKappaScorer,
    FleissKappaScorer,
    KrippendorffAlphaScorer,
    SemanticSimilarityScorer,
    TextSimilarityScorer,
)

TASK = EvalTask(
    task_schemas={"rejection": ["yes", "no"], "severity": [1, 2, 3], "text": None},
    response_columns=["resp"],
)


def _data(n=40, n_humans=3, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"s{i}" for i in range(n)]

    def col(labels, k):
        return [labels[i] for i in rng.integers(0, len(labels), k)]

    judges = {
        "j1": pl.DataFrame(
            {
                "original_id": ids,
                "rejection": col(["yes", "no"], n),
                "severity": col([1, 2, 3], n),
                "text": col(["ab", "abc", "b"], n),
            }
        )
    }
    humans = pl.DataFrame(
        {
            "original_id": ids * n_humans,
            "annotator_id": [f"h{k}" for k in range(n_humans) for _ in ids],
            "rejection": col(["yes", "no"], n * n_humans),
            "severity": col([1, 2, 3], n * n_humans),
            "text": col(["ab", "abc", "b"], n * n_humans),
        }
    )
    return judges, humans


def _encoder(texts):
    return [[len(t), t.count("a") + 1.0] for t in texts]


CONFIGS = [
    (AccuracyScorer(n_resamples=50), ["rejection"], "accuracy"),
    (ClassificationScorer(metric="f1", n_resamples=50), ["rejection"], "f1"),
    (CohensKappaScorer(weights="quadratic", n_resamples=50), ["severity"], "kappa"),
    (FleissKappaScorer(n_resamples=20), ["rejection"], "kappa"),
    (KrippendorffAlphaScorer(level="ordinal", n_resamples=20), ["severity"], "alpha"),
    (AltTestScorer(min_instances_per_human=10, n_resamples=50), ["rejection"], None),
    (TextSimilarityScorer(n_resamples=50), ["text"], "similarity"),
    (SemanticSimilarityScorer(encoder=_encoder, n_resamples=50), ["text"], "similarity"),
]


def _compare(configs, tmp_path=None, **data):
    judges, humans = _data(**data)
    return asyncio.run(
        compare_async(
            MetricsConfig(metrics=configs),
            task=TASK,
            judge_labels=judges,
            human_labels=humans,
            scores_dir=tmp_path,
        )
    )


@pytest.mark.parametrize(("scorer", "tasks", "key"), CONFIGS, ids=lambda v: str(v)[:20])
def test_every_builtin_fills_the_typed_fields(scorer, tasks, key, tmp_path):
    (result,) = _compare([MetricConfig(scorer=scorer, task_names=tasks)], tmp_path)
    expected_key = key or "advantage_probability"
    assert result.headline_key == expected_key
    assert result.headline == result.scores[expected_key]
    assert result.higher_is_better is True
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low <= result.ci_high
    assert result.ci_low == result.metadata["ci_low"]
    assert result.ci_high == result.metadata["ci_high"]
    if "human_ceiling" in result.metadata:
        assert result.human_ceiling == pytest.approx(result.metadata["human_ceiling"], nan_ok=True)
    assert result.warnings == result.metadata["warnings"]
    assert result.error is None
    assert result.config_label == MetricConfig(scorer=scorer, task_names=tasks).label()
    if key is None:
        rate = result.scores["winning_rate"]["0.20"]
        assert result.verdict == ("pass" if rate >= 0.5 else "fail")
    else:
        assert result.verdict is None
    # the typed fields survive the JSON round trip
    cfg = MetricConfig(scorer=scorer, task_names=tasks)
    path = tmp_path / scorer.scorer_name / cfg.unique_name() / "j1_result.json"
    back = BaseScoringResult.load_state(path)
    assert back.headline == pytest.approx(result.headline, nan_ok=True)
    assert (back.ci_low, back.ci_high, back.verdict) == (
        result.ci_low,
        result.ci_high,
        result.verdict,
    )
    assert back.config_label == result.config_label


def test_old_result_file_loads_and_fills_typed_fields_from_metadata(tmp_path):
    old = {
        "scorer_name": "accuracy",
        "task_name": "rejection",
        "judge_id": "j1",
        "scores": {"accuracy": None},
        "metadata": {
            "ci_low": 0.6,
            "ci_high": 0.8,
            "human_ceiling": 0.9,
            "warnings": ["w1"],
            "error": "ScoringError: boom",
            "passed": False,
        },
        "aggregation_mode": "single",
        "num_comparisons": 3,
        "failed_comparisons": 0,
        "timestamp": "2025-01-01T00:00:00Z",
    }
    path = tmp_path / "j1_result.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    r = BaseScoringResult.load_state(path)
    assert math.isnan(r.scores["accuracy"])
    assert (r.ci_low, r.ci_high, r.human_ceiling) == (0.6, 0.8, 0.9)
    assert r.warnings == ["w1"]
    assert r.error == ScoreError(type="ScoringError", message="boom")
    assert r.verdict == "fail"
    assert r.headline is None and r.config_label is None


def test_failed_scorer_is_an_error_as_data():
    class Broken(AccuracyScorer):
        def _score(self, *args):
            raise RuntimeError("kaput")

    (r,) = _compare([MetricConfig(scorer=Broken(n_resamples=0), task_names=["rejection"])])
    assert r.error is not None
    assert (r.error.type, r.error.message) == ("RuntimeError", "kaput")
    assert "kaput" in r.error.traceback
    assert math.isnan(r.headline)
    assert r.metadata["error"] == "RuntimeError: kaput"


def test_derived_labels_and_explicit_name():
    acc = MetricConfig(
        scorer=AccuracyScorer(), task_names=["rejection"], annotator_aggregation="majority_vote"
    )
    kappa = MetricConfig(scorer=CohensKappaScorer(weights="quadratic"), task_names=["severity"])
    alt = MetricConfig(
        scorer=AltTestScorer(epsilon=0.15),
        task_names=["rejection", "severity"],
        task_strategy="multitask",
    )
    named = MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"], name="my acc")
    assert acc.label() == "accuracy · rejection · majority"
    assert kappa.label() == "kappa(quadratic) · severity"
    assert alt.label() == "alt_test(ε=0.15) · rejection+severity · multitask"
    assert named.label() == "my acc"
    # the folder name (and its hash) is what it always was
    assert named.unique_name().endswith("_my acc")
    assert acc.unique_name().startswith("accuracy_1tasks_") and acc.unique_name().endswith(
        "_single"
    )


def test_labels_are_unique_in_a_project():
    a = MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"])
    b = MetricConfig(scorer=AccuracyScorer(n_resamples=10), task_names=["rejection"])
    c = MetricConfig(scorer=CohensKappaScorer(), task_names=["rejection"])
    labels = config_labels([a, b, c])
    assert len(set(labels.values())) == 3
    assert labels[a.unique_name()] == f"accuracy · rejection [{a.hash8()}]"
    assert labels[c.unique_name()] == "kappa · rejection"


def test_report_and_csv_use_readable_names(tmp_path):
    from meta_evaluator.report import ScoreReport

    results = _compare(
        [
            MetricConfig(scorer=AccuracyScorer(n_resamples=0), task_names=["rejection"]),
            MetricConfig(scorer=CohensKappaScorer(n_resamples=0), task_names=["severity"]),
        ]
    )
    frame = ScoreReport(results).to_frame()
    assert frame.columns == ["judge_id", "accuracy · rejection", "kappa · severity"]


def test_alt_test_that_cannot_run_is_insufficient_data_not_fail(tmp_path):
    """Issue 6 item 12: every human below min_instances_per_human -> insufficient_data."""
    from meta_evaluator.report import ScoreReport

    alt = AltTestScorer(min_instances_per_human=1000, n_resamples=0)
    (r,) = _compare([MetricConfig(scorer=alt, task_names=["rejection"])], tmp_path)
    assert r.verdict == "insufficient_data"
    assert r.verdict != "fail"
    assert math.isnan(r.scores["winning_rate"]["0.20"])
    assert math.isnan(r.headline)
    assert "min_instances_per_human=1000" in r.metadata["verdict_reason"]
    assert any("min_instances_per_human=1000" in w for w in r.warnings)
    page = ScoreReport([r]).to_html()
    assert "NOT ENOUGH DATA" in page and "FAIL" not in page
    # a real fail stays a fail
    strict = AltTestScorer(epsilon=0.0, min_instances_per_human=10, n_resamples=0)
    (f,) = _compare([MetricConfig(scorer=strict, task_names=["rejection"])], seed=3)
    assert f.verdict in ("pass", "fail")
