"""Scorers compute and touch no file; the writer in report/ writes; imports stay light."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import numpy as np
import polars as pl

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.scores import TaskContext, task_context
from meta_evaluator.scores.enums import TaskAggregationMode
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    CohensKappaScorer,
    FleissKappaScorer,
    KrippendorffAlphaScorer,
)


def _snapshot(root):
    return sorted(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
    )


def test_compute_score_async_writes_nothing_under_the_project(tmp_path, monkeypatch):
    ev = MetaEvaluator(tmp_path / "project", load=False)
    ev.add_eval_task(EvalTask(task_schemas={"t": ["a", "b"]}, response_columns=["r"]))
    ev.save_state()
    monkeypatch.chdir(ev.project_dir)
    before = _snapshot(ev.project_dir)
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(50)]
    jd = pl.DataFrame({"original_id": ids, "label": rng.choice(["a", "b"], 50).tolist()})
    hd = pl.DataFrame(
        {
            "original_id": ids * 3,
            "human_id": [f"h{k}" for k in range(3) for _ in ids],
            "label": rng.choice(["a", "b"], 150).tolist(),
        }
    )
    scorers = [
        AccuracyScorer(n_resamples=20),
        CohensKappaScorer(n_resamples=20),
        FleissKappaScorer(n_resamples=20),
        KrippendorffAlphaScorer(n_resamples=20),
        AltTestScorer(min_instances_per_human=10, n_resamples=20),
    ]

    async def go():
        with task_context(TaskContext(kind="categorical", labels=("a", "b"))):
            return [
                await s.compute_score_async(jd, hd, "t", "j", TaskAggregationMode.SINGLE)
                for s in scorers
            ]

    results = asyncio.run(go())
    assert all(r.headline is not None for r in results)
    assert _snapshot(ev.project_dir) == before


def test_importing_the_scorers_loads_no_matplotlib_and_no_openai():
    code = (
        "import sys, meta_evaluator.scores.metrics, meta_evaluator.scores; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'openai')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
