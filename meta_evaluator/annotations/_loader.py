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
from typing import Any, Literal, NoReturn

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._ids import validate_id
from meta_evaluator.data._loader import FileFormat, first_rows, id_to_str, read_table
from meta_evaluator.errors import AnnotationError, ColumnError, ConfigError, DataError, IdError
from meta_evaluator.eval_task import EvalTask

__all__ = ["label_dtype", "load_annotation_file", "normalise_label_frame"]

logger = logging.getLogger(__name__)

_ROW = "__meta_evaluator_row__"
_SHOW = 20  # examples shown per kind of problem (then a count)


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
    if annotator_id is not None:
        validate_id("annotator", annotator_id)
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
    owner_kind: Literal["annotator", "judge"] = "annotator",
    check_owner_ids: bool = True,
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
        owner_kind: "annotator" or "judge", for messages and the id rule.
        check_owner_ids: Check annotator / judge ids against the id rule of
            ``meta_evaluator._ids`` (off when re-reading a saved project).

    Raises:
        ConfigError: An annotator or judge id breaks the id rule (too long, control
            characters, ...).
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
            f"{origin}: no {owner_kind} column {owner_column!r}. Columns: {cols!r}. Name the "
            f"column that says who gave each row's labels with {owner_kind}_column=..., or add "
            f"a column {owner_column!r}. A file holding one {owner_kind}'s labels goes through "
            f"add_external_annotation_results(file, {owner_kind}_id=...) instead."
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
    if check_owner_ids:
        owners = [owner_id] if owner_id is not None else frame[C.ANNOTATOR_ID].drop_nulls()
        for oid in pl.Series(owners, dtype=pl.Utf8).unique(maintain_order=True):
            try:
                validate_id(owner_kind, oid)
            except ConfigError as exc:
                raise type(exc)(f"{origin}: {exc}") from None
    problems = _check_keys(
        frame,
        origin=origin,
        id_column=id_column,
        owner_column=owner_column,
        owner_kind=owner_kind,
        known_ids=known_ids,
    )
    labels = []
    for t in present:
        series, problem = _normalise_task(frame, task, t, origin=origin, owner_kind=owner_kind)
        labels.append(series)
        if problem is not None:
            problems.append(problem)
    if problems:
        _raise_all(problems)
    missing = [pl.lit(None, dtype=label_dtype(task, t)).alias(t) for t in absent]
    out = frame.select(C.ORIGINAL_ID, C.ANNOTATOR_ID).with_columns(*labels, *missing)
    return out.select(C.ORIGINAL_ID, C.ANNOTATOR_ID, *task.task_names)


_Problem = tuple[type[DataError], str]
"""One kind of problem found in a label table: the error class and its sentence."""


def _raise_all(problems: list[_Problem]) -> NoReturn:
    """Raise one error naming every kind of problem found (each with up to 20 examples)."""
    if len(problems) == 1:
        cls, text = problems[0]
        raise cls(text)
    classes = {cls for cls, _ in problems}
    cls = classes.pop() if len(classes) == 1 else AnnotationError
    body = "\n".join(f"- {text}" for _, text in problems)
    raise cls(f"{len(problems)} kinds of problems; fix them all before adding the file:\n{body}")


def _more(shown: int, total: int) -> str:
    return f" (and {total - shown} more)" if total > shown else ""


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
) -> list[_Problem]:
    """Null ids / owners, duplicate (owner, id) pairs, unknown ids: every one found."""
    problems: list[_Problem] = []
    null_id = pl.col(C.ORIGINAL_ID).is_null()
    null_ids = first_rows(frame, null_id, limit=_SHOW)
    if null_ids:
        n = frame[C.ORIGINAL_ID].null_count()
        msg = (
            f"{origin}: id column {id_column!r} is empty at row(s) {null_ids!r}"
            f"{_more(len(null_ids), n)}. Every row needs the original_id of the sample it "
            "labels: fill it in or delete the row."
        )
        problems.append((IdError, msg))
    null_owner = first_rows(frame, pl.col(C.ANNOTATOR_ID).is_null(), limit=_SHOW)
    if null_owner:
        n = frame[C.ANNOTATOR_ID].null_count()
        msg = (
            f"{origin}: {owner_kind} column {owner_column!r} is empty at row(s) {null_owner!r}"
            f"{_more(len(null_owner), n)}. Fill in who gave those labels, or delete the rows."
        )
        problems.append((IdError, msg))
    key = pl.struct(C.ANNOTATOR_ID, C.ORIGINAL_ID)
    dup_mask = frame.select((key.is_duplicated() & ~null_id).alias("_d"))["_d"]
    if dup_mask.any():
        groups = (
            frame.with_row_index(_ROW, offset=1)
            .filter(dup_mask)
            .group_by(C.ANNOTATOR_ID, C.ORIGINAL_ID, maintain_order=True)
            .agg(pl.col(_ROW))
        )
        pairs = [
            f"{owner_kind} {aid!r} labels original_id {oid!r} more than once, at rows "
            + " and ".join(str(r) for r in rows)
            for aid, oid, rows in groups.head(_SHOW).iter_rows()
        ]
        msg = (
            f"{origin}: {'; '.join(pairs)}{_more(len(pairs), groups.height)}. Keep one row per "
            f"({owner_kind}, original_id)."
        )
        problems.append((AnnotationError, msg))
    if known_ids is not None:
        known = pl.Series(list(known_ids), dtype=pl.Utf8)
        unknown_mask = ~pl.col(C.ORIGINAL_ID).is_in(known.implode())
        unknown = frame.filter(unknown_mask)
        if unknown.height:
            ids = unknown[C.ORIGINAL_ID].unique(maintain_order=True)
            rows = first_rows(frame, unknown_mask, limit=1)
            msg = (
                f"{origin}: {ids.len()} original_id value(s) are not in the evaluation data, "
                f"e.g. {ids.head(_SHOW).to_list()!r}{_more(min(_SHOW, ids.len()), ids.len())} "
                f"(first at {_who(frame, rows[0], owner_kind)}). Fix the ids, or load the "
                "matching evaluation data first."
            )
            problems.append((AnnotationError, msg))
    return problems


def _normalise_task(
    frame: pl.DataFrame, task: EvalTask, name: str, *, origin: str, owner_kind: str
) -> tuple[pl.Series, _Problem | None]:
    """The task column converted to its label dtype, and the problem with its labels if any."""
    kind = task.task_kind(name)
    allowed = task.allowed_labels(name)
    s = frame[name]
    if kind == "multilabel":
        assert allowed is not None
        return _multilabel(frame, name, allowed, origin=origin, owner_kind=owner_kind)
    if s.dtype.is_nested() or s.dtype in (pl.Binary, pl.Object):
        bad = s.is_not_null()
        problem = _bad(frame, bad, task, name, origin=origin, owner_kind=owner_kind)
        return pl.Series(name, [None] * s.len(), dtype=label_dtype(task, name)), problem
    if kind == "text":
        text = s.cast(pl.Utf8) if s.dtype != pl.Utf8 else s
        return pl.select(
            pl.when(text.str.strip_chars() == "").then(None).otherwise(text).alias(name)
        ).to_series(), None
    if kind == "categorical":
        assert allowed is not None
        text = frame.select(id_to_str(name, s.dtype)).to_series()
        bad = text.is_not_null() & ~text.is_in(pl.Series(allowed, dtype=pl.Utf8).implode())
        return text, _bad(frame, bad, task, name, origin=origin, owner_kind=owner_kind)
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
    problem = _bad(frame, bad, task, name, origin=origin, owner_kind=owner_kind)
    return num.cast(label_dtype(task, name)).alias(name), problem


def _multilabel(
    frame: pl.DataFrame, name: str, outcomes: list[Any], *, origin: str, owner_kind: str
) -> tuple[pl.Series, _Problem | None]:
    s = frame[name]
    empty_lists = pl.Series(name, [None] * s.len(), dtype=pl.List(pl.Utf8))
    if s.dtype == pl.Utf8:
        text = s.str.strip_chars()
        is_json = text.str.starts_with("[")
        json_text = pl.select(pl.when(is_json).then(text).otherwise(None)).to_series()
        try:
            decoded = json_text.str.json_decode(pl.List(pl.Utf8))
        except pl.exceptions.PolarsError:
            bad_json = pl.Series(
                [v is not None and not _is_json_list(v) for v in json_text.to_list()]
            )
            msg = (
                f"{origin}, task {name!r}: {int(bad_json.sum())} cell(s) are not a valid JSON "
                f"list of outcomes, e.g. {_examples(frame, bad_json, name, owner_kind)}. Write "
                f"e.g. '[\"{outcomes[0]}\"]' or '{'|'.join(map(str, outcomes[:2]))}'. Allowed "
                f"outcomes: {outcomes!r}."
            )
            return empty_lists, (AnnotationError, msg)
        split = (
            pl.select(pl.when(is_json | (text == "")).then(None).otherwise(text))
            .to_series()
            .str.split("|")
        )
        lists = pl.select(pl.when(is_json).then(decoded).otherwise(split)).to_series()
    elif s.dtype == pl.Null:
        lists = empty_lists
    elif isinstance(s.dtype, pl.List | pl.Array):
        lists = s.cast(pl.List(pl.Utf8))
    else:
        bad = s.is_not_null()
        problem = _bad_multilabel(frame, bad, name, outcomes, origin=origin, owner_kind=owner_kind)
        return empty_lists, problem
    lists = lists.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
    )
    allowed = pl.Series(outcomes, dtype=pl.Utf8)
    bad = lists.list.eval(~pl.element().is_in(allowed.implode())).list.any().fill_null(False)
    problem = _bad_multilabel(frame, bad, name, outcomes, origin=origin, owner_kind=owner_kind)
    # schema order, no repeats: one list per outcome the set contains, concatenated in order
    # (vectorised; mapping elements to positions inside list.eval is ~20x slower)
    empty = pl.lit([], dtype=pl.List(pl.Utf8))
    parts = [
        pl.when(lists.list.contains(o)).then(pl.lit([o], dtype=pl.List(pl.Utf8))).otherwise(empty)
        for o in outcomes
    ]
    ordered = pl.when(lists.is_null()).then(None).otherwise(pl.concat_list(parts))
    return pl.select(ordered.alias(name)).to_series(), problem


def _is_json_list(text: str) -> bool:
    try:
        return isinstance(json.loads(text), list)
    except json.JSONDecodeError:
        return False


def _examples(frame: pl.DataFrame, bad: pl.Series, name: str, owner_kind: str) -> str:
    rows = first_rows(frame, bad, limit=_SHOW)
    shown = "; ".join(f"{_who(frame, r, owner_kind)}: {frame[name][r - 1]!r}" for r in rows)
    return shown + _more(len(rows), int(bad.sum()))


def _bad(
    frame: pl.DataFrame,
    bad: pl.Series,
    task: EvalTask,
    name: str,
    *,
    origin: str,
    owner_kind: str,
) -> _Problem | None:
    if not bad.any():
        return None
    allowed = task.allowed_labels(name)
    where = "on the rating scale" if task.task_kind(name) == "numeric" else "in the schema"
    msg = (
        f"{origin}, task {name!r}: {int(bad.sum())} label(s) are not {where}, e.g. "
        f"{_examples(frame, bad, name, owner_kind)}. Allowed labels (case-sensitive): "
        f"{allowed!r}. Fix the file or add the label to task_schemas."
    )
    return AnnotationError, msg


def _bad_multilabel(
    frame: pl.DataFrame,
    bad: pl.Series,
    name: str,
    outcomes: list[Any],
    *,
    origin: str,
    owner_kind: str,
) -> _Problem | None:
    if not bad.any():
        return None
    msg = (
        f"{origin}, task {name!r}: {int(bad.sum())} label set(s) hold outcomes that are not in "
        f"the schema, e.g. {_examples(frame, bad, name, owner_kind)}. Allowed outcomes: "
        f"{outcomes!r}. Write a set as 'a|b' or '[\"a\", \"b\"]', or add the outcome to the "
        "MultiLabelSchema."
    )
    return AnnotationError, msg
