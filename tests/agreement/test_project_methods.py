"""The thin project methods: annotator_agreement, unify_annotations, label_error_candidates."""

from __future__ import annotations

import json

import polars as pl
import pytest

from meta_evaluator import MetaEvaluator
from meta_evaluator.agreement import (
    AgreementReport,
    agreement_from_frames,
    label_errors_from_frames,
    unify_from_frames,
)
from meta_evaluator.data import DataLoader
from meta_evaluator.errors import ConfigError


@pytest.fixture
def project(tmp_path, task, annotations):
    ann = annotations(3, n_items=30)
    pl.DataFrame(
        {
            "qid": [f"s{i:03d}" for i in range(30)],
            "prompt": [f"p{i}" for i in range(30)],
            "response": [f"r{i}" for i in range(30)],
        }
    ).write_csv(tmp_path / "data.csv")
    ann.write_csv(tmp_path / "ann.csv")
    judge = ann.group_by("original_id").agg(pl.col("verdict").first(), pl.col("score").first())
    judge.write_csv(tmp_path / "judge.csv")
    ev = MetaEvaluator(tmp_path / "proj", load=False)
    ev.add_eval_task(task)
    ev.add_data(DataLoader.load_csv(name="d", file_path=tmp_path / "data.csv", id_column="qid"))
    ev.add_annotations_long_format(tmp_path / "ann.csv")
    ev.add_external_judge_results(tmp_path / "judge.csv", judge_id="j1")
    return ev


def test_project_methods_equal_the_frame_functions(project, tmp_path):
    ev = project
    humans = ev.load_all_human_annotations()
    judges = ev.load_all_judge_results()
    rep = ev.annotator_agreement("verdict")
    assert isinstance(rep, AgreementReport)
    ref = agreement_from_frames(ev.eval_task, "verdict", humans, judges, data=ev.data)
    assert rep.overall == ref.overall
    assert rep.pairwise.equals(ref.pairwise) and rep.per_item.equals(ref.per_item)
    assert "j1" in set(rep.per_annotator["annotator_id"])
    assert "j1" not in set(
        ev.annotator_agreement("verdict", include_judges=False).per_annotator["annotator_id"]
    )
    assert ev.unify_annotations("score", strategy="mean").equals(
        unify_from_frames(ev.eval_task, "score", humans, strategy="mean", data=ev.data)
    )
    cands = ev.label_error_candidates("verdict", include_all=True)
    assert cands.equals(
        label_errors_from_frames(
            ev.eval_task, "verdict", humans, judges, include_all=True, data=ev.data
        )
    )
    # data order, and the Label Studio file carries the sample's columns
    assert rep.per_item["original_id"].to_list() == sorted(rep.per_item["original_id"])
    n = rep.export_label_studio(tmp_path / "review.json", threshold=1.0)
    tasks = json.loads((tmp_path / "review.json").read_text())
    assert n == len(tasks) > 0
    assert set(tasks[0]["data"]) == {"qid", "prompt", "response", "original_id"}


def test_unknown_judge_is_a_clear_error(project):
    with pytest.raises(ConfigError, match=r"no results for judge\(s\) \['nope'\]"):
        project.label_error_candidates("verdict", judges=["nope"])
    assert project.label_error_candidates("verdict", judges=["j1"]).columns[:4] == [
        "original_id",
        "consensus",
        "suggested_label",
        "score",
    ]
