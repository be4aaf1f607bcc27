"""AnnotationStore: add / overwrite, the scorer frame, and the save/load round trip."""

from __future__ import annotations

import json

import polars as pl
import pytest

from meta_evaluator import columns as C
from meta_evaluator.annotations import AnnotationStore, load_annotation_file
from meta_evaluator.errors import AnnotationError, DataError, ProjectError, TaskSchemaError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema

TASK = EvalTask(
    task_schemas={
        "rejection": ["rejection", "not rejection"],
        "score": [1, 2, 3],
        "note": None,
        "harms": MultiLabelSchema(outcomes=["a", "b"]),
    },
    response_columns=["llm_response"],
)


def frame(annotator: str, labels: list[str | None]) -> pl.DataFrame:
    n = len(labels)
    return pl.DataFrame(
        {
            C.ORIGINAL_ID: [str(i) for i in range(n)],
            C.ANNOTATOR_ID: [annotator] * n,
            "rejection": labels,
            "score": ["1", "2", None][:n] + [None] * max(0, n - 3),
            "harms": ["a|b", None, "[]"][:n] + [None] * max(0, n - 3),
        }
    )


def test_add_and_query():
    store = AnnotationStore(TASK)
    assert store.annotator_ids == [] and len(store) == 0
    assert store.long_frame().columns == [C.ORIGINAL_ID, C.ANNOTATOR_ID, *TASK.task_names]
    assert store.human_data("rejection").height == 0
    store.add(frame("h2", ["rejection", None, "not rejection"]))
    store.add(frame("h1", ["rejection", "rejection", None]))
    assert store.annotator_ids == ["h1", "h2"]
    assert "h1" in store and "zz" not in store
    assert store.long_frame().height == 6
    human = store.human_data("rejection")
    assert human.columns == [C.ORIGINAL_ID, C.HUMAN_ID, C.LABEL]
    assert human.rows() == [
        ("0", "h1", "rejection"),
        ("1", "h1", "rejection"),
        ("0", "h2", "rejection"),
        ("2", "h2", "not rejection"),
    ]
    assert store.human_data("score")[C.LABEL].to_list() == [1, 2, 1, 2]
    # the empty set is a label ("none of the outcomes"), null is not
    assert store.human_data("harms")[C.LABEL].to_list() == [["a", "b"], [], ["a", "b"], []]
    assert store.human_data("note").height == 0


def test_add_long_frame_with_several_annotators():
    store = AnnotationStore(TASK)
    store.add(pl.concat([frame("a", ["rejection"]), frame("b", ["rejection"])]))
    assert store.annotator_ids == ["a", "b"]


def test_existing_annotator_needs_overwrite():
    store = AnnotationStore(TASK)
    store.add(frame("h1", ["rejection", None, None]))
    with pytest.raises(AnnotationError, match=r"\['h1'\] already have annotations.*overwrite=True"):
        store.add(pl.concat([frame("h1", ["not rejection"]), frame("h9", ["rejection"])]))
    assert store.annotator_ids == ["h1"]  # nothing was added
    store.add(frame("h1", ["not rejection"]), overwrite=True)
    assert store.human_data("rejection").rows() == [("0", "h1", "not rejection")]


def test_add_validates_frame():
    store = AnnotationStore(TASK)
    with pytest.raises(AnnotationError, match=r"annotation frame, task 'rejection'.*'nope'"):
        store.add(frame("h1", ["nope"]))


def test_unknown_task_and_remove():
    store = AnnotationStore(TASK)
    store.add(frame("h1", ["rejection"]))
    with pytest.raises(TaskSchemaError, match="Unknown task 'zz'"):
        store.human_data("zz")
    store.remove("h1")
    assert store.annotator_ids == []
    with pytest.raises(DataError, match="No annotations for annotator 'h1'"):
        store.remove("h1")


def test_save_load_round_trip_with_unsafe_ids(tmp_path):
    store = AnnotationStore(TASK)
    store.add(frame("team/alice", ["rejection", None, "not rejection"]))
    store.add(frame("team_alice", ["not rejection", "rejection", None]))
    store.add(frame("bob", ["rejection", "rejection", "rejection"]))
    store.save(tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "state.json" in files and "bob.parquet" in files
    assert len([f for f in files if f.endswith(".parquet")]) == 3  # no name clash
    state = json.loads((tmp_path / "state.json").read_text())
    assert {e["annotator_id"] for e in state["annotators"]} == {"team/alice", "team_alice", "bob"}
    assert next(e for e in state["annotators"] if e["annotator_id"] == "bob")["n_labels"] == {
        "rejection": 3,
        "score": 2,
        "note": 0,
        "harms": 2,
    }
    back = AnnotationStore.load(tmp_path, TASK)
    assert back.annotator_ids == store.annotator_ids
    assert back.long_frame().equals(store.long_frame(), null_equal=True)
    assert back.long_frame().schema == store.long_frame().schema


def test_load_from_file_then_store(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("original_id,score\n1,3\n2,\n")
    store = AnnotationStore(TASK)
    store.add(load_annotation_file(path, task=TASK, annotator_id="h1"))
    assert store.human_data("score").rows() == [("1", "h1", 3)]


def test_load_errors(tmp_path):
    with pytest.raises(ProjectError, match=r"Cannot read annotation state .*state\.json"):
        AnnotationStore.load(tmp_path, TASK)
    store = AnnotationStore(TASK)
    store.add(frame("h1", ["rejection"]))
    store.save(tmp_path)
    (tmp_path / "h1.parquet").unlink()
    with pytest.raises(ProjectError, match=r"Cannot read annotations of 'h1'"):
        AnnotationStore.load(tmp_path, TASK)


def test_load_with_changed_task_reports_bad_labels(tmp_path):
    store = AnnotationStore(TASK)
    store.add(frame("h1", ["rejection"]))
    store.save(tmp_path)
    changed = EvalTask(task_schemas={"rejection": ["yes", "no"]}, response_columns=["r"])
    with pytest.raises(AnnotationError, match=r"saved annotations .*h1\.parquet'.*'rejection'"):
        AnnotationStore.load(tmp_path, changed)
