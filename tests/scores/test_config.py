"""MetricConfig / MetricsConfig validation, unique names and state round trips."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

import meta_evaluator.scores as scores_pkg
import meta_evaluator.scores.metrics as metrics_pkg
from meta_evaluator.errors import MetricConfigError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.base_scorer import BaseScorer
from meta_evaluator.scores.enums import AnnotatorAggregation, TaskAggregationMode
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
    task_schemas={
        "rejection": ["rejection", "not rejection"],
        "hateful": ["yes", "no"],
        "stars": [1, 2, 3, 4, 5],
        "explanation": None,
        "topics": MultiLabelSchema(outcomes=["a", "b"]),
    },
    response_columns=["llm_response"],
)


class TextOnly(BaseScorer):
    def __init__(self):
        super().__init__(scorer_name="text_only")

    def can_score_task(self, sample_label: Any) -> bool:
        return isinstance(sample_label, str)

    async def compute_score_async(
        self, judge_data, human_data, task_name, judge_id, aggregation_mode
    ):
        raise NotImplementedError


class NeedsArgs(TextOnly):
    def __init__(self, x):
        super().__init__()
        self.x = x


def test_public_names():
    assert scores_pkg.__all__ == sorted(scores_pkg.__all__)
    assert metrics_pkg.__all__ == sorted(metrics_pkg.__all__)
    assert set(metrics_pkg.__all__) == {
        n for n in dir(metrics_pkg) if n.endswith("Scorer") and not n.startswith("_")
    }


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"task_names": ["a", "b"], "task_strategy": "single"}, r"'single' needs exactly 1 task"),
        ({"task_names": ["a"], "task_strategy": "multitask"}, r"needs 2 or more tasks"),
        ({"task_names": ["a"], "task_strategy": "multilabel"}, r"needs 2 or more tasks"),
        ({"task_names": ["a", "a"], "task_strategy": "multitask"}, r"duplicate task name"),
        ({"task_names": ["a"], "task_strategy": "multi"}, r"'task_strategy'.*got 'multi'"),
        (
            {"task_names": ["a"], "annotator_aggregation": "average"},
            r"'annotator_aggregation'.*got 'average'",
        ),
        ({"task_names": "a"}, r"must be a list of task names"),
        ({"task_names": []}, r"non-empty list"),
    ],
)
def test_config_errors(kwargs, match):
    with pytest.raises(MetricConfigError, match=match):
        MetricConfig(scorer=AccuracyScorer(), **kwargs)


def test_scorer_class_instead_of_instance():
    with pytest.raises(MetricConfigError, match="instance"):
        MetricConfig(scorer=AccuracyScorer, task_names=["a"])  # type: ignore[arg-type]


def test_enums_are_accepted():
    cfg = MetricConfig(
        scorer=AccuracyScorer(),
        task_names=["a", "b"],
        task_strategy=TaskAggregationMode.MULTITASK,
        annotator_aggregation=AnnotatorAggregation.MAJORITY_VOTE,
    )
    assert (cfg.task_strategy, cfg.annotator_aggregation) == ("multitask", "majority_vote")


def test_unique_name_format_and_hash():
    cfg = MetricConfig(
        scorer=CohensKappaScorer(),
        task_names=["hateful", "rejection"],
        task_strategy="multitask",
        name="agreement",
    )
    # default options: the original meta-evaluator's hash, MD5 of the sorted task names
    h = hashlib.md5(b"hateful_rejection").hexdigest()[:8]
    assert cfg.unique_name() == f"cohens_kappa_2tasks_{h}_agreement"
    # task order does not matter; parameters do
    same = MetricConfig(
        scorer=CohensKappaScorer(),
        task_names=["rejection", "hateful"],
        task_strategy="multitask",
        name="agreement",
    )
    assert same.unique_name() == cfg.unique_name()
    other = MetricConfig(
        scorer=CohensKappaScorer(weights="linear"),
        task_names=["rejection", "hateful"],
        task_strategy="multitask",
    )
    assert other.unique_name().endswith("_multitask")
    assert other.unique_name().split("_")[3] != h
    # other options: SHA-256 of what the config computes
    payload = {
        "scorer": "meta_evaluator.scores.metrics:CohensKappaScorer",
        "params": {"n_resamples": 1000, "weights": "linear"},
        "tasks": ["hateful", "rejection"],
        "strategy": "multitask",
        "aggregation": "individual_average",
    }
    sha = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()[:8]
    assert other.unique_name() == f"cohens_kappa_2tasks_{sha}_multitask"


def test_duplicate_configs_rejected():
    cfg = MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"])
    with pytest.raises(MetricConfigError, match="same config"):
        MetricsConfig(
            metrics=[cfg, MetricConfig(scorer=AccuracyScorer(), task_names=["rejection"])]
        )
    with pytest.raises(MetricConfigError, match=r"metrics\[0\] must be a MetricConfig"):
        MetricsConfig(metrics=["accuracy"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("scorer", "tasks", "strategy", "match"),
    [
        (AccuracyScorer(), ["nope"], "single", r"unknown task name\(s\) \['nope'\].*'rejection'"),
        (AccuracyScorer(), ["explanation"], "single", r"got \['text'\]"),
        (CohensKappaScorer(), ["explanation"], "single", r"kind"),
        (AltTestScorer(), ["explanation"], "single", r"kind"),
        (TextSimilarityScorer(), ["rejection"], "single", r"got \['categorical'\]"),
        (
            CohensKappaScorer(weights="linear"),
            ["hateful", "rejection"],
            "multilabel",
            r"weighted kappa",
        ),
        (KrippendorffAlphaScorer(level="ordinal"), ["topics"], "single", r"level='nominal'"),
        (AltTestScorer(), ["topics", "hateful"], "multilabel", r"MultiLabelSchema"),
        (TextOnly(), ["stars"], "single", r"can_score_task\(1\) returned False"),
        (TextOnly(), ["hateful", "rejection"], "multilabel", r"combined multilabel"),
    ],
)
def test_validate_against_errors(scorer, tasks, strategy, match):
    cfg = MetricConfig(scorer=scorer, task_names=tasks, task_strategy=strategy)
    with pytest.raises(MetricConfigError, match=match):
        cfg.validate_against(TASK)


@pytest.mark.parametrize(
    ("scorer", "tasks", "strategy"),
    [
        (AccuracyScorer(), ["rejection"], "single"),
        (AccuracyScorer(), ["stars"], "single"),
        (AccuracyScorer(), ["topics"], "single"),
        (AltTestScorer(), ["hateful", "rejection"], "multilabel"),
        (CohensKappaScorer(weights="quadratic"), ["stars"], "single"),
        (TextSimilarityScorer(), ["explanation"], "single"),
        (FleissKappaScorer(), ["hateful", "rejection"], "multitask"),
        (TextOnly(), ["explanation"], "single"),
    ],
)
def test_validate_against_ok(scorer, tasks, strategy):
    MetricConfig(scorer=scorer, task_names=tasks, task_strategy=strategy).validate_against(TASK)


@pytest.mark.parametrize(
    "scorer",
    [
        AccuracyScorer(n_resamples=10),
        ClassificationScorer(metric="f1", average="weighted"),
        CohensKappaScorer(weights="linear"),
        AltTestScorer(epsilon=0.1, multiplicative_epsilon=True, epsilons=(0.0, 0.1)),
        TextSimilarityScorer(),
        SemanticSimilarityScorer(model_name="my/model"),
        KrippendorffAlphaScorer(level="interval"),
        FleissKappaScorer(),
    ],
)
def test_state_round_trip_builtin(scorer):
    cfg = MetricConfig(
        scorer=scorer,
        task_names=["a", "b"],
        task_strategy="multitask",
        annotator_aggregation="majority_vote",
        name="x",
    )
    state = json.loads(json.dumps(MetricsConfig(metrics=[cfg]).to_state()))
    back = MetricsConfig.from_state(state).metrics[0]
    assert type(back.scorer) is type(scorer)
    assert back.scorer.config_params() == scorer.config_params()
    assert back.unique_name() == cfg.unique_name()


def test_state_round_trip_custom_and_errors():
    cfg = MetricConfig(scorer=TextOnly(), task_names=["explanation"])
    back = MetricConfig.from_state(cfg.to_state())
    assert isinstance(back.scorer, TextOnly)
    bad = MetricConfig(scorer=NeedsArgs(3), task_names=["explanation"]).to_state()
    with pytest.raises(MetricConfigError, match="no arguments"):
        MetricConfig.from_state(bad)
    gone = dict(cfg.to_state(), scorer={"class": "not_a_module_xyz:Scorer", "params": {}})
    with pytest.raises(MetricConfigError, match="cannot import"):
        MetricConfig.from_state(gone)
