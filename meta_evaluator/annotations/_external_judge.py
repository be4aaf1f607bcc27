"""Judge labels produced outside meta_evaluator, read from a file into :class:`JudgeResults`."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._ids import validate_id
from meta_evaluator.annotations._loader import normalise_label_frame
from meta_evaluator.data._loader import FileFormat, read_table
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._results import JudgeResults

__all__ = ["judge_results_from_labels", "load_external_judge_results"]


def load_external_judge_results(
    file_path: str | Path,
    *,
    judge_id: str,
    task: EvalTask,
    known_ids: Collection[str] | None = None,
    id_column: str = C.ORIGINAL_ID,
    fmt: FileFormat | None = None,
) -> JudgeResults:
    """Read one judge's labels (``original_id`` + one column per task) from a file.

    The file is read and validated exactly like a one-annotator annotation file (see
    ``load_annotation_file``). A row's status is ``success`` when every task in
    ``task.effective_required_tasks`` has a label (and, when no task is required, at least one
    task has one); otherwise it is ``partial`` and ``error_message`` names the missing tasks.

    Args:
        file_path: The file (csv / tsv / json / jsonl / parquet, by extension).
        judge_id: The judge's id.
        task: The task the labels follow.
        known_ids: Ids of the evaluation data; labels for other ids are an error.
        id_column: Column holding the sample ids.
        fmt: The file format, when the extension does not tell it (default: by extension).

    Returns:
        JudgeResults with ``source="external"``, one row per file row.

    Raises:
        JudgeConfigError: ``judge_id`` breaks the id rule (see ``meta_evaluator._ids``).
        DataFileError, ColumnError, IdError, AnnotationError: As for annotation files.
    """
    validate_id("judge", judge_id)
    path = Path(file_path)
    raw = read_table(path, fmt=fmt, what="external judge results file", all_strings=True)
    labels = normalise_label_frame(
        raw,
        task=task,
        origin=f"external judge results file {str(path)!r} (judge {judge_id!r})",
        owner_id=judge_id,
        id_column=id_column,
        known_ids=known_ids,
        owner_kind="judge",
    ).drop(C.ANNOTATOR_ID)
    return judge_results_from_labels(
        labels, judge_id=judge_id, task=task, info={"source_file": str(path)}
    )


def judge_results_from_labels(
    labels: pl.DataFrame, *, judge_id: str, task: EvalTask, info: dict[str, Any] | None = None
) -> JudgeResults:
    """Validated labels (``original_id`` + every task column) as one external judge's results.

    A row's status is ``success`` when every task in ``task.effective_required_tasks`` has a
    label (and, when no task is required, at least one task has one); otherwise it is
    ``partial`` and ``error_message`` names the missing tasks.

    Args:
        labels: Output of ``normalise_label_frame`` without the annotator column.
        judge_id: The judge's id.
        task: The task the labels follow.
        info: Extra run information kept with the results (``num_rows`` is added).

    Returns:
        JudgeResults with ``source="external"``.
    """
    required = task.effective_required_tasks or task.task_names
    missing_text = pl.concat_str(
        [pl.when(pl.col(t).is_null()).then(pl.lit(t)) for t in required],
        separator=", ",
        ignore_nulls=True,
    )
    if task.effective_required_tasks:
        complete = pl.all_horizontal([pl.col(t).is_not_null() for t in required])
        message = pl.lit("no label for required task(s): ") + missing_text
    else:
        complete = pl.any_horizontal([pl.col(t).is_not_null() for t in required])
        message = pl.lit("no label for any task")
    results = labels.with_columns(
        pl.when(complete)
        .then(pl.lit(C.STATUS_SUCCESS))
        .otherwise(pl.lit(C.STATUS_PARTIAL))
        .alias(C.STATUS),
        pl.when(complete).then(None).otherwise(message).cast(pl.Utf8).alias(C.ERROR_MESSAGE),
    ).select(C.ORIGINAL_ID, C.STATUS, C.ERROR_MESSAGE, *task.task_names)
    return JudgeResults(
        judge_id=judge_id,
        task_names=task.task_names,
        results_data=results,
        source="external",
        info={**(info or {}), "num_rows": results.height},
    )
