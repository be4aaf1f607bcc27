"""Opening a shared project never imports a module it names (issue 6, trust boundary).

A custom scorer's import path from a loaded ``state.json`` is imported only when its module is
already imported (the user's own scorer module) or the user opts in; the class must then be a
``BaseScorer``.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import polars as pl
import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import EvalData
from meta_evaluator.errors import MetricConfigError
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores._trust import TRUST_ENV

LABELS = ["yes", "no"]
MODULE = "shared_scorer_mod_l2"

SCORER_SOURCE = """
import pathlib

import polars as pl

from meta_evaluator.scores.base_scorer import BaseScorer
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

pathlib.Path({marker!r}).write_text("imported")  # what a hostile module could do on import


class SharedScorer(BaseScorer):
    def __init__(self):
        super().__init__(scorer_name="shared_match")

    def can_score_task(self, sample_label):
        return isinstance(sample_label, str)

    async def compute_score_async(self, judge_data, human_data, task_name, judge_id, mode):
        pairs = judge_data.join(human_data, on="original_id", how="inner")
        match = (pairs["label"] == pairs["label_right"]).mean()
        return BaseScoringResult(
            scorer_name=self.scorer_name, task_name=task_name, judge_id=judge_id,
            scores={{"match": float(match)}}, metadata={{}}, aggregation_mode=mode,
            num_comparisons=pairs.height, failed_comparisons=0,
        )


NotAScorer = pl.DataFrame
"""


@pytest.fixture
def scorer_module(tmp_path, monkeypatch):
    """A module file on sys.path (like an ``evil.py`` in the current directory), not imported."""
    src = tmp_path / "src"
    src.mkdir()
    marker = tmp_path / "imported.marker"
    (src / f"{MODULE}.py").write_text(textwrap.dedent(SCORER_SOURCE.format(marker=str(marker))))
    monkeypatch.syspath_prepend(str(src))
    monkeypatch.delenv(TRUST_ENV, raising=False)
    sys.modules.pop(MODULE, None)
    yield marker
    sys.modules.pop(MODULE, None)


def forget_module(marker):
    """Start afresh: the module is not imported and has left no marker."""
    sys.modules.pop(MODULE, None)
    marker.unlink()


def shared_project(path, marker):
    """A saved project whose metrics config uses ``SharedScorer``; then the module is forgotten.

    Judge j1 agrees with human h1 on 4 of the 6 items.
    """
    mod = importlib.import_module(MODULE)
    ev = MetaEvaluator(path, load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"verdict": LABELS}, prompt_columns=["prompt"], response_columns=["resp"]
        )
    )
    ids = [f"q{i}" for i in range(6)]
    frame = pl.DataFrame({"qid": ids, "prompt": ids, "resp": ids})
    ev.add_data(EvalData.from_frame("d", frame, id_column="qid"))
    human = ["yes", "no", "yes", "no", "yes", "no"]
    judge = ["yes", "no", "yes", "no", "no", "yes"]
    pl.DataFrame({"original_id": ids, "verdict": human}).write_csv(path.parent / "h1.csv")
    pl.DataFrame({"original_id": ids, "verdict": judge}).write_csv(path.parent / "j1.csv")
    ev.add_external_annotation_results(path.parent / "h1.csv", annotator_id="h1")
    ev.add_external_judge_results(path.parent / "j1.csv", judge_id="j1")
    ev.add_metrics_config(
        MetricsConfig(metrics=[MetricConfig(scorer=mod.SharedScorer(), task_names=["verdict"])])
    )
    ev.save_state()
    state = json.loads((path / "state.json").read_text())
    assert state["metrics"][0]["scorer"]["class"] == f"{MODULE}:SharedScorer"
    forget_module(marker)


def test_opening_a_project_does_not_import_the_module_it_names(tmp_path, scorer_module):
    shared_project(tmp_path / "p", scorer_module)
    with pytest.raises(MetricConfigError) as err:
        MetaEvaluator(tmp_path / "p", load=True)
    assert not scorer_module.exists()  # the module's code never ran
    assert MODULE not in sys.modules
    message = str(err.value)
    for part in (
        "state.json",
        "metrics[0]",
        "'scorer.class'",
        f"'{MODULE}:SharedScorer'",
        f"import {MODULE}",
        "trust_scorer_modules=True",
        TRUST_ENV,
    ):
        assert part in message


def test_after_importing_the_module_the_project_loads_and_scores(tmp_path, scorer_module):
    shared_project(tmp_path / "p", scorer_module)
    importlib.import_module(MODULE)  # the user imports their own scorer module first
    ev = MetaEvaluator(tmp_path / "p", load=True)
    assert type(ev.metrics_configs[0].scorer).__name__ == "SharedScorer"
    (result,) = ev.compare_async()
    assert result.scores == {"match": pytest.approx(4 / 6, abs=1e-12)}


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_an_explicit_opt_in_imports_the_module(tmp_path, scorer_module, monkeypatch, how):
    shared_project(tmp_path / "p", scorer_module)
    if how == "argument":
        ev = MetaEvaluator(tmp_path / "p", load=True, trust_scorer_modules=True)
    else:
        monkeypatch.setenv(TRUST_ENV, "1")
        ev = MetaEvaluator(tmp_path / "p", load=True)
    assert scorer_module.exists()
    assert type(ev.metrics_configs[0].scorer).__name__ == "SharedScorer"


def test_an_imported_non_scorer_class_is_refused(tmp_path, scorer_module):
    importlib.import_module(MODULE)
    state = MetricConfig(scorer=sys.modules[MODULE].SharedScorer(), task_names=["t"]).to_state()
    state["scorer"]["class"] = f"{MODULE}:NotAScorer"
    with pytest.raises(MetricConfigError, match=r"'scorer\.class'.*not a BaseScorer subclass"):
        MetricConfig.from_state(state)


def test_a_stored_callable_parameter_follows_the_same_rule(tmp_path, scorer_module):
    state = MetricConfig(
        scorer=importlib.import_module("meta_evaluator.scores.metrics").AltTestScorer(),
        task_names=["t"],
    ).to_state()
    state["scorer"]["params"]["scoring_function"] = f"callable:{MODULE}.SharedScorer"
    with pytest.raises(MetricConfigError, match=r"'scorer\.params\.scoring_function'"):
        MetricConfig.from_state(state)
    assert not scorer_module.exists()
