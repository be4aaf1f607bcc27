"""DataLoader: formats, id rules and every error message."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import meta_evaluator.data as data_pkg
from meta_evaluator import columns as C
from meta_evaluator.data import DataLoader, EvalData
from meta_evaluator.errors import ColumnError, ConfigError, DataFileError, IdError

ROWS = [
    {"id": "007", "prompt": "p1", "llm_response": "r1", "score": 1, "ratio": 0.5},
    {"id": "8", "prompt": "p2", "llm_response": "r2", "score": 2, "ratio": None},
    {"id": "9", "prompt": "p3", "llm_response": None, "score": None, "ratio": 1.25},
]


def write(tmp_path: Path, fmt: str, rows=ROWS, name: str = "data") -> Path:
    path = tmp_path / f"{name}.{fmt}"
    frame = pl.DataFrame(rows)
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "json":
        path.write_text(json.dumps(rows))
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    else:
        frame.write_parquet(path)
    return path


def test_public_names():
    assert sorted(data_pkg.__all__) == data_pkg.__all__ == ["DataLoader", "EvalData"]


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet"])
def test_load_each_format_with_id_column(tmp_path, fmt):
    path = write(tmp_path, fmt)
    loader = {
        "csv": DataLoader.load_csv,
        "json": DataLoader.load_json,
        "jsonl": DataLoader.load_jsonl,
        "parquet": DataLoader.load_parquet,
    }[fmt]
    data = loader(name="d", file_path=path, id_column="id")
    assert data.ids == ["007", "8", "9"]  # CSV keeps the leading zeros: id is read as text
    assert data.columns == [C.ORIGINAL_ID, "id", "prompt", "llm_response", "score", "ratio"]
    assert data.data.schema[C.ORIGINAL_ID] == pl.Utf8
    assert data.data["score"].to_list() == [1, 2, None]
    assert data.data["ratio"].to_list() == [0.5, None, 1.25]
    assert data.id_column == "id"
    assert data.source_file == str(path)
    assert len(data) == 3
    # dispatch on extension gives the same table
    assert DataLoader.load("d", path, id_column="id").data.equals(data.data)


def test_integer_id_column_becomes_text(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"k": 10, "r": "a"}, {"k": 11, "r": "b"}]))
    data = DataLoader.load_json("d", path, id_column="k")
    assert data.ids == ["10", "11"]
    assert data.data["k"].dtype == pl.Int64  # the user's column is kept as is


def test_float_ids_lose_trailing_zero(tmp_path):
    path = tmp_path / "d.parquet"
    pl.DataFrame({"k": [1.0, 2.5], "r": ["a", "b"]}).write_parquet(path)
    assert DataLoader.load_parquet("d", path, id_column="k").ids == ["1", "2.5"]


def test_generated_ids_are_stable(tmp_path):
    path = write(tmp_path, "csv")
    first = DataLoader.load_csv("d", path)
    second = DataLoader.load_csv("d", path)
    assert first.ids == second.ids == ["row_000001", "row_000002", "row_000003"]
    assert first.id_column is None
    assert first.data.columns[0] == C.ORIGINAL_ID
    assert "id" in first.data.columns  # no id_column: the user's columns are all kept


def test_json_records_wrapper_and_tsv(tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"records": [{"a": 1}, {"a": 2, "b": "x"}]}))
    data = DataLoader.load("d", path)
    assert data.data["b"].to_list() == [None, "x"]  # keys missing from a record are null
    tsv = tmp_path / "d.tsv"
    tsv.write_text("id\ttext\n1\thello\n2\tworld\n")
    assert DataLoader.load("d", tsv, id_column="id").data["text"].to_list() == ["hello", "world"]


def test_load_csv_ignores_extension(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("a,b\n1,2\n")
    assert DataLoader.load_csv("d", path).data["b"].to_list() == [2]


def test_existing_original_id_column_is_used(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("original_id,text\n001,a\n2,b\n")
    data = DataLoader.load_csv("d", path)
    assert data.ids == ["001", "2"]  # read as text, leading zeros kept
    assert data.columns == [C.ORIGINAL_ID, "text"]
    assert data.id_column is None


# ------------------------------------------------------------------ errors
def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match=r"nope\.csv' does not exist"):
        DataLoader.load_csv("d", tmp_path / "nope.csv")


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(DataFileError, match="is a directory"):
        DataLoader.load_csv("d", tmp_path)


def test_unknown_extension(tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_text("x")
    with pytest.raises(DataFileError, match=r"extension '\.xlsx'.*\.parquet"):
        DataLoader.load("d", path)


def test_malformed_json_names_parser_error(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('[{"a": 1}, {"a": ]')
    with pytest.raises(DataFileError, match=r"d\.json' is not valid JSON: Expecting value: line 1"):
        DataLoader.load_json("d", path)


def test_json_of_wrong_shape(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"rows": []}))
    with pytest.raises(DataFileError, match=r"keys \['rows'\]; expected an array of objects"):
        DataLoader.load_json("d", path)
    path.write_text(json.dumps([{"a": 1}, 5]))
    with pytest.raises(DataFileError, match=r"row 2: expected a JSON object, got '5'"):
        DataLoader.load_json("d", path)


def test_malformed_jsonl_names_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2\n')
    with pytest.raises(DataFileError, match=r"d\.jsonl', line 3: invalid JSON"):
        DataLoader.load_jsonl("d", path)


def test_malformed_csv_has_parser_message(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2,3\n")
    with pytest.raises(DataFileError, match=r"Cannot read data file .*d\.csv' as csv: .*fields"):
        DataLoader.load_csv("d", path)


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "d.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(DataFileError, match=r"as parquet: .*[Pp]arquet"):
        DataLoader.load_parquet("d", path)


@pytest.mark.parametrize(
    ("file_name", "content"),
    [("e.csv", ""), ("h.csv", "a,b\n"), ("e.json", "[]"), ("e.jsonl", "\n\n")],
)
def test_empty_data(tmp_path, file_name, content):
    path = tmp_path / file_name
    path.write_text(content)
    with pytest.raises(DataFileError, match=r"empty|no data rows"):
        DataLoader.load("d", path)


def test_id_column_not_in_file(tmp_path):
    path = write(tmp_path, "csv")
    with pytest.raises(
        ColumnError, match=r"id_column 'uid' is not a column\. Available .*'prompt'"
    ):
        DataLoader.load_csv("d", path, id_column="uid")


def test_duplicate_ids_name_id_and_both_rows(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,x\na,1\nb,2\nc,3\nb,4\n")
    with pytest.raises(IdError, match=r"d\.csv'.*id 'b' in column 'id' .* rows 2 and 4"):
        DataLoader.load_csv("d", path, id_column="id")


def test_null_ids_name_rows(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,x\na,1\n,2\nc,3\n  ,4\n")
    with pytest.raises(IdError, match=r"d\.csv'.*'id' is empty/null at row\(s\) \[2, 4\]"):
        DataLoader.load_csv("d", path, id_column="id")


def test_original_id_conflicts_with_other_id_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("original_id,uid,x\n1,a,1\n")
    with pytest.raises(ColumnError, match=r"'original_id' and id_column='uid'.*reserved"):
        DataLoader.load_csv("d", path, id_column="uid")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_name(tmp_path, name):
    path = write(tmp_path, "csv")
    with pytest.raises(ConfigError, match="'name' of evaluation data must be a non-empty"):
        DataLoader.load_csv(name, path)


def test_load_does_not_touch_other_errors_when_name_bad(tmp_path):
    # the name is checked before the file: a bad name on a missing file reports the name
    with pytest.raises(ConfigError):
        DataLoader.load_csv("", tmp_path / "missing.csv")


def test_result_is_evaldata(tmp_path):
    assert isinstance(DataLoader.load(name="d", file_path=write(tmp_path, "jsonl")), EvalData)


def test_json_column_of_mixed_types_becomes_text(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"v": 1}, {"v": "x"}, {"v": {"k": 1}}, {"v": None}]))
    data = DataLoader.load_json("d", path)
    assert data.data["v"].to_list() == ["1", "x", '{"k": 1}', None]
