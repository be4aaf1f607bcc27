"""Reading an annotation source into records or a table, recognising the container by content.

The file extension is never trusted: Label Studio names every export ``project-1-at-....json``
whatever it holds, Hugging Face writes ``.jsonl`` as ``.json``, and users rename files. The first
bytes decide: ``PAR1`` is parquet; ``[`` is a JSON array; ``{`` is one JSON object (a single
Label Studio task, or ``{"records": [...]}``) or JSON lines; anything else is a delimited text
table (tab-separated when the header line holds more tabs than commas).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from meta_evaluator.data._files import check_file, json_lines
from meta_evaluator.errors import ConfigError, DataFileError

__all__ = ["Container", "Source", "read_source"]

Container = Literal["json", "jsonl", "csv", "tsv", "parquet", "python"]

_SNIFF = 64
"""Number of records the format detectors look at."""


@dataclass(frozen=True, kw_only=True)
class Source:
    """An annotation source as read: JSON-like records or a table, and where it came from."""

    name: str
    """Words naming the source in messages (e.g. ``"'export.json'"``)."""
    path: Path | None
    """The file, when the source is one."""
    container: Container
    """How the content is stored."""
    records: list[dict[str, Any]] | None = None
    """JSON / JSONL objects (and objects passed from Python)."""
    frame: pl.DataFrame | None = None
    """CSV / TSV (every cell as text) and parquet tables."""

    @property
    def file_name(self) -> str | None:
        """The file's bare name (provenance kept with results: no local path is stored)."""
        return None if self.path is None else self.path.name

    def rows(self) -> list[dict[str, Any]]:
        """Every record (tables: one dict per row)."""
        if self.records is not None:
            return self.records
        assert self.frame is not None
        return self.frame.to_dicts()

    def sample(self) -> list[dict[str, Any]]:
        """The first records, for format detection."""
        if self.records is not None:
            return self.records[:_SNIFF]
        assert self.frame is not None
        return self.frame.head(_SNIFF).to_dicts()

    def key_set(self) -> set[str]:
        """Keys of the first records (tables: the column names)."""
        if self.frame is not None:
            return set(self.frame.columns)
        return {k for rec in self.sample() for k in rec}


def read_source(source: Any) -> Source:
    """Read a path, a list of record dicts, one record dict, or a polars / pandas frame.

    Records may also be pydantic models (the Label Studio SDK's task objects): they are dumped
    with ``model_dump()``. A pandas frame (Argilla 1.x ``to_pandas()``) is read row by row as
    records, so nested cells (lists, dicts) stay as they are.

    Raises:
        DataFileError: Missing file, a directory, malformed JSON / JSONL / parquet, a record
            that is not an object, or no record at all.
        ConfigError: ``source`` is of another type.
    """
    if isinstance(source, str | Path):
        return _read_path(Path(source))
    if isinstance(source, pl.DataFrame):
        if source.height == 0:
            raise DataFileError("The annotation table passed holds no rows.")
        return Source(name="the table passed", path=None, container="python", frame=source)
    if type(source).__name__ == "DataFrame" and hasattr(source, "to_dict"):  # pandas
        records = source.to_dict(orient="records")
        return _from_json(records, name="the table passed", path=None, container="python")
    if hasattr(source, "model_dump"):
        source = source.model_dump()
    if isinstance(source, Mapping):
        return _from_json(dict(source), name="the record passed", path=None, container="python")
    if isinstance(source, list | tuple):
        items = [x.model_dump() if hasattr(x, "model_dump") else x for x in source]
        return _from_json(items, name="the records passed", path=None, container="python")
    raise ConfigError(
        "The 'source' parameter of add_annotations must be a file path, a list of record dicts, "
        f"one record dict or a polars / pandas DataFrame; got {type(source).__name__}."
    )


def _read_path(path: Path) -> Source:
    name = repr(str(path))
    check_file(path, "Annotation export")
    raw = path.read_bytes()
    if raw.startswith(b"PAR1"):
        try:
            frame = pl.read_parquet(io.BytesIO(raw))
        except pl.exceptions.PolarsError as exc:
            raise DataFileError(f"Annotation export {name} is not valid parquet: {exc}.") from exc
        if frame.height == 0:
            raise DataFileError(f"Annotation export {name} holds no rows.")
        return Source(name=name, path=path, container="parquet", frame=frame)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"Annotation export {name} is neither UTF-8 text nor parquet ({exc}). Export it "
            "again as JSON, CSV or parquet."
        ) from exc
    head = text.lstrip()[:1]
    if head == "[":
        return _from_json(_loads(text, name), name=name, path=path, container="json")
    if head == "{":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return _from_json(
                json_lines(text.splitlines(), f"Annotation export {name}"),
                name=name,
                path=path,
                container="jsonl",
            )
        return _from_json(obj, name=name, path=path, container="json")
    if not text.strip():
        raise DataFileError(f"Annotation export {name} is empty.")
    return _read_delimited(text, name=name, path=path)


def _loads(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"Annotation export {name} is not valid JSON: {exc}. Export it again, or save it as "
            "JSON lines (one object per line)."
        ) from exc


def _from_json(obj: Any, *, name: str, path: Path | None, container: Container) -> Source:
    if isinstance(obj, dict):
        # {"records": [...]} / {"data": [...]} wrappers (a Label Studio task's "data" is an object)
        wrapped = obj.get("records", obj.get("data"))
        obj = wrapped if isinstance(wrapped, list) else [obj]
    if not isinstance(obj, list):
        raise DataFileError(
            f"Annotation export {name} holds a JSON {type(obj).__name__}; expected an array of "
            "records (or one record object)."
        )
    for pos, rec in enumerate(obj, 1):
        if not isinstance(rec, dict):
            raise DataFileError(
                f"Annotation export {name}, record {pos}: expected a JSON object, got "
                f"{str(rec)[:80]!r}."
            )
    if not obj:
        raise DataFileError(f"Annotation export {name} holds no records.")
    return Source(name=name, path=path, container=container, records=obj)


def _read_delimited(text: str, *, name: str, path: Path) -> Source:
    header = text.lstrip("\r\n").splitlines()[0]
    sep = "\t" if header.count("\t") > header.count(",") else ","
    kind = "TSV" if sep == "\t" else "CSV"
    try:
        frame = pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise DataFileError(
            f"Annotation export {name} is not a valid {kind} file: {exc}. Check the separator "
            "and the quoting."
        ) from exc
    if frame.height == 0:
        raise DataFileError(f"Annotation export {name} has a header but no rows.")
    return Source(name=name, path=path, container="tsv" if sep == "\t" else "csv", frame=frame)
