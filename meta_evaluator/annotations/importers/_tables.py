"""Plain label tables: ``long`` (many annotators, one row each) and ``wide`` (one annotator).

* ``long``: ``original_id, annotator_id, <one column per task>``, one row per (annotator,
  sample) — the layout :func:`~meta_evaluator.annotations.load_annotation_file` reads without
  ``annotator_id``.
* ``wide``: ``original_id, <one column per task>``, one row per sample, all by the annotator
  named with ``annotator_id=``.

Both read CSV / TSV cells as text and go straight to ``normalise_label_frame`` (so messages say
"annotation file ..." exactly as ``load_annotation_file``'s do). They register last: a table is
taken as ``long`` / ``wide`` only when no tool's export shape matches.
"""

from __future__ import annotations

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.annotations._loader import normalise_label_frame
from meta_evaluator.annotations.importers._registry import ImportOptions, ImportResult, importer
from meta_evaluator.annotations.importers._source import Source
from meta_evaluator.data._loader import read_table
from meta_evaluator.errors import ColumnError, DataFileError

__all__: list[str] = []


def _table(src: Source) -> pl.DataFrame:
    if src.frame is not None:
        return src.frame
    if src.path is not None and src.container in ("json", "jsonl"):
        return read_table(src.path, fmt=src.container, what="annotation file", all_strings=True)
    try:
        return pl.DataFrame(src.rows(), infer_schema_length=None)
    except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
        raise DataFileError(
            f"Annotation records {src.name} do not form a table ({exc}). Give every record the "
            "same keys with one type per key."
        ) from exc


def _summary(src: Source, labels: pl.DataFrame) -> str:
    n_ann = labels[C.ANNOTATOR_ID].n_unique()
    return (
        f"annotation file {src.name}: imported {labels.height} label row(s) from {n_ann} "
        "annotator(s)"
    )


def _mapped(frame: pl.DataFrame, opts: ImportOptions, column: str) -> pl.DataFrame:
    if not opts.annotator_map or column not in frame.columns:
        return frame
    mapping = {k: v.strip() for k, v in opts.annotator_map.items()}
    return frame.with_columns(pl.col(column).cast(pl.Utf8).replace(mapping))


@importer(
    "long",
    tool="table",
    detect=lambda src, opts: (
        opts.annotator_id is None and {opts.id_field, opts.annotator_column} <= src.key_set()
    ),
    description="a long table: 'original_id', 'annotator_id' and one column per task",
)
def load_long(src: Source, opts: ImportOptions) -> ImportResult:
    """Read a long label table (see the module docstring)."""
    frame = _mapped(_table(src), opts, opts.annotator_column)
    labels = normalise_label_frame(
        frame,
        task=opts.task,
        origin=f"annotation file {src.name}",
        owner_column=opts.annotator_column,
        id_column=opts.id_field,
        known_ids=opts.known_ids,
    )
    return ImportResult(format="long", annotations=labels, summary=_summary(src, labels))


@importer(
    "wide",
    tool="table",
    detect=lambda src, opts: opts.id_field in src.key_set(),
    description="one annotator's table: 'original_id' and one column per task (pass "
    "annotator_id=...)",
)
def load_wide(src: Source, opts: ImportOptions) -> ImportResult:
    """Read one annotator's label table (see the module docstring)."""
    frame = _table(src)
    if opts.annotator_id is None:
        raise ColumnError(
            f"annotation file {src.name}: no annotator column {opts.annotator_column!r}. Pass "
            "annotator_id=... for a file holding one annotator's labels, or add a column "
            f"{opts.annotator_column!r} naming who gave each row's labels."
        )
    who = opts.annotator_id.strip()
    who = (opts.annotator_map or {}).get(who, who)
    labels = normalise_label_frame(
        frame,
        task=opts.task,
        origin=f"annotation file {src.name}",
        owner_id=who,
        owner_column=opts.annotator_column,
        id_column=opts.id_field,
        known_ids=opts.known_ids,
    )
    return ImportResult(format="wide", annotations=labels, summary=_summary(src, labels))
