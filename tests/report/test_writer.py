"""The score writer: result files and charts per config, each chart rendered once."""

from __future__ import annotations

import asyncio

import numpy as np
import polars as pl

from meta_evaluator.eval_task import EvalTask
from meta_evaluator.report import ScoreReport, _charts
from meta_evaluator.scores import MetricConfig, MetricsConfig, compare_async
from meta_evaluator.scores.metrics import AccuracyScorer, AltTestScorer, CohensKappaScorer


def test_file_charts_and_html_charts_are_rendered_once(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(40)]
    judges = {"j1": pl.DataFrame({"original_id": ids, "t": rng.choice(["a", "b"], 40).tolist()})}
    humans = pl.DataFrame(
        {
            "original_id": ids * 3,
            "annotator_id": [f"h{k}" for k in range(3) for _ in ids],
            "t": rng.choice(["a", "b"], 120).tolist(),
        }
    )
    calls = []
    real = _charts._png_bytes
    monkeypatch.setattr(_charts, "_png_bytes", lambda fig: calls.append(fig) or real(fig))
    _charts._PNG_CACHE.clear()
    config = MetricsConfig(
        metrics=[
            MetricConfig(scorer=AccuracyScorer(n_resamples=20), task_names=["t"]),
            MetricConfig(scorer=CohensKappaScorer(n_resamples=20), task_names=["t"]),
            MetricConfig(
                scorer=AltTestScorer(min_instances_per_human=10, n_resamples=20), task_names=["t"]
            ),
        ]
    )
    results = asyncio.run(
        compare_async(
            config,
            task=EvalTask(task_schemas={"t": ["a", "b"]}, response_columns=["r"]),
            judge_labels=judges,
            human_labels=humans,
            scores_dir=tmp_path,
        )
    )
    pngs = sorted(p.name for p in tmp_path.glob("*/*/*.png"))
    assert pngs == [
        "accuracy_scores.png",
        "aggregate_advantage_probabilities.png",
        "aggregate_human_vs_llm_advantage.png",
        "aggregate_winning_rates.png",
        "cohens_kappa_scores.png",
    ]
    assert len(calls) == 5
    page = ScoreReport(results).to_html()
    assert page.count("data:image/png;base64,") == 4
    assert len(calls) == 5  # the page reused the files' renders
