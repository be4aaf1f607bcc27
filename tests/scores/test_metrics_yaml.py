"""Metric configs from a YAML ``metrics:`` list."""

from __future__ import annotations

import pytest

from meta_evaluator.errors import MetricConfigError
from meta_evaluator.scores import MetricConfig
from meta_evaluator.scores._metrics_yaml import load_metrics_yaml, scorer_names
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    ClassificationScorer,
    CohensKappaScorer,
)

YAML = """
metrics:
  - scorer: accuracy
    tasks: [rejection]
    aggregation: majority_vote
    name: acc_majority
  - scorer: alt_test
    task: rejection
    options: {epsilon: 0.15, min_instances_per_human: 20}
  - scorer: f1
    task_names: [rejection]
    options: {average: weighted}
  - scorer: CohensKappaScorer
    tasks: [rejection]
    task_strategy: single
    annotator_aggregation: individual_average
    options: {weights: quadratic}
"""


def test_reads_every_form(tmp_path):
    path = tmp_path / "metrics.yaml"
    path.write_text(YAML, encoding="utf-8")
    configs = load_metrics_yaml(path).metrics
    assert [type(c.scorer) for c in configs] == [
        AccuracyScorer,
        AltTestScorer,
        ClassificationScorer,
        CohensKappaScorer,
    ]
    acc, alt, f1, kappa = configs
    assert acc.annotator_aggregation == "majority_vote" and acc.unique_name().endswith(
        "_acc_majority"
    )
    assert alt.task_names == ["rejection"] and alt.scorer.epsilon == 0.15
    assert alt.scorer.min_instances_per_human == 20
    assert f1.scorer.scorer_name == "f1" and f1.scorer.average == "weighted"
    assert kappa.scorer.weights == "quadratic"
    # the same configs as written in Python have the same identity (results directory)
    same = MetricConfig(
        scorer=AccuracyScorer(),
        task_names=["rejection"],
        annotator_aggregation="majority_vote",
        name="acc_majority",
    )
    assert acc.unique_name() == same.unique_name()


def test_custom_scorer_by_import_path(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "metrics:\n  - scorer: meta_evaluator.scores.metrics:TextSimilarityScorer\n"
        "    tasks: [explanation]\n",
        encoding="utf-8",
    )
    assert load_metrics_yaml(path).metrics[0].scorer.scorer_name == "text_similarity"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metrics: []", r"top-level 'metrics:' list"),
        ("nope: 1", r"top-level 'metrics:' list"),
        (
            "metrics:\n  - scorer: acuracy\n    tasks: [t]",
            r"metrics\[0\]: unknown scorer 'acuracy'",
        ),
        ("metrics:\n  - scorer: accuracy", r"metrics\[0\]: missing 'tasks'"),
        (
            "metrics:\n  - scorer: accuracy\n    tasks: [t]\n    colour: red",
            r"unknown key 'colour'",
        ),
        (
            "metrics:\n  - scorer: alt_test\n    tasks: [t]\n    options: {eps: 1}",
            r"has no option\(s\) \['eps'\]",
        ),
        ("metrics:\n  - scorer: accuracy\n    tasks: [t]\n    strategy: both", r"metrics\[0\]"),
        (
            "metrics:\n  - {scorer: accuracy, tasks: [t]}\n  - {scorer: accuracy, tasks: [t]}",
            "same config",
        ),
        ("metrics: [oops", "not valid YAML"),
    ],
)
def test_bad_files_name_the_entry(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MetricConfigError, match=message):
        load_metrics_yaml(path)


def test_missing_file(tmp_path):
    with pytest.raises(MetricConfigError, match="Cannot read metrics file"):
        load_metrics_yaml(tmp_path / "none.yaml")


def test_scorer_names_are_builtin_scorer_names():
    assert "alt_test" in scorer_names() and "cohens_kappa" in scorer_names()
