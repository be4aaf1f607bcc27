"""EvalData: invariants, task checks, rows and the save/load round trip."""

from __future__ import annotations

import polars as pl
import pytest

from meta_evaluator import columns as C
from meta_evaluator.data import DataLoader, EvalData
from meta_evaluator.errors import ColumnError, ConfigError, DataError, IdError, ProjectError
from meta_evaluator.eval_task import EvalTask

FRAME = pl.DataFrame(
    {
        "uid": ["007", "8", "9"],
        "prompt": ["p1", "p2", None],
        "llm_response": ["r1", "", "r3"],
        "n": [1, None, 3],
        "x": [0.5, None, -2.25],
        "flag": [True, False, None],
        "empty": pl.Series([None, None, None], dtype=pl.Float64),
    }
)


def make(id_column: str | None = "uid") -> EvalData:
    return EvalData.from_frame("my data", FRAME, id_column=id_column, source_file="src.csv")


def test_constructor_checks_invariants():
    # a raw frame goes through from_frame (the original meta-evaluator's EvalData(name=, data=))
    assert EvalData(name="d", data=FRAME).data.equals(EvalData.from_frame("d", FRAME).data)
    ints = FRAME.select(pl.Series(C.ORIGINAL_ID, [1, 2, 3]), pl.all())
    assert EvalData(name="d", data=ints).ids == ["1", "2", "3"]
    dup = FRAME.select(pl.Series(C.ORIGINAL_ID, ["a", "b", "a"]), pl.all())
    with pytest.raises(IdError, match=r"id 'a' .* rows 1 and 3"):
        EvalData(name="d", data=dup)
    with pytest.raises(ConfigError, match="non-empty"):
        EvalData(name=" ", data=make().data)


def test_from_frame_does_not_modify_input():
    before = FRAME.columns
    make()
    make(None)
    assert FRAME.columns == before


def test_from_frame_empty_frame():
    with pytest.raises(DataError, match="holds no rows"):
        EvalData.from_frame("d", FRAME.clear())


def test_validate_for_task():
    data = make()
    data.validate_for_task(
        EvalTask(task_schemas={"t": ["a"]}, prompt_columns=["prompt"], response_columns=["n"])
    )
    task = EvalTask(
        task_schemas={"t": ["a"]}, prompt_columns=["question"], response_columns=["answer", "n"]
    )
    with pytest.raises(
        ColumnError,
        match=r"lacks column\(s\) \['question', 'answer'\].*Available columns: \['original_id'",
    ):
        data.validate_for_task(task)


def test_rows():
    data = make()
    rows = data.rows()
    assert rows[0] == {
        C.ORIGINAL_ID: "007",
        "uid": "007",
        "prompt": "p1",
        "llm_response": "r1",
        "n": 1,
        "x": 0.5,
        "flag": True,
        "empty": None,
    }
    assert data.rows(columns=["prompt"])[2] == {C.ORIGINAL_ID: "9", "prompt": None}
    with pytest.raises(ColumnError, match=r"no column\(s\) \['zz'\]"):
        data.rows(columns=["zz"])


def test_repr_and_len():
    assert "rows=3" in repr(make())
    assert len(make()) == 3


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
@pytest.mark.parametrize("id_column", ["uid", None])
def test_save_load_round_trip(tmp_path, fmt, id_column):
    data = make(id_column)
    meta = data.save(tmp_path, data_format=fmt)
    assert meta["file"] == f"{meta['file'].rsplit('.', 1)[0]}.{fmt}"
    assert (tmp_path / meta["file"]).exists()
    assert meta["n_rows"] == 3 and meta["format"] == fmt and meta["id_column"] == id_column
    assert meta["columns"] == data.columns
    back = EvalData.load(tmp_path, meta)
    assert back.ids == data.ids
    assert back.name == "my data" and back.source_file == "src.csv"
    assert back.id_column == id_column
    assert back.data.schema == data.data.schema  # ints, floats, bools, strings, all-null
    # "" and null survive as different values in every format
    assert back.data.equals(data.data, null_equal=True)
    # and a second save/load changes nothing
    again = EvalData.load(tmp_path, back.save(tmp_path, data_format=fmt))
    assert again.data.equals(data.data, null_equal=True)


def test_save_file_name_is_sanitised(tmp_path):
    meta = EvalData.from_frame("a/b c", FRAME).save(tmp_path, data_format="parquet")
    assert "/" not in meta["file"] and " " not in meta["file"]
    assert [p.name for p in tmp_path.iterdir()] == [meta["file"]]  # no temp files left


def test_csv_refuses_nested_columns(tmp_path):
    data = EvalData.from_frame("d", pl.DataFrame({"tags": [["a"], ["b", "c"]]}))
    with pytest.raises(DataError, match=r"'tags \(List\(String\)\)'.*data_format='json'"):
        data.save(tmp_path, data_format="csv")
    back = EvalData.load(tmp_path, data.save(tmp_path, data_format="json"))
    assert back.data["tags"].to_list() == [["a"], ["b", "c"]]


def test_save_bad_format(tmp_path):
    with pytest.raises(ConfigError, match=r"'data_format' parameter .* got 'xlsx'"):
        make().save(tmp_path, data_format="xlsx")  # type: ignore[arg-type]


def test_load_missing_file_or_metadata(tmp_path):
    meta = make().save(tmp_path, data_format="csv")
    (tmp_path / meta["file"]).unlink()
    with pytest.raises(ProjectError, match=r"does not exist.*add_data"):
        EvalData.load(tmp_path, meta)
    with pytest.raises(ProjectError, match="lacks 'name', 'file' or 'format'"):
        EvalData.load(tmp_path, {"name": "d"})


def test_loaded_file_save_reload_keeps_generated_ids(tmp_path):
    src = tmp_path / "src.csv"
    FRAME.drop("empty").write_csv(src)
    data = DataLoader.load_csv("d", src)
    back = EvalData.load(tmp_path / "proj", data.save(tmp_path / "proj", data_format="csv"))
    assert back.ids == data.ids == ["row_000001", "row_000002", "row_000003"]
    # reading the saved file with DataLoader keeps the ids too (original_id column reused)
    saved = tmp_path / "proj" / "d.csv"
    assert DataLoader.load_csv("d", saved).ids == data.ids
