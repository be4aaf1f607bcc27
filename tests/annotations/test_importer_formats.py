"""One import test per real export format, from fixtures written in the tools' documented shapes.

The fixtures in ``fixtures/`` describe ONE small project exported every way the tools allow:

* Label Studio (label-studio docs "Task format" / "Export"; label-studio-sdk converter
  ``annotation_result_from_task``, ``convert_to_json_min``, ``exports/csv2.py``): 4 tasks
  (s001-s004), users alice (3), bob (5) and carol (9); alice's annotation of s003 is skipped,
  bob's annotation of s002 is ground truth, nobody annotated s004; predictions from model
  versions ``clf-v1`` (rejection, every task) and ``clf v2`` (quality, s001-s002); the snapshot
  adds drafts (alice's of her submitted s001 annotation, bob's on s003).
* Argilla (argilla-io/argilla 1.x ``FeedbackRecord`` / ``format_as("datasets")``, 2.x
  ``Record.to_dict`` / ``GenericIO.to_list`` / ``Dataset.to_disk``): 3 records, users ana, ben
  and cho, one draft and one discarded response, a ranking question ``preference`` and
  suggestions from agent ``gpt-4o-mini``.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from meta_evaluator import columns as C
from meta_evaluator.annotations import load_annotation_file, load_annotations
from meta_evaluator.annotations.importers import importer_names
from meta_evaluator.errors import AnnotationError, ConfigError, DataFileError, IdError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema

FIX = Path(__file__).parent / "fixtures"
LOGGER = "meta_evaluator.annotations.importers"
SCHEMAS = {
    "rejection": ["rejection", "not rejection"],
    "explanation": None,
    "quality": [1, 2, 3, 4, 5],
    "harms": MultiLabelSchema(outcomes=["hateful", "violent", "sexual"]),
}
TASK = EvalTask(task_schemas=SCHEMAS, prompt_columns=["prompt"], response_columns=["llm_response"])
IDS = ["s001", "s002", "s003", "s004"]

LS_AS_CSV = (
    "original_id,annotator_id,rejection,explanation,quality,harms\n"
    's001,alice@x.org,rejection,"Refuses\npolitely",4,hateful|violent\n'
    "s001,bob@x.org,not rejection,,2,\n"
    "s002,alice@x.org,not rejection,,,\n"
    "s002,bob@x.org,,,5,sexual\n"
    "s003,carol@x.org,,Partial answer,,\n"
)
LS_EMAILS = {"ls_user_3": "alice@x.org", "ls_user_5": "bob@x.org", "ls_user_9": "carol@x.org"}
ANA = "3f1c2a9e-0000-4000-8000-000000000001"
BEN = "3f1c2a9e-0000-4000-8000-000000000002"
CHO = "3f1c2a9e-0000-4000-8000-000000000003"
ARGILLA_AS_CSV = (
    "original_id,annotator_id,rejection,explanation,quality,harms\n"
    f"s001,{ANA},rejection,,4,violent\n"
    f"s001,{BEN},not rejection,It answers.,,\n"
    f"s002,{ANA},not rejection,,,hateful|sexual\n"
    f"s002,{CHO},,,2,[]\n"
    f"s003,{CHO},rejection,,,\n"
)


def expected(tmp_path: Path, text: str, task: EvalTask = TASK) -> pl.DataFrame:
    """The same labels written as a long CSV by hand and read by the generic loader."""
    path = tmp_path / "expected.csv"
    path.write_text(text)
    return load_annotation_file(path, task=task, known_ids=IDS)


def same_rows(a: pl.DataFrame, b: pl.DataFrame) -> None:
    key = [C.ORIGINAL_ID, C.ANNOTATOR_ID]
    assert_frame_equal(a.sort(key), b.sort(key))


def judge_labels(res, judge: str, task_name: str) -> list[tuple[str, object]]:
    data = res.judges[judge].results_data.sort(C.ORIGINAL_ID)
    return list(zip(data[C.ORIGINAL_ID].to_list(), data[task_name].to_list(), strict=True))


def summary(caplog) -> str:
    lines = [r.getMessage() for r in caplog.records if "imported" in r.getMessage()]
    assert len(lines) == 1, lines  # every drop in ONE line
    return lines[0]


# --------------------------------------------------------------------------- detection
@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("ls_quick.json", "label_studio_json"),
        ("ls_snapshot.json", "label_studio_json"),
        ("ls_single_task.json", "label_studio_json"),
        ("ls_pre1_completions.json", "label_studio_json"),
        ("ls_json_min.json", "label_studio_json_min"),
        ("ls_export.csv", "label_studio_csv"),
        ("ls_export.tsv", "label_studio_csv"),
        ("argilla_v1_records.json", "argilla_v1"),
        ("argilla_v1_datasets.jsonl", "argilla_v1_datasets"),
        ("argilla_v2_nested.json", "argilla_v2"),
        ("argilla_v2_flat.jsonl", "argilla_v2_flat"),
        ("argilla_v1_text_classification.json", "argilla_v1_text_classification"),
    ],
)
def test_format_detected_by_content_not_extension(tmp_path, fixture, fmt):
    path = tmp_path / "export.dat"  # the extension says nothing
    shutil.copy(FIX / fixture, path)
    options = {"statuses": None, "annotator_id": "alice@x.org"}
    if fmt == "argilla_v1_text_classification":
        options["field_map"] = {"annotation": "rejection"}
    assert load_annotations(path, task=TASK, **options).format == fmt


def test_registry_lists_every_format_in_detection_order():
    assert importer_names() == [
        "argilla_v2_flat",
        "argilla_v1",
        "argilla_v2",
        "argilla_v1_datasets",
        "argilla_v1_text_classification",
        "label_studio_json",
        "label_studio_json_min",
        "label_studio_csv",
        "long",
        "wide",
    ]


def test_format_option_forces_or_restricts(tmp_path):
    with pytest.raises(DataFileError, match=r"does not look like any argilla export"):
        load_annotations(FIX / "ls_quick.json", task=TASK, format="argilla")
    with pytest.raises(ConfigError, match=r"'format' parameter of add_annotations must be None"):
        load_annotations(FIX / "ls_quick.json", task=TASK, format="labelstudio")
    res = load_annotations(FIX / "ls_quick.json", task=TASK, format="label_studio_json")
    assert res.format == "label_studio_json"


# --------------------------------------------------------------------------- Label Studio
def test_label_studio_quick_json(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(FIX / "ls_quick.json", task=TASK, known_ids=IDS)
    # the quick export carries user ids only: ls_user_<id>
    by_id = expected(tmp_path, LS_AS_CSV).with_columns(
        pl.col(C.ANNOTATOR_ID).replace({v: k for k, v in LS_EMAILS.items()})
    )
    same_rows(res.annotations, by_id)
    assert res.ground_truth.rows() == [("s002", "ls_user_5")]
    assert res.dropped == {
        "skipped/cancelled annotation(s) (include_cancelled=True imports them)": 1,
        "task(s) nobody annotated": 1,
    }
    line = summary(caplog)
    assert res.summary == line  # also on the result, for notebooks that show no INFO logs
    assert repr(res).startswith("ImportResult(format='label_studio_json', rows=5, judges=")
    assert "imported 5 label row(s) from 3 annotator(s) on 3 sample(s)" in line
    assert "6 judge row(s) from ['clf-v1', 'clf_v2']" in line
    assert "1 skipped/cancelled annotation(s)" in line
    assert "1 task(s) nobody annotated" in line
    # predictions: one judge per model_version (made folder-safe: "clf v2" -> "clf_v2")
    assert sorted(res.judges) == ["clf-v1", "clf_v2"]
    assert judge_labels(res, "clf-v1", "rejection") == [
        ("s001", "rejection"),
        ("s002", "rejection"),
        ("s003", "not rejection"),
        ("s004", "not rejection"),
    ]
    assert judge_labels(res, "clf_v2", "quality") == [("s001", 3), ("s002", 5)]
    assert judge_labels(res, "clf-v1", C.CONFIDENCE) == [(s, 0.8) for s in IDS]  # "score"
    assert res.judges["clf_v2"].source == "external"
    assert "'clf v2': 'clf_v2'" in caplog.text
    # the same annotators as every other export, once the ids are mapped
    mapped = load_annotations(FIX / "ls_quick.json", task=TASK, annotator_map=LS_EMAILS)
    same_rows(mapped.annotations, expected(tmp_path, LS_AS_CSV))


def test_label_studio_snapshot(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(FIX / "ls_snapshot.json", task=TASK, known_ids=IDS)
    same_rows(res.annotations, expected(tmp_path, LS_AS_CSV))  # completed_by objects: emails
    assert res.user_ids == LS_EMAILS  # learnt from completed_by objects
    assert res.dropped["draft(s) (include_drafts=True imports them)"] == 2
    assert "2 draft(s)" in summary(caplog)
    assert sorted(res.judges) == ["clf-v1", "clf_v2"]
    drafts = load_annotations(FIX / "ls_snapshot.json", task=TASK, include_drafts=True)
    extra = drafts.annotations.join(res.annotations, on=[C.ORIGINAL_ID, C.ANNOTATOR_ID], how="anti")
    assert extra.select(C.ORIGINAL_ID, C.ANNOTATOR_ID, "rejection").rows() == [
        ("s003", "bob@x.org", "rejection")  # bob's draft; alice's draft of a submitted one: out
    ]
    assert drafts.dropped["draft(s) of a submitted annotation"] == 1


def test_label_studio_single_task_object(tmp_path):
    res = load_annotations(FIX / "ls_single_task.json", task=TASK, annotator_map=LS_EMAILS)
    want = expected(tmp_path, LS_AS_CSV).filter(pl.col(C.ORIGINAL_ID) == "s001")
    same_rows(res.annotations, want)


def test_label_studio_pre_1_0_completions(tmp_path):
    with pytest.raises(
        IdError,
        match=r"task 1 \(original_id 's001'\), annotation 1: no annotator \(field 'completed_by'"
        r".*annotator_id=",
    ):
        load_annotations(FIX / "ls_pre1_completions.json", task=TASK)
    res = load_annotations(FIX / "ls_pre1_completions.json", task=TASK, annotator_id="alice@x.org")
    want = expected(tmp_path, LS_AS_CSV).filter(pl.col(C.ANNOTATOR_ID) == "alice@x.org")
    same_rows(res.annotations, want)
    assert res.dropped == {
        "skipped/cancelled annotation(s) (include_cancelled=True imports them)": 1
    }  # the 0.x "skipped" flag


def test_label_studio_json_min(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(FIX / "ls_json_min.json", task=TASK, known_ids=IDS)
    assert res.format == "label_studio_json_min"
    # multiple choices {"choices": [...]}, one choice a string, ratings [{"rating": n}]
    same_rows(res.annotations, expected(tmp_path, LS_AS_CSV))
    assert res.dropped == {"task(s) nobody annotated": 1}
    assert (
        "ignoring column(s) (task data or controls) that match no task: "
        "['llm_response', 'prompt', 'sentiment']" in caplog.text
    )
    assert "1 task(s) nobody annotated" in summary(caplog)


@pytest.mark.parametrize("name", ["ls_export.csv", "ls_export.tsv"])
def test_label_studio_csv_and_tsv(tmp_path, name):
    res = load_annotations(FIX / name, task=TASK, known_ids=IDS)
    assert res.format == "label_studio_csv"
    same_rows(res.annotations, expected(tmp_path, LS_AS_CSV))
    assert res.annotations.schema["quality"] == pl.Int64  # '[{"rating":4}]' -> 4
    assert res.dropped == {"task(s) nobody annotated": 1}


@pytest.mark.parametrize(
    "name", ["ls_snapshot.json", "ls_json_min.json", "ls_export.csv", "ls_export.tsv"]
)
def test_label_studio_same_annotators_from_every_export_type(name):
    quick = load_annotations(FIX / "ls_quick.json", task=TASK, annotator_map=LS_EMAILS)
    other = load_annotations(FIX / name, task=TASK)
    assert other.annotator_ids == quick.annotator_ids == sorted(LS_EMAILS.values())


def test_label_studio_ground_truth_modes(tmp_path):
    sep = load_annotations(FIX / "ls_snapshot.json", task=TASK, ground_truth="separate")
    truth = sep.annotations.filter(pl.col(C.ANNOTATOR_ID) == "ground_truth")
    assert truth.select(C.ORIGINAL_ID, "quality", "harms").rows() == [("s002", 5, ["sexual"])]
    assert sep.ground_truth.rows() == [("s002", "ground_truth")]
    assert "bob@x.org" in sep.annotator_ids  # his other annotation stays his
    out = load_annotations(FIX / "ls_snapshot.json", task=TASK, ground_truth="exclude")
    assert out.annotations.height == 4
    assert out.dropped["ground-truth annotation(s) (ground_truth='exclude')"] == 1
    with pytest.raises(ConfigError, match=r"'ground_truth' parameter of add_annotations"):
        load_annotations(FIX / "ls_snapshot.json", task=TASK, ground_truth="only")


def test_label_studio_include_cancelled_and_no_judges():
    res = load_annotations(FIX / "ls_quick.json", task=TASK, include_cancelled=True, judges=False)
    assert res.annotations.height == 6
    assert res.judges == {}
    assert res.dropped == {"task(s) nobody annotated": 1, "prediction(s) (judges=False)": 6}


# --------------------------------------------------------------------------- Argilla
TASK_RANK = EvalTask(
    task_schemas={**SCHEMAS, "preference": None},
    prompt_columns=["prompt"],
    response_columns=["llm_response"],
)


def test_argilla_v1_records(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(FIX / "argilla_v1_records.json", task=TASK, known_ids=IDS)
    assert res.format == "argilla_v1"
    same_rows(res.annotations, expected(tmp_path, ARGILLA_AS_CSV))
    assert res.dropped == {
        "draft response(s) (statuses=['submitted'])": 1,
        "discarded response(s) (statuses=['submitted'])": 1,
    }
    assert judge_labels(res, "gpt-4o-mini", "rejection") == [
        ("s001", "rejection"),
        ("s002", "not rejection"),
        ("s003", "rejection"),
    ]
    assert judge_labels(res, "gpt-4o-mini", C.CONFIDENCE) == [(s, 0.9) for s in IDS[:3]]
    assert "ignoring question(s) that match no task: ['preference']" in caplog.text


def test_argilla_ranking_keeps_order_in_a_text_task_or_is_skipped(caplog):
    res = load_annotations(FIX / "argilla_v1_records.json", task=TASK_RANK)
    ranked = res.annotations.filter(pl.col("preference").is_not_null())
    assert ranked.select(C.ORIGINAL_ID, C.ANNOTATOR_ID, "preference").rows() == [
        ("s001", ANA, '["b", "a", "c"]')  # rank 1 first
    ]
    task = EvalTask(
        task_schemas={"rejection": SCHEMAS["rejection"], "preference": ["a", "b", "c"]},
        response_columns=["llm_response"],
    )
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(FIX / "argilla_v1_records.json", task=task)
    assert res.annotations["preference"].null_count() == res.annotations.height
    assert "'preference': 'ranking into a categorical task (a ranking keeps its order only" in (
        caplog.text
    )


def test_argilla_v1_datasets_jsonl(tmp_path):
    res = load_annotations(FIX / "argilla_v1_datasets.jsonl", task=TASK_RANK, known_ids=IDS)
    assert res.format == "argilla_v1_datasets"
    want = expected(tmp_path, ARGILLA_AS_CSV, TASK_RANK).with_columns(
        pl.when((pl.col(C.ORIGINAL_ID) == "s001") & (pl.col(C.ANNOTATOR_ID) == ANA))
        .then(pl.lit('["b", "a", "c"]'))
        .otherwise(pl.col("preference"))
        .alias("preference")
    )
    same_rows(res.annotations, want)  # metadata as a JSON string holds the original_id
    assert res.dropped == {"draft response(s) (statuses=['submitted'])": 1}
    assert sorted(res.judges) == ["gpt-4o-mini"]


def test_argilla_v1_datasets_parquet(tmp_path):
    records = [
        json.loads(line)
        for line in (FIX / "argilla_v1_datasets.jsonl").read_text().split("\n")
        if line
    ]
    path = tmp_path / "train-00000-of-00001.parquet"  # what push_to_huggingface stores
    pl.DataFrame(records).write_parquet(path)
    res = load_annotations(path, task=TASK, known_ids=IDS)
    assert res.format == "argilla_v1_datasets"
    same_rows(res.annotations, expected(tmp_path, ARGILLA_AS_CSV))


def test_argilla_v2_nested_without_status(tmp_path, caplog):
    path = FIX / "argilla_v2_nested.json"
    with pytest.raises(
        DataFileError,
        match=r"12 response\(s\) carry no status\. Argilla 2\.x records\.to_list\(\) / to_json\(\)"
        r".*flatten=True.*statuses=None",
    ):
        load_annotations(path, task=TASK)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(path, task=TASK, statuses=None, known_ids=IDS)
    assert res.format == "argilla_v2"
    # every response, the draft included: said so with a WARNING that names the count
    draft = f"s001,{CHO},rejection,,,\n"
    same_rows(res.annotations, expected(tmp_path, ARGILLA_AS_CSV + draft))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "12 response(s) carry no status" in warnings[0]
    assert "to_list(flatten=True)" in warnings[0]
    assert sorted(res.judges) == ["gpt-4o-mini"]


def test_argilla_v2_to_disk_with_settings_knows_rankings(tmp_path):
    res = load_annotations(FIX / "argilla_v2_disk" / "records.json", task=TASK_RANK, statuses=None)
    assert res.annotations.filter(pl.col("preference").is_not_null())["preference"].to_list() == [
        '["b", "a", "c"]'
    ]


def test_argilla_v2_flat_jsonl(tmp_path):
    res = load_annotations(FIX / "argilla_v2_flat.jsonl", task=TASK, known_ids=IDS)
    assert res.format == "argilla_v2_flat"
    same_rows(res.annotations, expected(tmp_path, ARGILLA_AS_CSV))
    assert res.dropped == {
        "draft response(s) (statuses=['submitted'])": 1,
    }
    assert judge_labels(res, "gpt-4o-mini", "rejection")[1] == ("s002", "not rejection")
    assert judge_labels(res, "gpt-4o-mini", C.CONFIDENCE)[1] == ("s002", 0.9)


def test_argilla_v2_flat_parquet_and_in_memory(tmp_path):
    records = [
        json.loads(line) for line in (FIX / "argilla_v2_flat.jsonl").read_text().split("\n") if line
    ]
    path = tmp_path / "data.parquet"  # Dataset.to_hub / datasets' to_parquet
    pl.DataFrame(records).write_parquet(path)
    want = expected(tmp_path, ARGILLA_AS_CSV)
    same_rows(load_annotations(path, task=TASK).annotations, want)
    # straight from Python: dataset.records.to_list(flatten=True)
    same_rows(load_annotations(records, task=TASK).annotations, want)


def test_argilla_v1_text_classification_records():
    # the cleanlab tutorial's records: one "annotation" per record, "prediction" label scores
    rejection_only = EvalTask(
        task_schemas={"rejection": SCHEMAS["rejection"], "explanation": None},
        response_columns=["llm_response"],
    )
    res = load_annotations(FIX / "argilla_v1_text_classification.json", task=rejection_only)
    assert res.annotations.select(C.ORIGINAL_ID, C.ANNOTATOR_ID, "rejection").rows() == [
        ("s001", "recognai", "rejection"),
        ("s003", "recognai", "not rejection"),
    ]
    assert res.dropped == {"discarded response(s) (statuses=['submitted'])": 1}
    assert judge_labels(res, "MultinomialNB", "rejection") == [
        ("s001", "rejection"),
        ("s002", "not rejection"),
        ("s003", "not rejection"),
        ("s004", "not rejection"),
    ]
    assert judge_labels(res, "MultinomialNB", C.CONFIDENCE) == [
        ("s001", 0.81),
        ("s002", 0.65),
        ("s003", 0.9),
        ("s004", 0.8),
    ]
    # several label tasks: say which one the annotation is
    with pytest.raises(Exception, match=r"Questions found: \['annotation'\].*field_map="):
        load_annotations(FIX / "argilla_v1_text_classification.json", task=TASK)
    res = load_annotations(
        FIX / "argilla_v1_text_classification.json",
        task=TASK,
        field_map={"annotation": "rejection"},
        statuses=None,
    )
    assert res.annotations.height == 3


# --------------------------------------------------------------------------- malformed records
def _write(tmp_path: Path, obj: object, name: str = "bad.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return path


def test_malformed_label_studio_result_names_task_annotation_and_field(tmp_path):
    export = json.loads((FIX / "ls_quick.json").read_text())
    export[1]["annotations"][1]["result"] = {"from_name": "rejection"}
    with pytest.raises(
        DataFileError,
        match=r"task 2 \(original_id 's002'\), annotation 2: field 'result' must be a list",
    ):
        load_annotations(_write(tmp_path, export), task=TASK)


def test_malformed_json_min_row_names_row_and_field(tmp_path):
    rows = json.loads((FIX / "ls_json_min.json").read_text())
    rows[2]["annotator"] = None
    with pytest.raises(
        IdError, match=r"row 3 \(original_id 's002'\): no annotator \(field 'annotator' is None\)"
    ):
        load_annotations(_write(tmp_path, rows), task=TASK)


def test_malformed_argilla_records_name_record_and_field(tmp_path):
    flat = [json.loads(x) for x in (FIX / "argilla_v2_flat.jsonl").read_text().split("\n") if x]
    flat[2]["rejection.responses"] = "rejection"
    with pytest.raises(
        DataFileError, match=r"record 3 \(original_id 's003'\): fields 'rejection.responses'"
    ):
        load_annotations(flat, task=TASK)
    hf = [json.loads(x) for x in (FIX / "argilla_v1_datasets.jsonl").read_text().split("\n") if x]
    hf[1]["metadata"] = "{original_id: s002"
    with pytest.raises(DataFileError, match=r"record 2: field 'metadata' is not valid JSON"):
        load_annotations(hf, task=TASK)
    v1 = json.loads((FIX / "argilla_v1_records.json").read_text())
    v1[0]["responses"][1]["values"]["rejection"]["value"] = "maybe"
    with pytest.raises(
        Exception, match=rf"task 'rejection'.*annotator '{BEN}', original_id 's001'.*'maybe'"
    ):
        load_annotations(v1, task=TASK)


# --------------------------------------------------------------------------- registry
def test_a_new_format_is_one_decorated_function(tmp_path):
    from meta_evaluator.annotations.importers import ImportResult, _registry, importer

    @importer(
        "my_tool",
        tool="my_tool",
        detect=lambda src, opts: "my_labels" in src.key_set(),
        description="records with 'my_labels'",
    )
    def load_my_tool(src, opts):
        rows = [
            {C.ORIGINAL_ID: r["sample"], C.ANNOTATOR_ID: r["by"], "rejection": r["my_labels"]}
            for r in src.rows()
        ]
        return ImportResult(format="my_tool", annotations=pl.DataFrame(rows))

    try:
        assert importer_names()[-3:] == ["my_tool", "long", "wide"]  # tables stay last
        records = [{"sample": "s001", "original_id": "s001", "by": "h1", "my_labels": "rejection"}]
        res = load_annotations(records, task=TASK)
        assert res.format == "my_tool"
        assert res.annotations.columns == [C.ORIGINAL_ID, C.ANNOTATOR_ID, *TASK.task_names]
        with pytest.raises(AnnotationError, match=r"my_tool import of the records passed"):
            load_annotations(records, task=TASK, format="my_tool", known_ids=["s002"])
        with pytest.raises(ConfigError, match=r"format 'my_tool' is already registered"):
            importer("my_tool", tool="x", detect=lambda s, o: False, description="")(load_my_tool)
    finally:
        del _registry._REGISTRY["my_tool"]


def test_python_objects_as_sources(tmp_path):
    pd = pytest.importorskip("pandas")
    pydantic = pytest.importorskip("pydantic")
    want = expected(tmp_path, ARGILLA_AS_CSV)
    flat = [json.loads(x) for x in (FIX / "argilla_v2_flat.jsonl").read_text().split("\n") if x]
    same_rows(load_annotations(pd.DataFrame(flat), task=TASK).annotations, want)

    class Task(pydantic.BaseModel):  # how the Label Studio SDK hands tasks out
        id: int
        data: dict
        annotations: list
        predictions: list = pydantic.Field(default_factory=list)

    tasks = [Task(**t) for t in json.loads((FIX / "ls_quick.json").read_text())]
    res = load_annotations(tasks, task=TASK, annotator_map=LS_EMAILS)
    same_rows(res.annotations, expected(tmp_path, LS_AS_CSV))
    with pytest.raises(ConfigError, match=r"'source' parameter of add_annotations must be"):
        load_annotations(42, task=TASK)


@pytest.mark.parametrize("name", ["ls_quick.json", "ls_json_min.json", "ls_export.csv"])
def test_label_studio_task_ids_that_are_not_sample_ids_get_a_hint(name):
    with pytest.raises(
        AnnotationError,
        match=r"not in the evaluation data, e\.g\. \['101'.*task\(s\) have no 'uid' in their "
        r"data, so their ids are Label Studio task ids: pass id_field=",
    ):
        load_annotations(FIX / name, task=TASK, known_ids=IDS, id_field="uid")


def test_label_studio_old_csv_one_row_per_result(tmp_path):
    # the SDK's ExportToCSV (pandas, one row per result, lists as Python reprs, index column)
    path = tmp_path / "old.csv"
    path.write_text(
        ",id,annotation_id,annotator,original_id,rejection,harms\n"
        "0,101,1001,alice@x.org,s001,rejection,\n"
        "1,101,1001,alice@x.org,s001,,\"['violent', 'hateful']\"\n"
        "2,101,1002,bob@x.org,s001,not rejection,\n"
    )
    res = load_annotations(path, task=TASK)
    assert res.annotations.select(C.ANNOTATOR_ID, "rejection", "harms").rows() == [
        ("alice@x.org", "rejection", ["hateful", "violent"]),
        ("bob@x.org", "not rejection", None),
    ]


def test_label_studio_predictions_only_project():
    # a pre-annotated project nobody has labelled yet: only judges come out
    tasks = json.loads((FIX / "ls_quick.json").read_text())
    for t in tasks:
        t["annotations"] = []
    res = load_annotations(tasks, task=TASK)
    assert res.annotations.height == 0
    assert res.annotations.columns == [C.ORIGINAL_ID, C.ANNOTATOR_ID, *TASK.task_names]
    assert sorted(res.judges) == ["clf-v1", "clf_v2"]
    assert res.dropped == {"task(s) nobody annotated": 4}


def test_argilla_hub_layout_settings_at_the_repository_root(tmp_path):
    # Dataset.to_hub: .argilla/settings.json at the root, the records in data/
    (tmp_path / ".argilla").mkdir()
    shutil.copy(FIX / "argilla_v2_disk" / "settings.json", tmp_path / ".argilla" / "settings.json")
    (tmp_path / "data").mkdir()
    records = [json.loads(x) for x in (FIX / "argilla_v2_flat.jsonl").read_text().split("\n") if x]
    pl.DataFrame(records).write_parquet(tmp_path / "data" / "train-00000-of-00001.parquet")
    res = load_annotations(tmp_path / "data" / "train-00000-of-00001.parquet", task=TASK_RANK)
    assert res.annotations.filter(pl.col("preference").is_not_null())["preference"].to_list() == [
        '["b", "a", "c"]'
    ]


def test_argilla_v2_ranking_without_settings_keeps_its_order_in_a_text_task(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        res = load_annotations(FIX / "argilla_v2_flat.jsonl", task=TASK_RANK)
    assert res.annotations.filter(pl.col("preference").is_not_null())["preference"].to_list() == [
        '["b", "a", "c"]'
    ]
    assert "list answers to free-text task(s) ['preference'] kept in their order" in caplog.text


def test_wrapped_json_tables_are_detected(tmp_path):
    rows = [{"original_id": "s001", "annotator_id": "h1", "rejection": "rejection"}]
    for key in ("records", "data"):
        path = _write(tmp_path, {key: rows}, f"{key}.json")
        res = load_annotations(path, task=TASK)
        assert (res.format, res.annotations.height) == ("long", 1)
