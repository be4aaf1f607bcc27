"""Small annotation-team projects and frames for the agreement tests."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from meta_evaluator.data import EvalData
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema
from meta_evaluator.judges import JudgeResults


def make_task() -> EvalTask:
    return EvalTask(
        task_schemas={
            "verdict": ["unsafe", "safe", "unsure"],
            "score": [1, 2, 3, 4, 5],
            "tags": MultiLabelSchema(outcomes=["spam", "rude", "off_topic"]),
            "note": None,
        },
        prompt_columns=["prompt"],
        response_columns=["response"],
        answering_method="structured",
        required_tasks=["verdict"],
    )


def random_annotations(seed: int, n_items: int = 60, n_annotators: int = 4, p_missing=0.3):
    """Long annotations with correlated labels and missing cells."""
    rng = np.random.default_rng(seed)
    verdicts = np.array(["unsafe", "safe", "unsure"], dtype=object)
    truth_v = rng.integers(0, 3, n_items)
    truth_s = rng.integers(1, 6, n_items)
    rows = []
    for a in range(n_annotators):
        for i in range(n_items):
            if rng.random() < p_missing:
                continue
            v = truth_v[i] if rng.random() < 0.7 else rng.integers(0, 3)
            s = int(np.clip(truth_s[i] + rng.integers(-1, 2), 1, 5))
            rows.append((f"s{i:03d}", f"ann{a}", str(verdicts[v]), s))
    return pl.DataFrame(
        rows, schema=["original_id", "annotator_id", "verdict", "score"], orient="row"
    )


def judge_results(judge_id: str, labels: dict[str, str], confidence=None) -> JudgeResults:
    ids = list(labels)
    return JudgeResults(
        judge_id=judge_id,
        task_names=["verdict"],
        results_data=pl.DataFrame(
            {
                "original_id": ids,
                "status": ["success"] * len(ids),
                "verdict": [labels[i] for i in ids],
                "confidence": [None if confidence is None else confidence[i] for i in ids],
            },
            schema_overrides={"confidence": pl.Float64},
        ),
    )


def make_data(n_items: int) -> EvalData:
    return EvalData.from_frame(
        "d",
        pl.DataFrame(
            {
                "id": [f"s{i:03d}" for i in range(n_items)],
                "prompt": [f"prompt {i}" for i in range(n_items)],
                "response": [f"response {i}" for i in range(n_items)],
            }
        ),
        id_column="id",
    )


@pytest.fixture
def task() -> EvalTask:
    return make_task()


@pytest.fixture
def annotations():
    return random_annotations


@pytest.fixture
def judge():
    return judge_results


@pytest.fixture
def data():
    return make_data
