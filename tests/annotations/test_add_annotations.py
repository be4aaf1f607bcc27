"""MetaEvaluator.add_annotations: one entry point, judges saved, ids stable across exports."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

from meta_evaluator import MetaEvaluator
from meta_evaluator import columns as C
from meta_evaluator.data import DataLoader
from meta_evaluator.errors import AnnotationError, ProjectError
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.metrics import AccuracyScorer

from .test_importer_formats import FIX, LS_EMAILS, TASK


@pytest.fixture
def ev(tmp_path):
    data = tmp_path / "data.csv"
    pl.DataFrame(
        {
            "original_id": ["s001", "s002", "s003", "s004"],
            "prompt": ["p1", "p2", "p3", "p4"],
            "llm_response": ["r1", "r2", "r3", "r4"],
        }
    ).write_csv(data)
    project = MetaEvaluator(tmp_path / "project", load=False)
    project.add_eval_task(TASK)
    project.add_data(DataLoader.load_csv(name="d", file_path=data, id_column="original_id"))
    return project


def test_add_annotations_stores_labels_and_predictions_as_judges(ev):
    res = ev.add_annotations(FIX / "ls_snapshot.json")
    assert res.format == "label_studio_json"
    assert ev.annotations.annotator_ids == sorted(LS_EMAILS.values())
    judges = ev.load_all_judge_results()
    assert sorted(judges) == ["clf-v1", "clf_v2"]
    assert judges["clf-v1"].source == "external"
    assert judges["clf-v1"].results_data.height == 4
    # provenance without local paths (the project is shareable)
    assert judges["clf-v1"].info["source_file"] == "ls_snapshot.json"
    for state in ev.results_dir.glob("*/state.json"):
        assert str(FIX) not in state.read_text()
    # the imported judge is scored like any other
    ev.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                )
            ]
        )
    )
    results = ev.compare_async(judge_ids=["clf-v1"])
    # clf-v1 says "rejection" on s001 and s002: alice agrees on s001, not on s002 (1/2); bob
    # says "not rejection" on s001 (0/1); carol gave no rejection label. Mean over humans:
    assert results[0].scores["accuracy"] == pytest.approx((1 / 2 + 0 / 1) / 2, abs=1e-12)


def test_same_annotators_across_export_types_of_one_project(ev):
    ev.add_annotations(FIX / "ls_snapshot.json")  # pairs user ids with emails
    assert json.loads((ev.annotations_dir / "label_studio_users.json").read_text()) == LS_EMAILS
    before = ev.load_all_human_annotations()
    ev.add_annotations(FIX / "ls_quick.json", overwrite=True)  # user ids only
    assert ev.annotations.annotator_ids == sorted(LS_EMAILS.values())
    ev.add_annotations(FIX / "ls_export.csv", overwrite=True, judges=False)  # emails only
    after = ev.load_all_human_annotations()
    key = [C.ORIGINAL_ID, C.ANNOTATOR_ID]
    assert after.sort(key).equals(before.sort(key))
    ev.save_state()
    reopened = MetaEvaluator(ev.project_dir, load=True)
    assert reopened.annotations.annotator_ids == sorted(LS_EMAILS.values())


def test_quick_export_alone_uses_ls_user_ids_or_the_map(ev, tmp_path):
    ev.add_annotations(FIX / "ls_quick.json", judges=False)
    assert ev.annotations.annotator_ids == ["ls_user_3", "ls_user_5", "ls_user_9"]
    ev.annotations.remove("ls_user_3")
    ev.add_annotations(
        FIX / "ls_quick.json", judges=False, overwrite=True, annotator_map={"3": "alice"}
    )
    assert "alice" in ev.annotations.annotator_ids


def test_nothing_written_when_an_import_clashes(ev):
    ev.add_annotations(FIX / "ls_quick.json")
    judge_state = (ev.results_dir / "clf-v1" / "state.json").read_text()
    with pytest.raises(ProjectError, match=r"Judge\(s\) \['clf-v1', 'clf_v2'\] from this export"):
        ev.add_annotations(FIX / "ls_quick.json")
    with pytest.raises(AnnotationError, match=r"already have annotations"):
        ev.add_annotations(FIX / "ls_quick.json", judges=False)
    assert (ev.results_dir / "clf-v1" / "state.json").read_text() == judge_state
    assert ev.annotations.annotator_ids == ["ls_user_3", "ls_user_5", "ls_user_9"]


def test_aliases_go_through_the_registry(ev, tmp_path):
    ev.add_argilla_annotations(FIX / "argilla_v2_flat.jsonl")  # also a JSON lines file
    assert len(ev.annotations.annotator_ids) == 3
    assert "gpt-4o-mini" in ev.load_all_judge_results()
    csv = tmp_path / "one.tsv"
    csv.write_text("original_id\trejection\ns003\tnot rejection\n")
    ev.add_external_annotation_results(csv, annotator_id="h1")  # a TSV, detected by content
    assert ev.annotations.human_data("rejection").filter(pl.col(C.HUMAN_ID) == "h1").rows() == [
        ("s003", "h1", "not rejection")
    ]
    long = tmp_path / "long.json"
    long.write_text(json.dumps([{"original_id": "s004", "who": "h2", "quality": 3}]))
    ev.add_annotations_long_format(long, annotator_column="who")
    assert "h2" in ev.annotations.annotator_ids
    ev.add_label_studio_annotations(shutil.copy(FIX / "ls_json_min.json", tmp_path / "m.json"))
    assert "carol@x.org" in ev.annotations.annotator_ids


def test_annotator_map_applies_on_top_of_the_remembered_users(ev):
    ev.add_annotations(FIX / "ls_snapshot.json", judges=False)
    ev.add_annotations(
        FIX / "ls_quick.json", judges=False, overwrite=True, annotator_map={"alice@x.org": "alice"}
    )
    assert ev.annotations.annotator_ids == ["alice", "alice@x.org", "bob@x.org", "carol@x.org"]


def test_a_prediction_judge_never_takes_over_a_registered_judge(ev):
    ev.add_judge(judge_id="clf-v1", llm_client="openai", model="gpt-4o-mini", prompt="{prompt}")
    with pytest.raises(ProjectError, match=r"share their id with judge\(s\) registered"):
        ev.add_annotations(FIX / "ls_quick.json", overwrite=True)
    assert not ev.results_dir.exists() or not (ev.results_dir / "clf-v1").exists()
    assert len(ev.annotations) == 0


def test_judge_ids_that_are_not_plain_folder_names(ev):
    ev.add_annotations(
        FIX / "argilla_v1_text_classification.json", field_map={"annotation": "rejection"}
    )
    judges = ev.load_all_judge_results()
    assert sorted(judges) == ["MultinomialNB"]  # stored in an injective folder name
    assert judges["MultinomialNB"].results_data[C.CONFIDENCE].to_list() == [0.81, 0.65, 0.9, 0.8]
