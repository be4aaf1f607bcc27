"""load_annotation_file: formats, normalisation per task kind, sparse labels and every error."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import polars as pl
import pytest

import meta_evaluator.annotations as ann_pkg
from meta_evaluator import columns as C
from meta_evaluator.annotations import load_annotation_file
from meta_evaluator.errors import (
    AnnotationError,
    ColumnError,
    ConfigError,
    DataFileError,
    IdError,
)
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema

TASK = EvalTask(
    task_schemas={
        "rejection": ["rejection", "not rejection"],
        "score": [1, 2, 3, 4, 5],
        "explanation": None,
        "harms": MultiLabelSchema(outcomes=["hateful", "violent", "sexual"]),
    },
    response_columns=["llm_response"],
)


def csv(tmp_path: Path, text: str, name: str = "h.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_public_names():
    assert ann_pkg.__all__ == sorted(ann_pkg.__all__)
    assert set(ann_pkg.__all__) == {
        "AnnotationStore",
        "ImportResult",
        "load_annotation_file",
        "load_annotations",
        "load_argilla_export",
        "load_external_judge_results",
        "load_label_studio_export",
    }


def test_one_annotator_csv_sparse(tmp_path):
    path = csv(
        tmp_path,
        "original_id,rejection,score,explanation,harms\n"
        "1,rejection,5,because,hateful|violent\n"
        "2,,3.0,,\n"  # sparse: no rejection, no explanation, no harms
        "3,not rejection, 2 ,  ,[]\n",  # whitespace-only text = missing; [] = empty set
    )
    frame = load_annotation_file(path, task=TASK, annotator_id="h1", known_ids=["1", "2", "3"])
    assert frame.columns == [C.ORIGINAL_ID, C.ANNOTATOR_ID, *TASK.task_names]
    assert frame.schema == pl.Schema(
        {
            C.ORIGINAL_ID: pl.Utf8,
            C.ANNOTATOR_ID: pl.Utf8,
            "rejection": pl.Utf8,
            "score": pl.Int64,
            "explanation": pl.Utf8,
            "harms": pl.List(pl.Utf8),
        }
    )
    assert frame.to_dicts() == [
        {
            "original_id": "1",
            "annotator_id": "h1",
            "rejection": "rejection",
            "score": 5,
            "explanation": "because",
            "harms": ["hateful", "violent"],
        },
        {
            "original_id": "2",
            "annotator_id": "h1",
            "rejection": None,
            "score": 3,
            "explanation": None,
            "harms": None,
        },
        {
            "original_id": "3",
            "annotator_id": "h1",
            "rejection": "not rejection",
            "score": 2,
            "explanation": None,
            "harms": [],
        },
    ]


def test_long_format_three_annotators(tmp_path):
    path = csv(
        tmp_path,
        "original_id,annotator_id,rejection\n"
        "1,alice,rejection\n1,bob,rejection\n1,carol,not rejection\n"
        "2,alice,not rejection\n2,bob,\n2,carol,not rejection\n",
    )
    frame = load_annotation_file(path, task=TASK)
    assert frame[C.ANNOTATOR_ID].unique(maintain_order=True).to_list() == ["alice", "bob", "carol"]
    assert frame.height == 6
    assert frame["rejection"].null_count() == 1
    # tasks absent from the file are null columns of the right dtype
    assert frame["score"].dtype == pl.Int64 and frame["score"].null_count() == 6
    assert frame["harms"].dtype == pl.List(pl.Utf8)


def test_custom_id_and_annotator_columns(tmp_path):
    path = csv(tmp_path, "sample,who,rejection\n1,a,rejection\n1,b,rejection\n")
    frame = load_annotation_file(path, task=TASK, id_column="sample", annotator_column="who")
    assert frame.select(C.ORIGINAL_ID, C.ANNOTATOR_ID).rows() == [("1", "a"), ("1", "b")]


def test_json_typed_values(tmp_path):
    # numbers as JSON ints/floats, multilabel as real lists and JSON strings, ids as ints
    rows = [
        {"original_id": 1, "score": 4, "harms": ["violent", "hateful", "violent"]},
        {"original_id": 2, "score": 2.0, "harms": '["sexual", "hateful"]'},
        {"original_id": 3, "score": None, "harms": "sexual | violent"},
    ]
    path = tmp_path / "h.json"
    path.write_text(json.dumps(rows))
    frame = load_annotation_file(path, task=TASK, annotator_id="h1")
    assert frame[C.ORIGINAL_ID].to_list() == ["1", "2", "3"]
    assert frame["score"].to_list() == [4, 2, None]
    # schema order (hateful, violent, sexual), no repeats
    assert frame["harms"].to_list() == [
        ["hateful", "violent"],
        ["hateful", "sexual"],
        ["violent", "sexual"],
    ]


def test_parquet_list_column_and_jsonl(tmp_path):
    path = tmp_path / "h.parquet"
    pl.DataFrame({"original_id": ["a", "b"], "harms": [["sexual"], None]}).write_parquet(path)
    frame = load_annotation_file(path, task=TASK, annotator_id="h1")
    assert frame["harms"].to_list() == [["sexual"], None]
    jsonl = tmp_path / "h.jsonl"
    jsonl.write_text('{"original_id": "a", "annotator_id": "x", "rejection": "rejection"}\n')
    assert load_annotation_file(jsonl, task=TASK)["rejection"].to_list() == ["rejection"]


def test_float_scale_and_numeric_categorical():
    task = EvalTask(
        task_schemas={"r": [0.5, 1.0, 1.5], "grade": ["1", "2", "3"]}, response_columns=["x"]
    )
    frame = pl.DataFrame(
        {"original_id": ["a", "b"], "annotator_id": ["h", "h"], "r": ["1", " 1.5"], "grade": [2, 3]}
    )
    from meta_evaluator.annotations._loader import normalise_label_frame

    out = normalise_label_frame(frame, task=task, origin="frame")
    assert out["r"].dtype == pl.Float64 and out["r"].to_list() == [1.0, 1.5]
    assert out["grade"].to_list() == ["2", "3"]  # categorical labels matched by their text


def test_extra_columns_are_logged_not_errors(tmp_path, caplog):
    path = csv(tmp_path, "original_id,rejection,comment,time\n1,rejection,ok,3\n")
    with caplog.at_level(logging.INFO, logger="meta_evaluator.annotations"):
        frame = load_annotation_file(path, task=TASK, annotator_id="h1")
    assert "comment" not in frame.columns
    assert "ignoring column(s) that are not tasks: ['comment', 'time']" in caplog.text


def test_annotator_column_ignored_with_annotator_id(tmp_path):
    path = csv(tmp_path, "original_id,annotator_id,rejection\n1,zz,rejection\n")
    frame = load_annotation_file(path, task=TASK, annotator_id="h1")
    assert frame[C.ANNOTATOR_ID].to_list() == ["h1"]


# ------------------------------------------------------------------ errors
def test_label_outside_schema(tmp_path):
    path = csv(
        tmp_path,
        "original_id,annotator_id,rejection\n1,h1,rejection\n2,h2,Rejection\n3,h2,maybe\n",
    )
    with pytest.raises(
        AnnotationError,
        match=r"h\.csv', task 'rejection': 2 label\(s\) are not in the schema, e\.g\. row 2 "
        r"\(annotator 'h2', original_id '2'\): 'Rejection'; row 3 .*'maybe'\. Allowed labels "
        r"\(case-sensitive\): \['rejection', 'not rejection'\]",
    ):
        load_annotation_file(path, task=TASK)


def test_numeric_label_off_scale_or_not_a_number(tmp_path):
    path = csv(tmp_path, "original_id,score\n1,6\n2,three\n3,2.5\n4,nan\n")
    with pytest.raises(
        AnnotationError,
        match=r"task 'score': 4 label\(s\) are not on the rating scale, e\.g\. row 1 "
        r"\(annotator 'h1', original_id '1'\): '6'; row 2 .*'three'; row 3 .*'2\.5'.*"
        r"\[1, 2, 3, 4, 5\]",
    ):
        load_annotation_file(path, task=TASK, annotator_id="h1")


def test_multilabel_unknown_outcome(tmp_path):
    path = csv(tmp_path, 'original_id,harms\n1,hateful\n2,"hateful|rude"\n')
    with pytest.raises(
        AnnotationError,
        match=r"task 'harms': 1 label set\(s\) hold outcomes that are not in the schema, e\.g\. "
        r"row 2 .*'hateful\|rude'.*Allowed outcomes: \['hateful', 'violent', 'sexual'\]",
    ):
        load_annotation_file(path, task=TASK, annotator_id="h1")


def test_multilabel_malformed_json(tmp_path):
    path = csv(tmp_path, 'original_id,harms\n1,"[""hateful""]"\n2,"[""hateful"""\n')
    with pytest.raises(
        AnnotationError, match=r"1 cell\(s\) are not a valid JSON list of outcomes, e\.g\. row 2 "
    ):
        load_annotation_file(path, task=TASK, annotator_id="h1")


def test_unknown_ids_listed_with_count(tmp_path):
    body = "".join(f"{i},rejection\n" for i in range(1, 11))
    path = csv(tmp_path, "original_id,rejection\n" + body)
    with pytest.raises(
        AnnotationError,
        match=r"7 original_id value\(s\) are not in the evaluation data, e\.g\. "
        r"\['4', '5', '6', '7', '8', '9', '10'\] \(first at row 4 \(annotator 'h1', "
        r"original_id '4'\)\)",
    ):
        load_annotation_file(path, task=TASK, annotator_id="h1", known_ids={"1", "2", "3"})


def test_duplicate_annotator_id_pair(tmp_path):
    path = csv(
        tmp_path,
        "original_id,annotator_id,rejection\n1,a,rejection\n2,a,rejection\n1,b,rejection\n"
        "1,a,not rejection\n",
    )
    with pytest.raises(
        AnnotationError,
        match=r"h\.csv': annotator 'a' labels original_id '1' more than once, at rows 1 and 4",
    ):
        load_annotation_file(path, task=TASK)


def test_no_task_columns(tmp_path):
    path = csv(tmp_path, "original_id,label\n1,rejection\n")
    with pytest.raises(
        ColumnError, match=r"none of the task columns .*'rejection'.*\['original_id'"
    ):
        load_annotation_file(path, task=TASK, annotator_id="h1")


def test_missing_id_column(tmp_path):
    path = csv(tmp_path, "id,rejection\n1,rejection\n")
    with pytest.raises(ColumnError, match=r"no id column 'original_id'\. Columns: \['id'"):
        load_annotation_file(path, task=TASK, annotator_id="h1")


def test_missing_annotator_column_in_long_format(tmp_path):
    path = csv(tmp_path, "original_id,rejection\n1,rejection\n")
    with pytest.raises(
        ColumnError, match=r"no annotator column 'annotator_id'.*annotator_id=\.\.\."
    ):
        load_annotation_file(path, task=TASK)


def test_null_ids_and_null_annotators(tmp_path):
    path = csv(tmp_path, "original_id,annotator_id,rejection\n1,a,rejection\n,a,rejection\n")
    with pytest.raises(IdError, match=r"id column 'original_id' is empty at row\(s\) \[2\]"):
        load_annotation_file(path, task=TASK)
    path = csv(tmp_path, "original_id,annotator_id,rejection\n1,a,rejection\n2,,rejection\n")
    with pytest.raises(
        IdError, match=r"annotator column 'annotator_id' is empty at row\(s\) \[2\]"
    ):
        load_annotation_file(path, task=TASK)


def test_bad_annotator_id_argument(tmp_path):
    path = csv(tmp_path, "original_id,rejection\n1,rejection\n")
    with pytest.raises(ConfigError, match=r"annotator id '' is empty"):
        load_annotation_file(path, task=TASK, annotator_id="")


def test_file_errors(tmp_path):
    with pytest.raises(DataFileError, match=r"annotation file .*missing\.csv' does not exist"):
        load_annotation_file(tmp_path / "missing.csv", task=TASK, annotator_id="h1")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DataFileError, match="is not valid JSON"):
        load_annotation_file(bad, task=TASK, annotator_id="h1")
    empty = csv(tmp_path, "original_id,rejection\n", name="empty.csv")
    with pytest.raises(DataFileError, match="no data rows"):
        load_annotation_file(empty, task=TASK, annotator_id="h1")


def test_ids_match_data_loader_ids(tmp_path):
    """Ids read from an annotation CSV equal those DataLoader derives from the same values."""
    from meta_evaluator.data import DataLoader

    data_path = csv(tmp_path, "id,llm_response\n007,a\n8,b\n", name="data.csv")
    data = DataLoader.load_csv("d", data_path, id_column="id")
    path = csv(tmp_path, "original_id,rejection\n007,rejection\n8,rejection\n")
    frame = load_annotation_file(path, task=TASK, annotator_id="h", known_ids=data.ids)
    assert frame[C.ORIGINAL_ID].to_list() == data.ids == ["007", "8"]


def test_padded_schema_label_matches_padded_export(tmp_path):
    task = EvalTask(task_schemas={"ok": ["Yes ", "No"]}, response_columns=["r"])
    path = csv(tmp_path, 'original_id,ok\n1,"Yes "\n2,No\n3," No"\n')
    out = load_annotation_file(path, task=task, annotator_id="h1")
    assert out["ok"].to_list() == ["Yes", "No", "No"]


def test_multilabel_cells_blank_empty_list_pipes_and_json(tmp_path):
    path = csv(
        tmp_path,
        "original_id,harms\n"
        '1,\n2,[]\n3,violent|hateful\n4,"[""sexual"", ""hateful""]"\n5," violent | sexual "\n'
        '6,"[ ]"\n',
    )
    out = load_annotation_file(path, task=TASK, annotator_id="h1")
    assert out["harms"].to_list() == [
        None,  # blank: not labelled
        [],  # labelled: no outcome applies
        ["hateful", "violent"],
        ["hateful", "sexual"],
        ["violent", "sexual"],
        [],
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    rows = ["original_id,annotator_id,rejection,score"]
    rows += [f"{i},h1,maybe,{i % 7}" for i in range(1, 31)]  # 30 bad labels, scores 0 and 6 bad
    rows += ["1,h1,rejection,1", ",h2,rejection,1", "99,h2,rejection,1"]
    path = csv(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(AnnotationError) as info:
        load_annotation_file(path, task=TASK, known_ids={str(i) for i in range(1, 31)})
    text = str(info.value)
    assert text.startswith("5 kinds of problems; fix them all before adding the file:")
    assert "id column 'original_id' is empty at row(s) [32]" in text
    assert "annotator 'h1' labels original_id '1' more than once, at rows 1 and 31" in text
    assert "1 original_id value(s) are not in the evaluation data, e.g. ['99']" in text
    # every bad label counted, the first 20 shown, then how many more
    assert "task 'rejection': 30 label(s) are not in the schema" in text
    assert text.count("'maybe'") == 20 and "(and 10 more)" in text
    assert "task 'score': 8 label(s) are not on the rating scale" in text


def test_long_format_hints_name_parameters_that_exist(tmp_path):
    import inspect

    from meta_evaluator import MetaEvaluator
    from meta_evaluator.data import DataLoader

    data = csv(tmp_path, "id,llm_response\n1,a\n2,b\n", name="data.csv")
    ev = MetaEvaluator(tmp_path / "p", load=False)
    ev.add_eval_task(TASK)
    ev.add_data(DataLoader.load_csv(name="d", file_path=data, id_column="id"))
    path = csv(tmp_path, "sample,who,rejection\n1,h1,rejection\n2,h2,not rejection\n")
    with pytest.raises(ColumnError, match=r"or pass id_column=\.\.\.") as info:
        ev.add_annotations_long_format(path)
    assert "id_column" in inspect.signature(ev.add_annotations_long_format).parameters
    with pytest.raises(ColumnError, match=r"annotator_column=") as info:
        ev.add_annotations_long_format(path, id_column="sample")
    assert "annotator_id=... for a file holding one" not in str(info.value)
    ev.add_annotations_long_format(path, id_column="sample", annotator_column="who")
    assert ev.annotations.annotator_ids == ["h1", "h2"]
    one = csv(tmp_path, "sample,rejection\n1,rejection\n", name="one.csv")
    ev.add_external_annotation_results(one, annotator_id="h3", id_column="sample")
    assert "h3" in ev.annotations.annotator_ids
    with pytest.raises(ColumnError, match=r"or pass id_column=\.\.\."):
        ev.add_external_judge_results(one, judge_id="j")
    assert ev.add_external_judge_results(one, judge_id="j", id_column="sample").judge_id == "j"
