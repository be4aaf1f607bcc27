"""Reading tabular files (csv / tsv / json / jsonl / parquet) and the helpers every reader shares.

:func:`read_table`, :func:`id_to_str`, :func:`first_rows` and :func:`safe_file_stem` serve
``DataLoader``, ``EvalData`` and ``meta_evaluator.annotations``, so every file meta_evaluator
reads goes through one reader with one set of error messages. They live here rather than in
``_loader`` so that ``EvalData`` and ``DataLoader`` do not import each other.

Row numbers in error messages are **1-based data rows**: "row 1" is the first record (the CSV
header line is not counted).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from meta_evaluator.errors import DataFileError, DataFileNotFoundError

__all__ = ["FileFormat", "first_rows", "format_of", "id_to_str", "read_table", "safe_file_stem"]

FileFormat = Literal["csv", "tsv", "json", "jsonl", "parquet"]

_SUFFIXES: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_JSON_RECORD_KEYS = ("records", "data")


def format_of(path: Path, *, what: str = "file") -> FileFormat:
    """Return the file format implied by ``path``'s extension.

    Args:
        path: The file.
        what: Words naming the file in the error message (e.g. "annotation file").

    Raises:
        DataFileError: The extension is not one meta_evaluator reads.

    Example:
        >>> format_of(Path("labels.ndjson"))
        'jsonl'
    """
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DataFileError(
            f"{what} {str(path)!r}: cannot tell the format from extension {path.suffix!r}. "
            f"Use one of {sorted(_SUFFIXES)!r}, or call the format-specific loader."
        )
    return fmt


def read_table(
    file_path: str | Path,
    *,
    fmt: FileFormat | None = None,
    what: str = "data file",
    string_columns: Sequence[str] = (),
    all_strings: bool = False,
    schema_overrides: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Read a csv / tsv / json / jsonl / parquet file into a polars frame.

    JSON files hold an array of objects, or an object whose ``"records"`` or ``"data"`` key holds
    that array; JSONL files hold one object per line (blank lines are skipped). Keys missing from
    some objects become nulls.

    Args:
        file_path: The file to read.
        fmt: The format; default: from the extension (see :func:`format_of`).
        what: Words naming the file in error messages.
        string_columns: CSV/TSV columns to read as text (keeps ids such as ``"007"`` intact).
        all_strings: Read every CSV/TSV column as text (no type inference).
        schema_overrides: CSV/TSV dtypes per column (used to restore saved data exactly).

    Returns:
        The table, with at least one row and one column.

    Raises:
        DataFileError: The file is missing, not in the format, malformed, or holds no rows.
    """
    path = Path(file_path)
    check_file(path, what)
    fmt = fmt or format_of(path, what=what)
    try:
        if fmt in ("csv", "tsv"):
            overrides: dict[str, Any] = {c: pl.Utf8 for c in string_columns}
            overrides.update(schema_overrides or {})
            frame = pl.read_csv(
                path,
                separator="\t" if fmt == "tsv" else ",",
                infer_schema=not all_strings,
                infer_schema_length=None,
                schema_overrides=overrides or None,
            )
        elif fmt == "json":
            frame = _frame_from_records(_json_records(path, what), path, what)
        elif fmt == "jsonl":
            frame = _frame_from_records(_jsonl_records(path, what), path, what)
        else:
            frame = pl.read_parquet(path)
    except DataFileError:
        raise
    except pl.exceptions.NoDataError as exc:
        raise DataFileError(
            f"{what} {str(path)!r} is empty ({exc}). Add a header and at least one row."
        ) from exc
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise DataFileError(
            f"Cannot read {what} {str(path)!r} as {fmt}: {exc}. Fix the file, or check that its "
            "extension matches its content."
        ) from exc
    if frame.width == 0 or frame.height == 0:
        raise DataFileError(
            f"{what} {str(path)!r} holds no data rows (columns: {frame.columns!r}). "
            "Add at least one row."
        )
    return frame


def _json_records(path: Path, what: str) -> list[Any]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{what} {str(path)!r} is not valid JSON: {exc}. Fix the file (a JSON array of "
            "objects), or save it as .jsonl if it holds one object per line."
        ) from exc
    if isinstance(obj, dict):
        for key in _JSON_RECORD_KEYS:
            if isinstance(obj.get(key), list):
                return list(obj[key])
        raise DataFileError(
            f"{what} {str(path)!r} holds a JSON object with keys {sorted(obj)[:10]!r}; expected "
            f"an array of objects, or an object whose {list(_JSON_RECORD_KEYS)!r} key holds one."
        )
    if not isinstance(obj, list):
        raise DataFileError(
            f"{what} {str(path)!r} holds a JSON {type(obj).__name__}; expected an array of "
            "objects (one per row)."
        )
    return obj


def _jsonl_records(path: Path, what: str) -> list[Any]:
    with path.open(encoding="utf-8-sig") as fh:
        return json_lines(fh, f"{what} {str(path)!r}")


def check_file(path: Path, what: str) -> None:
    """Raise unless ``path`` is an existing file (``what`` names it in the message).

    Raises:
        DataFileNotFoundError: ``path`` does not exist.
        DataFileError: ``path`` is a directory.
    """
    if not path.exists():
        raise DataFileNotFoundError(
            f"{what} {str(path)!r} does not exist (resolved to {str(path.absolute())!r}). "
            "Check the path and the working directory."
        )
    if path.is_dir():
        raise DataFileError(f"{what} {str(path)!r} is a directory; pass the path of a file.")


def json_lines(lines: Iterable[str], where: str) -> list[Any]:
    """The JSON values of ``lines`` (JSON lines), blank lines skipped.

    Args:
        lines: The text lines.
        where: Words naming the file in error messages, e.g. ``"Data file 'a.jsonl'"``.

    Raises:
        DataFileError: A line is not valid JSON (names the 1-based line and shows its start).
    """
    records: list[Any] = []
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"{where}, line {line_no}: invalid JSON ({exc}): "
                f"{line.strip()[:80]!r}. Fix the line; JSONL holds one JSON object per line."
            ) from exc
    return records


def _frame_from_records(records: list[Any], path: Path, what: str) -> pl.DataFrame:
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise DataFileError(
                f"{what} {str(path)!r}, row {i + 1}: expected a JSON object, got "
                f"{str(rec)[:80]!r}. Every row must be an object of column -> value."
            )
    if not records:
        return pl.DataFrame()
    try:
        return pl.from_dicts(records, infer_schema_length=None)
    except pl.exceptions.PolarsError:
        return _mixed_records_frame(records)


def _mixed_records_frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    """Column by column; a column mixing types (e.g. lists and strings) becomes JSON text."""
    keys: dict[str, None] = {}
    for rec in records:
        keys.update(dict.fromkeys(rec))
    columns = []
    for key in keys:
        values = [rec.get(key) for rec in records]
        try:
            columns.append(pl.Series(key, values, strict=True))
        except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError):
            text = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
            columns.append(pl.Series(key, text, dtype=pl.Utf8))
    return pl.DataFrame(columns)


def id_to_str(name: str, dtype: pl.DataType) -> pl.Expr:
    """An expression turning an id (or label) column into stripped text; ``""`` becomes null.

    Integral floats lose their ``.0`` (``3.0 -> "3"``) so ids read as floats match ids read as
    integers or text.

    Args:
        name: The column.
        dtype: Its dtype.

    Example:
        >>> df = pl.DataFrame({"x": [1.0, 2.5, None]})
        >>> df.select(id_to_str("x", df.schema["x"]))["x"].to_list()
        ['1', '2.5', None]
    """
    col = pl.col(name)
    if dtype.is_float():
        integral = col.is_finite() & (col.round(0) == col)
        text = (
            pl.when(integral)
            .then(col.cast(pl.Int64, strict=False).cast(pl.Utf8))
            .otherwise(col.cast(pl.Utf8))
        )
    elif dtype == pl.Utf8:
        text = col
    else:
        text = col.cast(pl.Utf8)
    text = text.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text).alias(name)


def first_rows(frame: pl.DataFrame, mask: pl.Series | pl.Expr, *, limit: int = 5) -> list[int]:
    """1-based row numbers where ``mask`` is true (the first ``limit`` of them)."""
    idx = frame.select(pl.int_range(1, pl.len() + 1).alias("_row"), mask.alias("_m"))
    return idx.filter(pl.col("_m").fill_null(False))["_row"].head(limit).to_list()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_stem(name: str) -> str:
    """A file-name-safe stem for ``name``; names that had to change get a short hash suffix.

    The suffix keeps two names that sanitise alike (``"a/b"`` and ``"a_b"``) apart.

    Example:
        >>> safe_file_stem("human_1")
        'human_1'
        >>> safe_file_stem("a/b") != safe_file_stem("a_b")
        True
    """
    stem = _UNSAFE.sub("_", name).strip("._") or "unnamed"
    if stem != name:
        stem = f"{stem[:60]}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"
    return stem
