"""Reading and validating label files (human annotations and external judge results).

Every label table meta_evaluator accepts goes through :func:`normalise_label_frame`, which is
vectorised with polars (a 100k-row file validates in well under a second) and returns the
long format ``original_id, annotator_id, <one column per task>``:

==============  ======================================================================
task kind       column dtype and accepted cell values
==============  ======================================================================
categorical     Utf8; the label text (numbers match by text: ``1.0`` -> ``"1"``)
numeric         Int64 when the scale is all integers, else Float64; numbers or numeric text
text            Utf8; any value (whitespace-only cells count as missing)
multilabel      List(Utf8) in schema order, no repeats; a list, a JSON list string
                ``'["a", "b"]'`` or ``"a|b"``; ``"[]"`` is an empty set (labelled: none)
==============  ======================================================================

A null or empty cell means "this annotator did not label that task" and is allowed. Task
columns missing from the file are added as nulls. Row numbers in messages are 1-based data rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.data._loader import FileFormat, first_rows, id_to_str, read_table
from meta_evaluator.errors import AnnotationError, ColumnError, IdError
from meta_evaluator.eval_task import EvalTask

__all__ = ["label_dtype", "load_annotation_file", "normalise_label_frame"]

logger = logging.getLogger(__name__)

_ROW = "__meta_evaluator_row__"
_SHOW = 5


def label_dtype(task: EvalTask, task_name: str) -> pl.DataType:
    """The polars dtype of a task's label column (see the module docstring).

    Example:
        >>> t = EvalTask(task_schemas={"score": [1, 2, 3]}, response_columns=["r"])
        >>> label_dtype(t, "score")
        Int64
    """
    kind = task.task_kind(task_name)
    if kind == "multilabel":
        return pl.List(pl.Utf8)
    if kind == "numeric":
        allowed = task.allowed_labels(task_name) or []
        return pl.Int64() if all(isinstance(x, int) for x in allowed) else pl.Float64()
    return pl.Utf8()


def load_annotation_file(
    file_path: str | Path,
    *,
    task: EvalTask,
    annotator_id: str | None = None,
    known_ids: Collection[str] | None = None,
    id_column: str = C.ORIGINAL_ID,
    annotator_column: str = C.ANNOTATOR_ID,
    fmt: FileFormat | None = None,
) -> pl.DataFrame:
    """Read a human annotation file (csv / tsv / json / jsonl / parquet, by extension).

    With ``annotator_id`` the file holds one annotator's labels: ``original_id`` plus one column
    per task (an annotator column, if present, is ignored). Without it the file is long format and
    ``annotator_column`` says who gave each row's labels. CSV cells are read as text and converted
    per task kind (see the module docstring); columns that are not tasks are ignored (logged).

    Args:
        file_path: The file.
        task: The task whose columns and schemas the labels follow.
        annotator_id: The annotator, for a one-annotator file.
        known_ids: Ids of the evaluation data; labels for other ids are an error.
        id_column: Column holding the sample ids.
        annotator_column: Column holding annotator ids (long format).
        fmt: The file format, when the extension does not tell it (default: by extension).

    Returns:
        ``original_id, annotator_id, <task columns in task order>``, one row per file row.

    Raises:
        DataFileError: Missing, malformed or empty file.
        ColumnError: No id column, no annotator column (long format), or no task column.
        IdError: Null ids or annotator ids.
        AnnotationError: A label outside the schema, an unknown id, or a duplicate
            (annotator, original_id) pair.
    """
    if annotator_id is not None and (not isinstance(annotator_id, str) or not annotator_id.strip()):
        raise AnnotationError(
            f"The 'annotator_id' parameter of load_annotation_file must be a non-empty string or "
            f"None; got {annotator_id!r}."
        )
    path = Path(file_path)
    raw = read_table(path, fmt=fmt, what="annotation file", all_strings=True)
    return normalise_label_frame(
        raw,
        task=task,
        origin=f"annotation file {str(path)!r}",
        owner_id=annotator_id,
        owner_column=annotator_column,
        id_column=id_column,
        known_ids=known_ids,
    )


def normalise_label_frame(
    raw: pl.DataFrame,
    *,
    task: EvalTask,
    origin: str,
    owner_id: str | None = None,
    owner_column: str = C.ANNOTATOR_ID,
    id_column: str = C.ORIGINAL_ID,
    known_ids: Collection[str] | None = None,
    owner_kind: str = "annotator",
) -> pl.DataFrame:
    """Validate a raw label table and return it in the long format of the module docstring.

    Args:
        raw: The table as read.
        task: The task the labels follow.
        origin: Words naming the source in messages (e.g. "annotation file 'h1.csv'").
        owner_id: The single annotator (or judge) of every row; None reads ``owner_column``.
        owner_column: Column naming the annotator of each row when ``owner_id`` is None.
        id_column: Column holding the sample ids.
        known_ids: Ids of the evaluation data; None skips the check.
        owner_kind: "annotator" or "judge", for messages.

    Raises:
        ColumnError, IdError, AnnotationError: See :func:`load_annotation_file`.
    """
    cols = raw.columns
    if id_column not in cols:
        raise ColumnError(
            f"{origin}: no id column {id_column!r}. Columns: {cols!r}. Add a column "
            f"{id_column!r} with the sample ids of the evaluation data, or pass id_column=..."
        )
    if owner_id is None and owner_column not in cols:
        raise ColumnError(
            f"{origin}: no {owner_kind} column {owner_column!r}. Columns: {cols!r}. Pass "
            f"{owner_kind}_id=... for a file holding one {owner_kind}'s labels, or add a column "
            f"{owner_column!r} naming who gave each row's labels."
        )
    present = [t for t in task.task_names if t in cols]
    if not present:
        raise ColumnError(
            f"{origin}: none of the task columns {task.task_names!r} is present. Columns: "
            f"{cols!r}. Name one column after each task (rename the label columns)."
        )
    used = {id_column, *present} | ({owner_column} if owner_id is None else set())
    extra = [c for c in cols if c not in used]
    absent = [t for t in task.task_names if t not in cols]
    if extra:
        logger.info("%s: ignoring column(s) that are not tasks: %r", origin, extra)
    if absent:
        logger.info("%s: task column(s) %r absent; treated as unlabelled", origin, absent)

    frame = raw.select(
        id_to_str(id_column, raw.schema[id_column]).alias(C.ORIGINAL_ID),
        (
            pl.lit(owner_id, dtype=pl.Utf8)
            if owner_id is not None
            else id_to_str(owner_column, raw.schema[owner_column])
        ).alias(C.ANNOTATOR_ID),
        *[pl.col(t) for t in present],
    )
    _check_keys(frame, origin=origin, id_column=id_column, owner_column=owner_column,
                owner_kind=owner_kind, known_ids=known_ids)  # fmt: skip
    labels = [
        _normalise_task(frame, task, t, origin=origin, owner_kind=owner_kind) for t in present
    ]
    missing = [pl.lit(None, dtype=label_dtype(task, t)).alias(t) for t in absent]
    out = frame.select(C.ORIGINAL_ID, C.ANNOTATOR_ID).with_columns(*labels, *missing)
    return out.select(C.ORIGINAL_ID, C.ANNOTATOR_ID, *task.task_names)


def _who(frame: pl.DataFrame, row: int, owner_kind: str) -> str:
    oid, aid = frame.row(row - 1)[:2]
    return f"row {row} ({owner_kind} {aid!r}, original_id {oid!r})"


def _check_keys(
    frame: pl.DataFrame,
    *,
    origin: str,
    id_column: str,
    owner_column: str,
    owner_kind: str,
    known_ids: Collection[str] | None,
) -> None:
    """Null ids / owners, duplicate (owner, id) pairs, unknown ids."""
    null_ids = first_rows(frame, pl.col(C.ORIGINAL_ID).is_null())
    if null_ids:
        raise IdError(
            f"{origin}: id column {id_column!r} is empty at row(s) {null_ids!r}. Every row "
            "needs the original_id of the sample it labels: fill it in or delete the row."
        )
    null_owner = first_rows(frame, pl.col(C.ANNOTATOR_ID).is_null())
    if null_owner:
        raise IdError(
            f"{origin}: {owner_kind} column {owner_column!r} is empty at row(s) {null_owner!r}. "
            f"Fill in who gave those labels, or delete the rows."
        )
    key = pl.struct(C.ANNOTATOR_ID, C.ORIGINAL_ID)
    dup_mask = frame.select(key.is_duplicated().alias("_d"))["_d"]
    if dup_mask.any():
        groups = (
            frame.with_row_index(_ROW, offset=1)
            .filter(dup_mask)
            .group_by(C.ANNOTATOR_ID, C.ORIGINAL_ID, maintain_order=True)
            .agg(pl.col(_ROW))
        )
        aid, oid, rows = groups.row(0)
        more = f" ({groups.height - 1} more duplicated pair(s))" if groups.height > 1 else ""
        raise AnnotationError(
            f"{origin}: {owner_kind} {aid!r} labels original_id {oid!r} more than once, at rows "
            f"{rows[0]} and {rows[1]}{more}. Keep one row per ({owner_kind}, original_id)."
        )
    if known_ids is not None:
        known = pl.Series(list(known_ids), dtype=pl.Utf8)
        unknown = frame.filter(~pl.col(C.ORIGINAL_ID).is_in(known.implode()))
        if unknown.height:
            ids = unknown[C.ORIGINAL_ID].unique(maintain_order=True)
            rows = first_rows(frame, ~pl.col(C.ORIGINAL_ID).is_in(known.implode()), limit=1)
            raise AnnotationError(
                f"{origin}: {ids.len()} original_id value(s) are not in the evaluation data, "
                f"e.g. {ids.head(_SHOW).to_list()!r} (first at {_who(frame, rows[0], owner_kind)}"
                f"). Fix the ids, or load the matching evaluation data first."
            )


def _normalise_task(
    frame: pl.DataFrame, task: EvalTask, name: str, *, origin: str, owner_kind: str
) -> pl.Series:
    """The task column converted to its label dtype; AnnotationError on labels off-schema."""
    kind = task.task_kind(name)
    allowed = task.allowed_labels(name)
    s = frame[name]
    if kind == "multilabel":
        assert allowed is not None
        return _multilabel(frame, name, allowed, origin=origin, owner_kind=owner_kind)
    if s.dtype.is_nested() or s.dtype in (pl.Binary, pl.Object):
        bad = s.is_not_null()
        if bad.any():
            _raise_bad(frame, bad, task, name, origin=origin, owner_kind=owner_kind)
        s = pl.Series(name, [None] * s.len(), dtype=pl.Utf8)
    if kind == "text":
        text = s.cast(pl.Utf8) if s.dtype != pl.Utf8 else s
        return pl.select(
            pl.when(text.str.strip_chars() == "").then(None).otherwise(text).alias(name)
        ).to_series()
    if kind == "categorical":
        assert allowed is not None
        text = frame.select(id_to_str(name, s.dtype)).to_series()
        bad = text.is_not_null() & ~text.is_in(pl.Series(allowed, dtype=pl.Utf8).implode())
        if bad.any():
            _raise_bad(frame, bad, task, name, origin=origin, owner_kind=owner_kind)
        return text
    # numeric
    assert allowed is not None
    if s.dtype == pl.Utf8:
        text = s.str.strip_chars()
        text = pl.select(pl.when(text == "").then(None).otherwise(text)).to_series()
        num = text.cast(pl.Float64, strict=False)
        bad = text.is_not_null() & (num.is_null() | num.is_nan())  # "nan" text is no label
    elif s.dtype.is_numeric() or s.dtype == pl.Null:
        num = s.cast(pl.Float64)
        bad = pl.Series([False] * s.len())
    else:
        num = pl.Series([None] * s.len(), dtype=pl.Float64)
        bad = s.is_not_null()
    num = pl.select(pl.when(num.is_nan()).then(None).otherwise(num)).to_series()
    scale = pl.Series([float(x) for x in allowed], dtype=pl.Float64)
    bad = bad | (num.is_not_null() & ~num.is_in(scale.implode()))
    if bad.any():
        _raise_bad(frame, bad, task, name, origin=origin, owner_kind=owner_kind)
    return num.cast(label_dtype(task, name)).alias(name)


def _multilabel(
    frame: pl.DataFrame, name: str, outcomes: list[Any], *, origin: str, owner_kind: str
) -> pl.Series:
    s = frame[name]
    if s.dtype == pl.Utf8:
        text = s.str.strip_chars()
        is_json = text.str.starts_with("[")
        json_text = pl.select(pl.when(is_json).then(text).otherwise(None)).to_series()
        try:
            decoded = json_text.str.json_decode(pl.List(pl.Utf8))
        except pl.exceptions.PolarsError:
            bad_rows = [
                i + 1
                for i, v in enumerate(json_text.to_list())
                if v is not None and not _is_json_list(v)
            ]
            row = bad_rows[0]
            raise AnnotationError(
                f"{origin}, {_who(frame, row, owner_kind)}: task {name!r}: {s[row - 1]!r} is not "
                f"a valid JSON list of outcomes. Write e.g. '[\"{outcomes[0]}\"]' or "
                f"'{'|'.join(map(str, outcomes[:2]))}'. Allowed outcomes: {outcomes!r}."
            ) from None
        split = (
            pl.select(pl.when(is_json | (text == "")).then(None).otherwise(text))
            .to_series()
            .str.split("|")
        )
        lists = pl.select(pl.when(is_json).then(decoded).otherwise(split)).to_series()
    elif s.dtype == pl.Null:
        lists = pl.Series(name, [None] * s.len(), dtype=pl.List(pl.Utf8))
    elif isinstance(s.dtype, pl.List | pl.Array):
        lists = s.cast(pl.List(pl.Utf8))
    else:
        bad = s.is_not_null()
        if bad.any():
            _raise_bad_multilabel(frame, bad, name, outcomes, origin=origin, owner_kind=owner_kind)
        lists = pl.Series(name, [None] * s.len(), dtype=pl.List(pl.Utf8))
    lists = lists.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
    )
    allowed = pl.Series(outcomes, dtype=pl.Utf8)
    bad = lists.list.eval(~pl.element().is_in(allowed.implode())).list.any().fill_null(False)
    if bad.any():
        _raise_bad_multilabel(frame, bad, name, outcomes, origin=origin, owner_kind=owner_kind)
    # schema order, no repeats: one list per outcome the set contains, concatenated in order
    # (vectorised; mapping elements to positions inside list.eval is ~20x slower)
    empty = pl.lit([], dtype=pl.List(pl.Utf8))
    parts = [
        pl.when(lists.list.contains(o)).then(pl.lit([o], dtype=pl.List(pl.Utf8))).otherwise(empty)
        for o in outcomes
    ]
    ordered = pl.when(lists.is_null()).then(None).otherwise(pl.concat_list(parts))
    return pl.select(ordered.alias(name)).to_series()


def _is_json_list(text: str) -> bool:
    try:
        return isinstance(json.loads(text), list)
    except json.JSONDecodeError:
        return False


def _examples(frame: pl.DataFrame, bad: pl.Series, name: str, owner_kind: str) -> str:
    rows = first_rows(frame, bad, limit=_SHOW)
    return "; ".join(f"{_who(frame, r, owner_kind)}: {frame[name][r - 1]!r}" for r in rows)


def _raise_bad(
    frame: pl.DataFrame,
    bad: pl.Series,
    task: EvalTask,
    name: str,
    *,
    origin: str,
    owner_kind: str,
) -> NoReturn:
    allowed = task.allowed_labels(name)
    where = "on the rating scale" if task.task_kind(name) == "numeric" else "in the schema"
    raise AnnotationError(
        f"{origin}, task {name!r}: {int(bad.sum())} label(s) are not {where}, e.g. "
        f"{_examples(frame, bad, name, owner_kind)}. Allowed labels (case-sensitive): "
        f"{allowed!r}. Fix the file or add the label to task_schemas."
    )


def _raise_bad_multilabel(
    frame: pl.DataFrame,
    bad: pl.Series,
    name: str,
    outcomes: list[Any],
    *,
    origin: str,
    owner_kind: str,
) -> NoReturn:
    raise AnnotationError(
        f"{origin}, task {name!r}: {int(bad.sum())} label set(s) hold outcomes that are not in "
        f"the schema, e.g. {_examples(frame, bad, name, owner_kind)}. Allowed outcomes: "
        f"{outcomes!r}. Write a set as 'a|b' or '[\"a\", \"b\"]', or add the outcome to the "
        "MultiLabelSchema."
    )
