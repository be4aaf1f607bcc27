from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from meta_evaluator import MetaEvaluator
from meta_evaluator.data import EvalData
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema

XSS = "<script>alert(1)</script>"


def make_project(
    path: Path,
    *,
    n: int = 20,
    multilabel: bool = False,
    guidelines: str | None = None,
    annotation_prompt: str | None = None,
) -> MetaEvaluator:
    """A saved project with ``n`` samples; sample 7's response is an XSS probe."""
    schemas: dict = {"verdict": ["good", "bad", "unsure"], "score": [1, 2, 3, 4, 5]}
    if multilabel:
        schemas["tags"] = MultiLabelSchema(outcomes=["rude", "wrong"])
        schemas["certainty"] = list(range(11))  # 0..10: a slider
        schemas["note"] = None
    ev = MetaEvaluator(path, load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas=schemas,
            prompt_columns=["prompt"],
            response_columns=["response"],
            annotation_prompt=annotation_prompt,
        )
    )
    responses = [f"answer number {i}\n" + "long line " * (40 if i == 2 else 1) for i in range(n)]
    responses[min(7, n - 1)] = XSS
    ev.add_data(
        EvalData.from_frame(
            "demo",
            pl.DataFrame(
                {
                    "id": [f"s{i:02d}" for i in range(n)],
                    "prompt": [f"question {i}: **bold** `code`" for i in range(n)],
                    "response": responses,
                }
            ),
            id_column="id",
        )
    )
    ev.save_state()
    if guidelines is not None:
        (path / "guidelines.md").write_text(guidelines, encoding="utf-8")
    return ev


@pytest.fixture
def project(tmp_path: Path) -> MetaEvaluator:
    return make_project(tmp_path / "proj")
