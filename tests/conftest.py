"""Shared helpers for the project-level tests (state, merging, trust boundary)."""

import polars as pl
import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import EvalData

LABELS = ["yes", "no"]


def task():
    return EvalTask(
        task_schemas={"verdict": LABELS}, prompt_columns=["prompt"], response_columns=["resp"]
    )


def build_small_project(path, *, prompt_file=None, **judge):
    ev = MetaEvaluator(path, load=False)
    ev.add_eval_task(task())
    frame = pl.DataFrame({"qid": ["a", "b", "c"], "prompt": ["p1", "p2", "p3"]})
    frame = frame.with_columns(resp=pl.col("prompt") + "!")
    ev.add_data(EvalData.from_frame("d", frame, id_column="qid"))
    kwargs = {"prompt_file": prompt_file} if prompt_file else {"prompt": "{prompt} {resp}"}
    ev.add_judge(judge_id="j", llm_client="openai", model="m", **kwargs, **judge)
    ev.save_state()
    return ev


@pytest.fixture
def make_project():
    """``make_project(path, prompt_file=None, **judge)``: a saved 3-row project with judge 'j'."""
    return build_small_project
