"""The comparison driver: layout, JSON keys, strategies, failures, the seed custom scorer."""

# The seed's MyCustomScorer example below is copied verbatim (not reformatted, not linted):
# ruff: noqa: I001, F811, UP035, UP006, W291, E501, B905

from __future__ import annotations

import asyncio
import json
import logging
import math

import numpy as np
import polars as pl
import pytest

from meta_evaluator.errors import ColumnError, MetricConfigError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.scores import MetricConfig, MetricsConfig, compare_async, run_sync
from meta_evaluator.scores.base_scorer import BaseScorer
from meta_evaluator.scores.base_scoring_result import BaseScoringResult
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    CohensKappaScorer,
    TextSimilarityScorer,
)

# ---------------------------------------------------------------- the seed's example, verbatim
# fmt: off
from meta_evaluator.scores.enums import TaskAggregationMode
from typing import Any, List
import polars as pl

class MyCustomScorer(BaseScorer):
    def __init__(self):
        super().__init__(scorer_name="my_custom_scorer")

    def can_score_task(self, sample_label: Any) -> bool:
        """Determine if this scorer can handle the given data type.

        Args:
            sample_label: Sample of the actual data that will be scored

        Returns:
            True if scorer can handle this data type
        """
        # This example only works with a str or a list of str.
        if isinstance(sample_label, str):
            return True
        elif isinstance(sample_label, list):
            # Check if list contains str
            if len(sample_label) > 0:
                return isinstance(sample_label[0], str)
            return True  # Empty list is acceptable
        else:
            return False

    async def compute_score_async(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame, 
        task_name: str,
        judge_id: str,
        aggregation_mode: TaskAggregationMode,
    ) -> BaseScoringResult:
        """Compute alignment score between a single judge and all human data.

        Args:
            judge_data: DataFrame with 1 judge outcomes (columns: original_id, label)
            human_data: DataFrame with human outcomes (columns: original_id, human_id, label)
            task_name: Name of the task being scored
            judge_id: ID of the judge being scored
            aggregation_mode: How tasks were aggregated.

        Returns:
            Scoring result object
        """
        # Join judge and human data on original_id
        comparison_df = judge_data.join(human_data, on="original_id", how="inner")

        if comparison_df.is_empty():
            score = 0.0
            num_comparisons = 0
            failed_comparisons = 1
        else:
            judge_wins = []
            num_comparisons = 0
            failed_comparisons = 0

            # Compare judge vs each human annotator
            humans = comparison_df["human_id"].unique()
            for human_id in humans:
                try:
                    comparison_subset = comparison_df.filter(
                        pl.col("human_id") == human_id
                    )
                    judge_texts = comparison_subset["label"].to_list()
                    human_texts = comparison_subset["label_right"].to_list()

                    judge_more_A = 0
                    human_more_A = 0
                    for judge_text, human_text in zip(judge_texts, human_texts):
                        judge_count = str(judge_text).count("A")
                        human_count = str(human_text).count("A")
                        if judge_count > human_count:
                            judge_more_A += 1
                        else:
                            human_more_A += 1

                    # Judge "wins" if they have more A's in more instances
                    if judge_more_A > human_more_A:
                        judge_wins.append(1)
                    else:
                        judge_wins.append(0)

                    num_comparisons += 1

                except Exception as e:
                    self.logger.error(f"Error computing score: {e}")
                    failed_comparisons += 1
                    continue

            # Calculate win rate
            score = sum(judge_wins) / len(judge_wins) if len(judge_wins) > 0 else 0.0
            num_comparisons = len(comparison_df)

        return BaseScoringResult(
            scorer_name=self.scorer_name,
            task_name=task_name,
            judge_id=judge_id,
            scores={"win_rate": score},
            metadata={
                "human_annotators": len(comparison_df["human_id"].unique()) if not comparison_df.is_empty() else 0
            },
            aggregation_mode=aggregation_mode,
            num_comparisons=num_comparisons,
            failed_comparisons=failed_comparisons,
        )

    def aggregate_results(
        self,
        results: List[BaseScoringResult],
        scores_dir: str, 
        unique_name: str = ""
    ) -> None:
        """Optional: Takes in all judge results and generate aggregate visualizations.

        Args:
            results: List of scoring results
            scores_dir: Directory to save plots
            unique_name: Unique identifier for this configuration
        """
        # Optional: Create custom visualizations
        # self._create_custom_plots(results, scores_dir, unique_name)
        pass
# fmt: on
# ---------------------------------------------------------------- end of the seed's example

TASK = EvalTask(
    task_schemas={
        "rejection": ["rejection", "not rejection"],
        "hateful": ["yes", "no"],
        "text": None,
    },
    response_columns=["llm_response"],
)


def make_data(n=40, n_humans=3, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"s{i}" for i in range(n)]

    def col(labels, k):
        return [labels[i] for i in rng.integers(0, len(labels), k)]

    judges = {
        jid: pl.DataFrame(
            {
                "original_id": ids,
                "rejection": col(["rejection", "not rejection"], n),
                "hateful": col(["yes", "no"], n),
                "text": col(["AAb", "Ab", "b", "AAAA"], n),
            }
        )
        for jid in ("j1", "j2")
    }
    humans = pl.DataFrame(
        {
            "original_id": ids * n_humans,
            "annotator_id": [f"h{k}" for k in range(n_humans) for _ in ids],
            "rejection": col(["rejection", "not rejection"], n * n_humans),
            "hateful": col(["yes", "no"], n * n_humans),
            "text": col(["AAb", "Ab", "b", "AAAA"], n * n_humans),
        }
    )
    return judges, humans


def test_seed_custom_scorer_runs_unchanged(tmp_path):
    judges, humans = make_data()
    config = MetricsConfig(
        metrics=[
            MetricConfig(
                scorer=MyCustomScorer(),
                task_names=["text"],
                task_strategy="single",
                annotator_aggregation="individual_average",
            )
        ]
    )
    results = asyncio.run(
        compare_async(
            config, task=TASK, judge_labels=judges, human_labels=humans, scores_dir=tmp_path
        )
    )
    assert [r.judge_id for r in results] == ["j1", "j2"]
    uname = config.metrics[0].unique_name()
    for r in results:
        assert set(r.scores) == {"win_rate"}
        assert r.metadata["metric_config"] == uname
        assert r.metadata["human_annotators"] == 3
        path = tmp_path / "my_custom_scorer" / uname / f"{r.judge_id}_result.json"
        assert BaseScoringResult.load_state(path).scores == r.scores


def test_layout_json_keys_and_charts(tmp_path):
    judges, humans = make_data(n=40)
    alt = AltTestScorer()
    alt.min_instances_per_human = 10
    config = MetricsConfig(
        metrics=[
            MetricConfig(scorer=AccuracyScorer(n_resamples=50), task_names=["rejection"]),
            MetricConfig(
                scorer=CohensKappaScorer(n_resamples=50), task_names=["hateful"], name="agreement"
            ),
            MetricConfig(
                scorer=alt, task_names=["rejection", "hateful"], task_strategy="multilabel"
            ),
            MetricConfig(
                scorer=TextSimilarityScorer(n_resamples=0),
                task_names=["text"],
                annotator_aggregation="majority_vote",
            ),
        ]
    )
    results = asyncio.run(
        compare_async(
            config, task=TASK, judge_labels=judges, human_labels=humans, scores_dir=tmp_path
        )
    )
    assert len(results) == 8
    expected_keys = {
        "accuracy": {"accuracy"},
        "cohens_kappa": {"kappa"},
        "alt_test": {"winning_rate", "advantage_probability"},
        "text_similarity": {"similarity"},
    }
    for m in config.metrics:
        d = tmp_path / m.scorer.scorer_name / m.unique_name()
        files = sorted(p.name for p in d.iterdir())
        assert "j1_result.json" in files and "j2_result.json" in files
        assert f"{m.scorer.scorer_name}_scores.png" in files or m.scorer.scorer_name == "alt_test"
        data = json.loads((d / "j1_result.json").read_text())
        assert set(data) >= {
            "scorer_name",
            "task_name",
            "judge_id",
            "scores",
            "metadata",
            "aggregation_mode",
            "num_comparisons",
            "failed_comparisons",
            "timestamp",
        }
        assert set(data["scores"]) == expected_keys[m.scorer.scorer_name]
        assert data["metadata"]["metric_config"] == m.unique_name()
        assert data["metadata"]["task_strategy"] == m.task_strategy
        assert data["metadata"]["annotator_aggregation"] == m.annotator_aggregation
    alt_dir = tmp_path / "alt_test" / config.metrics[2].unique_name()
    for png in (
        "aggregate_winning_rates.png",
        "aggregate_advantage_probabilities.png",
        "aggregate_human_vs_llm_advantage.png",
    ):
        assert (alt_dir / png).stat().st_size > 0
    alt_res = json.loads((alt_dir / "j1_result.json").read_text())
    assert list(alt_res["scores"]["winning_rate"]) == [
        "0.00",
        "0.05",
        "0.10",
        "0.15",
        "0.20",
        "0.25",
        "0.30",
    ]
    assert alt_res["task_name"] == "rejection+hateful"
    assert alt_res["aggregation_mode"] == "multilabel"
    assert config.metrics[1].unique_name().endswith("_agreement")


def test_multitask_averages_tasks_and_keeps_per_task(tmp_path):
    judges, humans = make_data()
    cfg = MetricConfig(
        scorer=AccuracyScorer(n_resamples=0),
        task_names=["rejection", "hateful"],
        task_strategy="multitask",
    )
    res = asyncio.run(
        compare_async(
            MetricsConfig(metrics=[cfg]),
            task=TASK,
            judge_labels=judges,
            human_labels=humans,
            scores_dir=None,
        )
    )
    r = res[0]
    per = r.metadata["per_task"]
    assert set(per) == {"rejection", "hateful"}
    single = {
        t: asyncio.run(
            compare_async(
                MetricsConfig(
                    metrics=[MetricConfig(scorer=AccuracyScorer(n_resamples=0), task_names=[t])]
                ),
                task=TASK,
                judge_labels=judges,
                human_labels=humans,
                scores_dir=None,
            )
        )[0]
        for t in ("rejection", "hateful")
    }
    for t in per:
        assert per[t]["scores"]["accuracy"] == single[t].scores["accuracy"]
    assert r.scores["accuracy"] == pytest.approx(
        (single["rejection"].scores["accuracy"] + single["hateful"].scores["accuracy"]) / 2
    )
    assert r.aggregation_mode == TaskAggregationMode.MULTITASK
    assert r.task_name == "rejection+hateful"


def test_null_labels_are_dropped():
    judges, humans = make_data(n=10, n_humans=1)
    judges["j1"] = judges["j1"].with_columns(
        pl.when(pl.col("original_id") == "s0")
        .then(None)
        .otherwise(pl.col("rejection"))
        .alias("rejection")
    )
    cfg = MetricConfig(scorer=AccuracyScorer(n_resamples=0), task_names=["rejection"])
    res = asyncio.run(
        compare_async(
            MetricsConfig(metrics=[cfg]),
            task=TASK,
            judge_labels=judges,
            human_labels=humans,
            scores_dir=None,
        )
    )
    assert res[0].metadata["n_items"] == 9
    assert res[1].metadata["n_items"] == 10


class Exploding(MyCustomScorer):
    async def compute_score_async(
        self, judge_data, human_data, task_name, judge_id, aggregation_mode
    ):
        if judge_id == "j1":
            raise RuntimeError("boom")
        return await super().compute_score_async(
            judge_data, human_data, task_name, judge_id, aggregation_mode
        )


def test_scorer_failure_becomes_a_nan_result(tmp_path, caplog):
    judges, humans = make_data()
    cfg = MetricConfig(scorer=Exploding(), task_names=["text"])
    with caplog.at_level(logging.ERROR):
        res = asyncio.run(
            compare_async(
                MetricsConfig(metrics=[cfg]),
                task=TASK,
                judge_labels=judges,
                human_labels=humans,
                scores_dir=tmp_path,
            )
        )
    assert "boom" in res[0].metadata["error"]
    assert all(math.isnan(v) for v in res[0].scores.values())
    assert res[1].scores["win_rate"] >= 0
    assert any("boom" in r.getMessage() for r in caplog.records)
    assert (tmp_path / "my_custom_scorer" / cfg.unique_name() / "j1_result.json").exists()


def test_validation_happens_before_any_work(tmp_path):
    judges, humans = make_data()
    good = MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"])
    bad = MetricConfig(scorer=AccuracyScorer(), task_names=["text"])
    with pytest.raises(MetricConfigError, match="text"):
        asyncio.run(
            compare_async(
                MetricsConfig(metrics=[good, bad]),
                task=TASK,
                judge_labels=judges,
                human_labels=humans,
                scores_dir=tmp_path,
            )
        )
    assert not any(tmp_path.iterdir())
    with pytest.raises(ColumnError, match="annotator_id"):
        asyncio.run(
            compare_async(
                MetricsConfig(metrics=[good]),
                task=TASK,
                judge_labels=judges,
                human_labels=humans.drop("annotator_id"),
                scores_dir=None,
            )
        )


async def test_run_sync_inside_a_running_loop():
    judges, humans = make_data(n=10)
    cfg = MetricsConfig(
        metrics=[MetricConfig(scorer=AccuracyScorer(n_resamples=0), task_names=["rejection"])]
    )
    asyncio.get_running_loop()  # we are inside pytest-asyncio's loop
    res = run_sync(
        compare_async(cfg, task=TASK, judge_labels=judges, human_labels=humans, scores_dir=None)
    )
    assert len(res) == 2


def test_run_sync_without_loop():
    async def f():
        return 7

    assert run_sync(f()) == 7


def test_configs_on_one_task_share_one_label_table(monkeypatch):
    """Accuracy, kappa and the alt-test on one task align and encode the labels once per judge,
    and the shared table cannot be written into; the scores equal each config run alone."""
    from meta_evaluator.scores import _tables

    judges, humans = make_data(n=60)
    alt = AltTestScorer()
    alt.min_instances_per_human = 10
    metrics = [
        MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"]),
        MetricConfig(scorer=CohensKappaScorer(), task_names=["rejection"]),
        MetricConfig(scorer=alt, task_names=["rejection"]),
    ]

    def run(configs):
        config = MetricsConfig(metrics=configs)
        run = compare_async(
            config, task=TASK, judge_labels=judges, human_labels=humans, scores_dir=None
        )
        return asyncio.run(run)

    alone = [r for m in metrics for r in run([m])]
    built: list[_tables.LabelTable] = []
    real = _tables._build_table

    def counting(*args, **kwargs):
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(_tables, "_build_table", counting)
    together = run(metrics)
    assert len(built) == len(judges)  # one table per judge, not one per (config, judge)
    assert [(r.scorer_name, r.judge_id, r.scores) for r in together] == [
        (r.scorer_name, r.judge_id, r.scores) for r in alone
    ]
    with pytest.raises(ValueError, match="read-only"):
        built[0].humans[0, 0] = 1


def test_a_scorer_called_directly_never_reuses_a_table_of_a_frame_changed_in_place():
    """Outside a comparison nothing is shared: editing a frame in place changes the next score."""
    from meta_evaluator.testing import run_scorer

    jd = pl.DataFrame({"original_id": ["a", "b", "c", "d"], "label": ["x", "x", "y", "y"]})
    hd = pl.DataFrame(
        {"original_id": ["a", "b", "c", "d"], "human_id": ["h"] * 4, "label": ["x", "x", "y", "y"]}
    )
    scorer = AccuracyScorer(n_resamples=0)
    assert run_scorer(scorer, jd, hd).headline == 1.0
    hd[0, "label"] = "y"  # same frame object, new content
    jd[1, "label"] = "y"
    assert run_scorer(scorer, jd, hd).headline == 0.5  # a: x vs y, b: y vs x, c and d agree


def test_human_rows_without_an_id_are_left_out():
    from meta_evaluator.testing import run_scorer

    jd = pl.DataFrame({"original_id": ["a", "b"], "label": ["x", "y"]})
    hd = pl.DataFrame(
        {"original_id": ["a", None, "b"], "human_id": ["h", "h", "h"], "label": ["x", "y", "x"]}
    )
    result = run_scorer(AccuracyScorer(n_resamples=0), jd, hd)
    assert result.headline == 0.5 and result.num_comparisons == 2
