"""Shared fixtures for the judge runner tests."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from meta_evaluator.eval_task import EvalTask

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def task() -> EvalTask:
    return EvalTask(
        task_schemas={"rejection": ["rejection", "not rejection"], "explanation": None},
        prompt_columns=["prompt"],
        response_columns=["llm_response"],
    )


def make_data(n: int, *, empty: tuple[int, ...] = ()) -> Any:
    """A stand-in for EvalData: the runner only reads ``.data``."""
    frame = pl.DataFrame(
        {
            "original_id": [f"id{i:04d}" for i in range(n)],
            "prompt": [f"question {i}" for i in range(n)],
            "llm_response": [None if i in empty else f"answer {i}" for i in range(n)],
        }
    )
    return SimpleNamespace(name="d", data=frame)


def answer(label: str = "rejection", why: str = "because") -> str:
    return json.dumps({"rejection": label, "explanation": why})
