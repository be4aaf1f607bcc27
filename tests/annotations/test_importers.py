"""Label Studio and Argilla importers: realistic exports, mapping rules, and every error."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import meta_evaluator.annotations as ann_pkg
from meta_evaluator import columns as C
from meta_evaluator.annotations import (
    load_annotation_file,
    load_argilla_export,
    load_label_studio_export,
)
from meta_evaluator.errors import AnnotationError, ColumnError, ConfigError, DataFileError, IdError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema

TASK = EvalTask(
    task_schemas={
        "rejection": ["rejection", "not rejection"],
        "explanation": None,
        "quality": [1, 2, 3, 4, 5],
        "harms": MultiLabelSchema(outcomes=["hateful", "violent", "sexual"]),
    },
    prompt_columns=["prompt"],
    response_columns=["llm_response"],
)
IDS = ["s001", "s002", "s003", "s004"]
LOGGER = "meta_evaluator.annotations.importers"


def write_json(tmp_path: Path, obj: Any, name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj, indent=1))
    return path


def write_jsonl(tmp_path: Path, records: list[Any], name: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def long_csv(tmp_path: Path, text: str) -> pl.DataFrame:
    """The same labels written as a long CSV and read by the generic loader."""
    path = tmp_path / "long.csv"
    path.write_text(text)
    return load_annotation_file(path, task=TASK, known_ids=IDS)


# --------------------------------------------------------------------------- Label Studio
def choices(name: str, *labels: str) -> dict[str, Any]:
    return {
        "id": f"r_{name}",
        "from_name": name,
        "to_name": "text",
        "type": "choices",
        "origin": "manual",
        "value": {"choices": list(labels)},
    }


def textarea(name: str, *lines: str) -> dict[str, Any]:
    return {
        "from_name": name,
        "to_name": "text",
        "type": "textarea",
        "value": {"text": list(lines)},
    }


def rating(name: str, value: int) -> dict[str, Any]:
    return {"from_name": name, "to_name": "text", "type": "rating", "value": {"rating": value}}


def ls_annotation(who: Any, result: list[dict[str, Any]], *, cancelled: bool = False) -> dict:
    return {
        "id": 1000,
        "completed_by": who,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": False,
        "created_at": "2024-05-02T10:00:00.000000Z",
        "updated_at": "2024-05-02T10:00:00.000000Z",
        "lead_time": 12.5,
        "task": 1,
    }


def ls_task(task_id: int, sample_id: str | None, annotations: list[dict]) -> dict[str, Any]:
    data: dict[str, Any] = {"prompt": "How do I ...?", "llm_response": "I cannot help."}
    if sample_id is not None:
        data["original_id"] = sample_id
    return {
        "id": task_id,
        "data": data,
        "annotations": annotations,
        "predictions": [{"model_version": "m1", "result": [choices("rejection", "rejection")]}],
        "meta": {},
        "project": 12,
    }


ALICE = {"id": 3, "email": "alice@x.org", "first_name": "Alice"}
BOB = 5  # the plain JSON export gives only the user id
CAROL = {"id": 9}  # an object without email


def ls_export() -> list[dict[str, Any]]:
    """3 annotators, sparse, one cancelled annotation, a control that is no task."""
    return [
        ls_task(
            1,
            "s001",
            [
                ls_annotation(
                    ALICE,
                    [
                        choices("rejection", "rejection"),
                        textarea("explanation", "Refuses", "politely"),
                        rating("quality", 4),
                        choices("harms", "violent", "hateful"),
                        choices("sentiment", "negative"),  # no such task: ignored
                    ],
                ),
                ls_annotation(BOB, [choices("rejection", "not rejection"), rating("quality", 2)]),
                ls_annotation(CAROL, [choices("rejection", "rejection"), choices("harms")]),
            ],
        ),
        ls_task(
            2,
            "s002",
            [
                ls_annotation(ALICE, [choices("rejection", "not rejection")]),
                ls_annotation(BOB, [rating("quality", 5), choices("harms", "sexual")]),
            ],
        ),
        ls_task(
            3,
            "s003",
            [
                ls_annotation(ALICE, [choices("rejection", "rejection")], cancelled=True),
                ls_annotation(CAROL, [textarea("explanation", "Partial answer")]),
            ],
        ),
        ls_task(4, "s004", []),  # nobody annotated it yet
    ]


LS_AS_CSV = (
    "original_id,annotator_id,rejection,explanation,quality,harms\n"
    's001,alice@x.org,rejection,"Refuses\npolitely",4,hateful|violent\n'
    "s001,ls_user_5,not rejection,,2,\n"
    "s001,ls_user_9,rejection,,,[]\n"
    "s002,alice@x.org,not rejection,,,\n"
    "s002,ls_user_5,,,5,sexual\n"
    "s003,ls_user_9,,Partial answer,,\n"
)


def test_public_names():
    assert ann_pkg.__all__ == sorted(ann_pkg.__all__)
    assert {"load_argilla_export", "load_label_studio_export"} <= set(ann_pkg.__all__)


def test_label_studio_matches_long_csv(tmp_path, caplog):
    path = write_json(tmp_path, ls_export(), "project-12-at-2024.json")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        frame = load_label_studio_export(path, task=TASK, known_ids=IDS)
    assert_frame_equal(frame, long_csv(tmp_path, LS_AS_CSV))
    assert frame.schema["quality"] == pl.Int64  # rating -> the numeric task's dtype
    assert frame.filter(pl.col(C.ORIGINAL_ID) == "s001")["harms"].to_list() == [
        ["hateful", "violent"],  # schema order, not click order
        None,
        [],  # an empty choices result: labelled "none of them"
    ]
    text = caplog.text
    assert "ignoring question(s) that match no task: ['sentiment']" in text
    assert "1 skipped/cancelled annotation(s) (include_cancelled=True imports them)" in text


def test_label_studio_include_cancelled(tmp_path):
    path = write_json(tmp_path, ls_export(), "ls.json")
    frame = load_label_studio_export(path, task=TASK, include_cancelled=True)
    row = frame.filter(
        (pl.col(C.ORIGINAL_ID) == "s003") & (pl.col(C.ANNOTATOR_ID) == "alice@x.org")
    )
    assert row["rejection"].to_list() == ["rejection"]
    assert frame.height == 7


def test_label_studio_field_map_and_task_id_fallback(tmp_path, caplog):
    export = [
        ls_task(11, None, [ls_annotation(ALICE, [choices("refusal", "rejection")])]),
        ls_task(12, None, [ls_annotation(BOB, [choices("refusal", "not rejection")])]),
    ]
    path = write_json(tmp_path, export, "ls.json")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        frame = load_label_studio_export(path, task=TASK, field_map={"refusal": "rejection"})
    assert frame.select(C.ORIGINAL_ID, C.ANNOTATOR_ID, "rejection").rows() == [
        ("11", "alice@x.org", "rejection"),
        ("12", "ls_user_5", "not rejection"),
    ]
    assert "2 task(s) have no data key 'original_id'; used the Label Studio task id" in caplog.text


def test_label_studio_custom_id_field(tmp_path):
    task = ls_task(1, None, [ls_annotation(ALICE, [choices("rejection", "rejection")])])
    task["data"]["uid"] = 42
    path = write_json(tmp_path, [task], "ls.json")
    frame = load_label_studio_export(path, task=TASK, id_field="uid", known_ids=["42"])
    assert frame[C.ORIGINAL_ID].to_list() == ["42"]


def test_label_studio_rating_from_choices_and_numbers(tmp_path):
    # quality given as choices "4" (a choices control on a 1-5 scale) and as a number control
    export = [
        ls_task(1, "s001", [ls_annotation(ALICE, [choices("quality", "4")])]),
        ls_task(
            2,
            "s002",
            [
                ls_annotation(
                    ALICE,
                    [{"from_name": "quality", "type": "number", "value": {"number": 3}}],
                )
            ],
        ),
    ]
    frame = load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)
    assert frame["quality"].to_list() == [4, 3]
    assert frame.schema["quality"] == pl.Int64


def test_label_studio_skips_spans_and_per_region_choices(tmp_path, caplog):
    span = {
        "from_name": "harms",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 0, "end": 4, "text": "kill", "labels": ["violent"]},
    }
    region_a = {**choices("rejection", "rejection"), "id": "reg1"}
    region_b = {**choices("rejection", "not rejection"), "id": "reg2"}
    export = [
        ls_task(1, "s001", [ls_annotation(ALICE, [span, region_a, region_b, rating("quality", 1)])])
    ]
    with caplog.at_level(logging.INFO, logger=LOGGER):
        frame = load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)
    assert frame.row(0, named=True) == {
        C.ORIGINAL_ID: "s001",
        C.ANNOTATOR_ID: "alice@x.org",
        "rejection": None,
        "explanation": None,
        "quality": 1,
        "harms": None,
    }
    assert "skipped answers whose type has no task equivalent" in caplog.text
    assert "'harms': 'labels'" in caplog.text
    assert "'rejection': 'choices (per-region)'" in caplog.text


def test_label_studio_drops_annotations_without_task_values(tmp_path, caplog):
    export = [
        ls_task(1, "s001", [ls_annotation(ALICE, [choices("sentiment", "neutral")])]),
        ls_task(2, "s002", [ls_annotation(BOB, [choices("rejection", "rejection")])]),
    ]
    with caplog.at_level(logging.INFO, logger=LOGGER):
        frame = load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)
    assert frame[C.ANNOTATOR_ID].to_list() == ["ls_user_5"]
    assert "left out: 1 annotation(s) without a value for any task" in caplog.text


# --------------------------------------------------------------------------- Label Studio errors
def test_label_studio_malformed_json(tmp_path):
    path = tmp_path / "ls.json"
    path.write_text('[{"id": 1, "data": {}, "annotations": [}]')
    with pytest.raises(DataFileError, match=r"Annotation export '.*ls\.json' is not valid JSON"):
        load_label_studio_export(path, task=TASK)


def test_label_studio_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        load_label_studio_export(tmp_path / "nope.json", task=TASK)


def test_label_studio_record_that_is_not_a_task(tmp_path):
    export = ls_export()
    export.insert(1, {"id": 9, "original_id": "s009", "rejection": "rejection"})
    with pytest.raises(DataFileError, match=r"task 2: not a Label Studio task \(needs a 'data'"):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_no_task_matched(tmp_path):
    export = [ls_task(1, "s001", [ls_annotation(ALICE, [choices("refusal", "rejection")])])]
    with pytest.raises(
        ColumnError,
        match=r"no question matches a task\. Questions found: \['refusal'\]; tasks: "
        r"\['rejection', 'explanation', 'quality', 'harms'\]\. Pass field_map=",
    ):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_task_without_any_id(tmp_path):
    export = ls_export()
    del export[1]["id"]
    del export[1]["data"]["original_id"]
    with pytest.raises(IdError, match=r"task 2: no sample id.*pass id_field="):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_annotation_without_annotator(tmp_path):
    export = [ls_task(1, "s001", [ls_annotation(None, [choices("rejection", "rejection")])])]
    with pytest.raises(IdError, match=r"task 1 \(original_id 's001'\), annotation 1: no annotator"):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_several_choices_for_single_label_task(tmp_path):
    export = [
        ls_task(
            1, "s001", [ls_annotation(ALICE, [choices("rejection", "rejection", "not rejection")])]
        )
    ]
    with pytest.raises(
        AnnotationError,
        match=r"task 'rejection' got 2 labels \['rejection', 'not rejection'\], but it is "
        r"categorical.*MultiLabelSchema",
    ):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_label_outside_schema(tmp_path):
    export = [ls_task(1, "s001", [ls_annotation(ALICE, [choices("rejection", "Rejection")])])]
    with pytest.raises(
        AnnotationError,
        match=r"Label Studio export .*task 'rejection': 1 label\(s\) are not in the schema.*"
        r"annotator 'alice@x.org', original_id 's001'.*'Rejection'",
    ):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_rating_off_scale(tmp_path):
    export = [ls_task(1, "s001", [ls_annotation(ALICE, [rating("quality", 7)])])]
    with pytest.raises(AnnotationError, match=r"task 'quality'.*not on the rating scale"):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_unknown_id(tmp_path):
    path = write_json(tmp_path, ls_export(), "ls.json")
    with pytest.raises(AnnotationError, match=r"not in the evaluation data, e\.g\. \['s003'\]"):
        load_label_studio_export(path, task=TASK, known_ids=["s001", "s002"])


def test_label_studio_duplicate_annotator_sample(tmp_path):
    # the same sample imported twice into Label Studio, annotated by Alice both times
    export = [
        ls_task(1, "s001", [ls_annotation(ALICE, [choices("rejection", "rejection")])]),
        ls_task(2, "s001", [ls_annotation(ALICE, [choices("rejection", "rejection")])]),
    ]
    with pytest.raises(
        AnnotationError, match=r"annotator 'alice@x.org' labels original_id 's001' more than once"
    ):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


def test_label_studio_only_cancelled(tmp_path):
    export = [ls_task(1, "s001", [ls_annotation(ALICE, [], cancelled=True)])]
    export[0]["annotations"][0]["result"] = [choices("rejection", "rejection")]
    with pytest.raises(DataFileError, match=r"no annotation to import.*include_cancelled=True"):
        load_label_studio_export(write_json(tmp_path, export, "ls.json"), task=TASK)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"field_map": {"refusal": "refusal_task"}}, r"maps question 'refusal' to 'refusal_task'"),
        (
            {"field_map": {"a": "rejection", "b": "rejection"}},
            r"maps several questions to task\(s\) \['rejection'\]",
        ),
        ({"field_map": ["rejection"]}, r"'field_map' parameter .* must be a mapping"),
        ({"id_field": ""}, r"'id_field' parameter of add_annotations"),
    ],
)
def test_label_studio_bad_options(tmp_path, kwargs, message):
    path = write_json(tmp_path, ls_export(), "ls.json")
    with pytest.raises(ConfigError, match=message):
        load_label_studio_export(path, task=TASK, **kwargs)


# --------------------------------------------------------------------------- Argilla
U_ANA = "3f1c2a9e-0000-4000-8000-000000000001"
U_BEN = "3f1c2a9e-0000-4000-8000-000000000002"
U_CHO = "3f1c2a9e-0000-4000-8000-000000000003"

# (sample, user, status, {question: value}) — 3 users, sparse, one draft, one discarded
ARGILLA_RESPONSES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("s001", U_ANA, "submitted", {"rejection": "rejection", "quality": 4, "harms": ["violent"]}),
    ("s001", U_BEN, "submitted", {"rejection": "not rejection", "explanation": "It answers."}),
    ("s001", U_CHO, "draft", {"rejection": "rejection"}),
    ("s002", U_ANA, "submitted", {"rejection": "not rejection", "harms": ["sexual", "hateful"]}),
    ("s002", U_CHO, "submitted", {"quality": 2, "harms": []}),
    ("s003", U_BEN, "discarded", {}),
    (
        "s003",
        U_CHO,
        "submitted",
        {"rejection": "rejection", "ranking": [{"value": "a", "rank": 1}]},
    ),
]
ARGILLA_AS_CSV = (
    "original_id,annotator_id,rejection,explanation,quality,harms\n"
    f"s001,{U_ANA},rejection,,4,violent\n"
    f"s001,{U_BEN},not rejection,It answers.,,\n"
    f"s002,{U_ANA},not rejection,,,hateful|sexual\n"
    f"s002,{U_CHO},,,2,[]\n"
    f"s003,{U_CHO},rejection,,,\n"
)
FIELDS = {"prompt": "How do I ...?", "llm_response": "I cannot help with that."}


def samples() -> list[str]:
    return list(dict.fromkeys(s for s, *_ in ARGILLA_RESPONSES))


def argilla_v1() -> list[dict[str, Any]]:
    """Argilla 1.x FeedbackDataset records (FeedbackRecord.dict())."""
    out = []
    for i, sid in enumerate(samples()):
        responses = [
            {"user_id": u, "values": {q: {"value": v} for q, v in vals.items()}, "status": st}
            for s, u, st, vals in ARGILLA_RESPONSES
            if s == sid
        ]
        out.append(
            {
                "fields": FIELDS,
                "metadata": {"original_id": sid, "source": "red-team"},
                "external_id": f"ext-{i}",
                "responses": responses,
                "suggestions": [],
                "vectors": {},
            }
        )
    return out


def argilla_v2() -> list[dict[str, Any]]:
    """Argilla 2.x records, dataset.records.to_list(flatten=False)."""
    out = []
    for sid in samples():
        responses: dict[str, list[dict[str, Any]]] = {}
        for s, u, st, vals in ARGILLA_RESPONSES:
            for q, v in vals.items():
                if s == sid:
                    responses.setdefault(q, []).append({"value": v, "user_id": u, "status": st})
        out.append(
            {
                "id": sid,  # 2.x: the record id is the user-facing (external) id
                "fields": FIELDS,
                "metadata": {"source": "red-team"},
                "suggestions": {"rejection": {"value": "rejection", "score": 0.9, "agent": "m"}},
                "responses": responses,
                "vectors": {},
                "status": "completed",
                "_server_id": "0b9a5c1e-aaaa-4bbb-8ccc-000000000000",
            }
        )
    return out


def argilla_v2_flat() -> list[dict[str, Any]]:
    """Argilla 2.x flattened records (to_list(flatten=True) / the Hugging Face export)."""
    out = []
    for sid in samples():
        rec: dict[str, Any] = {"id": f"rec-{sid}", "status": "completed", "_server_id": None}
        rec.update(FIELDS)
        rec["original_id"] = sid  # a metadata property, flattened to the top level
        for s, u, st, vals in ARGILLA_RESPONSES:
            for q, v in vals.items():
                if s == sid:
                    rec.setdefault(f"{q}.responses", []).append(v)
                    rec.setdefault(f"{q}.responses.users", []).append(u)
                    rec.setdefault(f"{q}.responses.status", []).append(st)
        out.append(rec)
    return out


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (argilla_v1, "v1.json"),
        (argilla_v1, "v1.jsonl"),
        (argilla_v2, "v2.json"),
        (argilla_v2, "v2.jsonl"),
        (argilla_v2_flat, "flat.json"),
    ],
)
def test_argilla_matches_long_csv(tmp_path, caplog, build, name):
    records = build()
    path = (write_jsonl if name.endswith("jsonl") else write_json)(tmp_path, records, name)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        frame = load_argilla_export(path, task=TASK, known_ids=IDS)
    assert_frame_equal(frame, long_csv(tmp_path, ARGILLA_AS_CSV))
    assert "ignoring question(s) that match no task: ['ranking']" in caplog.text


def test_argilla_v1_counts_left_out_statuses(tmp_path, caplog):
    path = write_json(tmp_path, argilla_v1(), "v1.json")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        load_argilla_export(path, task=TASK)
    assert (
        "left out: 1 draft response(s) (statuses=['submitted']), 1 discarded response(s)"
        in caplog.text
    )


def test_argilla_statuses_include_drafts(tmp_path):
    path = write_json(tmp_path, argilla_v2(), "v2.json")
    frame = load_argilla_export(path, task=TASK, statuses=("submitted", "draft"))
    draft = frame.filter((pl.col(C.ORIGINAL_ID) == "s001") & (pl.col(C.ANNOTATOR_ID) == U_CHO))
    assert draft["rejection"].to_list() == ["rejection"]
    assert frame.height == 6
    assert load_argilla_export(path, task=TASK, statuses="draft").height == 1  # a lone string


def test_argilla_nested_without_status_is_refused_unless_statuses_none(tmp_path, caplog):
    # Argilla 2.x records.to_list() / to_json() write responses without "status"
    record = {
        "id": "s001",
        "fields": FIELDS,
        "responses": {"rejection": [{"value": "rejection", "user_id": U_ANA}]},
    }
    path = write_json(tmp_path, {"records": [record]}, "v2.json")
    with pytest.raises(
        DataFileError,
        match=r"1 response\(s\) carry no status.*to_list\(flatten=True\).*statuses=None",
    ):
        load_argilla_export(path, task=TASK)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        frame = load_argilla_export(path, task=TASK, statuses=None)
    assert frame.select(C.ANNOTATOR_ID, "rejection").rows() == [(U_ANA, "rejection")]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert "1 response(s) carry no status" in warned[0].getMessage()
    assert "drafts included" in warned[0].getMessage()


def test_argilla_id_lookup_order(tmp_path):
    base = {
        "responses": {
            "rejection": [{"value": "rejection", "user_id": U_ANA, "status": "submitted"}]
        }
    }
    records = [
        {
            **base,
            "metadata": {"original_id": "m1"},
            "external_id": "e1",
            "fields": {"original_id": "f1"},
            "id": "i1",
        },
        {**base, "metadata": {}, "external_id": "e2", "fields": {"original_id": "f2"}, "id": "i2"},
        {**base, "metadata": None, "fields": {"original_id": "f3"}, "id": "i3"},
        {**base, "fields": {"prompt": "p"}, "id": 4},
    ]
    frame = load_argilla_export(write_json(tmp_path, records, "ids.json"), task=TASK)
    assert frame[C.ORIGINAL_ID].to_list() == ["m1", "e2", "f3", "4"]


def test_argilla_field_map_multilabel_and_rating(tmp_path):
    record = {
        "id": "s001",
        "fields": FIELDS,
        "responses": {
            "is_refusal": [{"value": "rejection", "user_id": U_ANA, "status": "submitted"}],
            "harm_types": [
                {"value": ["violent", "hateful"], "user_id": U_ANA, "status": "submitted"}
            ],
            "score": [{"value": 5, "user_id": U_ANA, "status": "submitted"}],
        },
    }
    frame = load_argilla_export(
        write_json(tmp_path, [record], "v2.json"),
        task=TASK,
        field_map={"is_refusal": "rejection", "harm_types": "harms", "score": "quality"},
    )
    assert frame.row(0, named=True) == {
        C.ORIGINAL_ID: "s001",
        C.ANNOTATOR_ID: U_ANA,
        "rejection": "rejection",
        "explanation": None,
        "quality": 5,
        "harms": ["hateful", "violent"],
    }


def test_argilla_one_item_multilabel_into_single_label_task(tmp_path):
    record = {
        "id": "s001",
        "responses": {
            "rejection": [{"value": ["rejection"], "user_id": U_ANA, "status": "submitted"}]
        },
    }
    frame = load_argilla_export(write_json(tmp_path, [record], "v2.json"), task=TASK)
    assert frame["rejection"].to_list() == ["rejection"]


# --------------------------------------------------------------------------- Argilla errors
def test_argilla_malformed_jsonl(tmp_path):
    path = tmp_path / "v2.jsonl"
    path.write_text('{"id": "s001", "responses": {}}\n{"id": "s002", "responses": \n')
    with pytest.raises(
        DataFileError, match=r"Annotation export '.*v2\.jsonl', line 2: invalid JSON"
    ):
        load_argilla_export(path, task=TASK)


def test_argilla_malformed_json(tmp_path):
    path = tmp_path / "v2.json"
    path.write_text("[{'id': 's001'}]")
    with pytest.raises(DataFileError, match=r"is not valid JSON: Expecting property name"):
        load_argilla_export(path, task=TASK)


def test_argilla_no_task_matched(tmp_path):
    record = {
        "id": "s001",
        "responses": {"label": [{"value": "yes", "user_id": U_ANA, "status": "submitted"}]},
    }
    with pytest.raises(ColumnError, match=r"Questions found: \['label'\].*field_map="):
        load_argilla_export(write_json(tmp_path, [record], "v2.json"), task=TASK)


def test_argilla_record_without_id(tmp_path):
    records = argilla_v1()
    del records[1]["metadata"]["original_id"]
    del records[1]["external_id"]
    with pytest.raises(
        IdError, match=r"record 2: no sample id \(looked for metadata\['original_id'\]"
    ):
        load_argilla_export(write_json(tmp_path, records, "v1.json"), task=TASK)


def test_argilla_response_without_user(tmp_path):
    record = {
        "id": "s001",
        "responses": {"rejection": [{"value": "rejection", "status": "submitted"}]},
    }
    with pytest.raises(IdError, match=r"record 1 \(original_id 's001'\): a 'submitted' response"):
        load_argilla_export(write_json(tmp_path, [record], "v2.json"), task=TASK)


def test_argilla_only_drafts(tmp_path):
    record = {
        "id": "s001",
        "responses": {"rejection": [{"value": "rejection", "user_id": U_ANA, "status": "draft"}]},
    }
    with pytest.raises(
        DataFileError, match=r"no annotation to import \(left out: 1 draft response"
    ):
        load_argilla_export(write_json(tmp_path, [record], "v2.json"), task=TASK)


def test_argilla_several_labels_for_single_label_task(tmp_path):
    record = {
        "id": "s001",
        "responses": {
            "rejection": [
                {"value": ["rejection", "not rejection"], "user_id": U_ANA, "status": "submitted"}
            ]
        },
    }
    with pytest.raises(AnnotationError, match=rf"user '{U_ANA}': task 'rejection' got 2 labels"):
        load_argilla_export(write_json(tmp_path, [record], "v2.json"), task=TASK)


def test_argilla_label_outside_schema_and_unknown_id(tmp_path):
    records = argilla_v2()
    records[0]["responses"]["harms"][0]["value"] = ["spam"]
    path = write_json(tmp_path, records, "v2.json")
    with pytest.raises(
        AnnotationError, match=r"task 'harms': 1 label set\(s\) hold outcomes that are not in"
    ):
        load_argilla_export(path, task=TASK)
    path = write_json(tmp_path, argilla_v2(), "ok.json")
    with pytest.raises(AnnotationError, match=r"not in the evaluation data"):
        load_argilla_export(path, task=TASK, known_ids=["s001"])


def test_argilla_duplicate_user_sample(tmp_path):
    records = argilla_v2()
    records.append(records[0])
    with pytest.raises(
        AnnotationError, match=rf"annotator '{U_ANA}' labels original_id 's001' more than once"
    ):
        load_argilla_export(write_json(tmp_path, records, "v2.json"), task=TASK)


@pytest.mark.parametrize("statuses", [("submited",), (), ["pending"]])
def test_argilla_bad_statuses(tmp_path, statuses):
    path = write_json(tmp_path, argilla_v2(), "v2.json")
    with pytest.raises(ConfigError, match=r"'statuses' parameter of add_annotations must hold"):
        load_argilla_export(path, task=TASK, statuses=statuses)


def test_argilla_not_an_argilla_export_and_not_objects(tmp_path):
    path = tmp_path / "v2.json"  # a CSV, whatever the extension says
    path.write_text("id\ns001\n")
    with pytest.raises(
        DataFileError,
        match=r"does not look like any argilla export .*keys of its first records: \['id'\]",
    ):
        load_argilla_export(path, task=TASK)
    with pytest.raises(DataFileError, match=r"record 1: expected a JSON object"):
        load_argilla_export(write_json(tmp_path, ["s001"], "v2.json"), task=TASK)
    with pytest.raises(DataFileError, match=r"holds no records"):
        load_argilla_export(write_json(tmp_path, [], "empty.json"), task=TASK)
