"""Run the demo project end to end, offline: judge -> compare with humans -> score_report.html.

The data and the four annotators are simulated (see make_demo_data.py and README.md). The live
judge is the offline local judge (an embedding zero-shot classifier, no API key); a keyword-rule
baseline is imported as external judge results. Re-running reopens the project and resumes:
rows already judged are not queried again.

Usage::

    python projects/demo_rejection/run_demo.py [--project-dir DIR] [--fresh]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import DataLoader
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    CohensKappaScorer,
    KrippendorffAlphaScorer,
    SemanticSimilarityScorer,
    TextSimilarityScorer,
)

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"


def build(project_dir: Path) -> MetaEvaluator:
    """Create the project from inputs/ (first run)."""
    ev = MetaEvaluator(project_dir, load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"rejection": ["rejection", "not rejection"], "explanation": None},
            prompt_columns=["prompt"],
            response_columns=["llm_response"],
            answering_method="structured",
            structured_outputs_fallback=True,
        )
    )
    ev.add_data(
        DataLoader.load_csv(name="rejection", file_path=INPUTS / "data.csv", id_column="sample_id")
    )
    ev.load_judges_from_yaml(INPUTS / "judges.yaml")
    for f in sorted((INPUTS / "annotations").glob("*.csv")):
        ev.add_external_annotation_results(f, annotator_id=f.stem)
    ev.add_external_judge_results(
        INPUTS / "keyword_baseline_judge.csv", judge_id="keyword_baseline"
    )
    alt = AltTestScorer()
    alt.min_instances_per_human = 30
    ev.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
                MetricConfig(
                    scorer=AccuracyScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="majority_vote",
                ),
                MetricConfig(
                    scorer=CohensKappaScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
                MetricConfig(
                    scorer=alt,
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
                MetricConfig(
                    scorer=KrippendorffAlphaScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
                MetricConfig(
                    scorer=TextSimilarityScorer(),
                    task_names=["explanation"],
                    task_strategy="single",
                    annotator_aggregation="majority_vote",
                ),
                MetricConfig(
                    scorer=SemanticSimilarityScorer(),
                    task_names=["explanation"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
            ]
        )
    )
    ev.save_state(data_format="json")
    return ev


def main() -> None:
    """Build or reopen the demo project, run the judge, score, and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=HERE / "project")
    parser.add_argument("--fresh", action="store_true", help="delete the project dir first")
    args = parser.parse_args()
    if args.fresh and args.project_dir.exists():
        shutil.rmtree(args.project_dir)
    if (args.project_dir / "state.json").exists():
        ev = MetaEvaluator(args.project_dir, load=True)  # resume: finished rows are reused
    else:
        ev = build(args.project_dir)
    ev.run_judges_async(skip_duplicates=True)
    ev.compare_async()
    ev.score_report.print()
    report = ev.scores_dir / "score_report.html"
    print(f"\nScore report: {report}")


if __name__ == "__main__":
    main()
