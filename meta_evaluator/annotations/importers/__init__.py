"""Importing human annotations (and the tools' model labels) from exports, as the tools write them.

One entry point, :func:`load_annotations` (``MetaEvaluator.add_annotations`` in a project),
recognises the format by content — never by file extension — through a registry of importers,
one decorated function per format (see :func:`importer_names`, in detection order):

* ``argilla_v2_flat``: Argilla 2.x flattened records, Hugging Face JSON lines / parquet;
* ``argilla_v1``: Argilla 1.x FeedbackDataset records;
* ``argilla_v2``: Argilla 2.x nested records (``to_list()`` / ``to_json()``, ``to_disk``);
* ``argilla_v1_datasets``: Argilla 1.x Hugging Face export (``format_as("datasets")``);
* ``argilla_v1_text_classification``: Argilla 1.x ``TextClassificationRecord`` dicts;
* ``label_studio_json``: Label Studio JSON: quick export, snapshot (drafts, ``completed_by``
  objects), a single task object, pre-1.0 ``completions``;
* ``label_studio_json_min``: Label Studio JSON-MIN (one object per annotation);
* ``label_studio_csv``: Label Studio CSV and TSV (one row per annotation);
* ``long``: ``original_id, annotator_id, <task columns>``;
* ``wide``: ``original_id, <task columns>`` of one annotator (``annotator_id=``).

``format=`` also takes a tool (``"label_studio"``, ``"argilla"``, ``"table"``) to restrict the
detection to that tool's formats. Every importer only reshapes; validation is the one path all
label files take (``normalise_label_frame``), so a label outside the schema, an unknown id or a
duplicate (annotator, sample) pair raises the same error, naming the record and the field. Each
import logs one INFO line counting what it imported and everything it left out (skipped /
cancelled, drafts, statuses, rows without a task value...).

Example:
    >>> from meta_evaluator.eval_task import EvalTask
    >>> task = EvalTask(task_schemas={"rejection": ["rejection", "not rejection"]},
    ...                 response_columns=["llm_response"])
    >>> export = [{"id": 1, "data": {"original_id": "s1"}, "annotations": [
    ...     {"completed_by": 3, "was_cancelled": False, "result": [
    ...         {"from_name": "rejection", "type": "choices",
    ...          "value": {"choices": ["rejection"]}}]}],
    ...     "predictions": [{"model_version": "clf-v2", "result": [
    ...         {"from_name": "rejection", "type": "choices",
    ...          "value": {"choices": ["not rejection"]}}]}]}]
    >>> res = load_annotations(export, task=task)
    >>> res.format
    'label_studio_json'
    >>> res.annotations.to_dicts()
    [{'original_id': 's1', 'annotator_id': 'ls_user_3', 'rejection': 'rejection'}]
    >>> res.judges["clf-v2"].results_data["rejection"].to_list()
    ['not rejection']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.annotations._loader import normalise_label_frame
from meta_evaluator.annotations.importers import _argilla, _argilla_text, _label_studio, _tables
from meta_evaluator.annotations.importers._registry import (
    ARGILLA_STATUSES,
    ImportOptions,
    ImportResult,
    check_options,
    detect_format,
    importer,
    importer_names,
)
from meta_evaluator.annotations.importers._source import read_source
from meta_evaluator.eval_task import EvalTask

__all__ = [
    "ARGILLA_STATUSES",
    "ImportOptions",
    "ImportResult",
    "importer",
    "importer_names",
    "load_annotations",
    "load_argilla_export",
    "load_label_studio_export",
]

_ = (_argilla, _argilla_text, _label_studio, _tables)  # imported for their @importer registrations


def load_annotations(
    source: str | Path | list[dict[str, Any]] | dict[str, Any] | pl.DataFrame,
    *,
    task: EvalTask,
    format: str | None = None,
    known_ids: Collection[str] | None = None,
    id_field: str = C.ORIGINAL_ID,
    field_map: Mapping[str, str] | None = None,
    annotator_map: Mapping[str, str] | None = None,
    known_users: Mapping[str, str] | None = None,
    annotator_id: str | None = None,
    annotator_column: str = C.ANNOTATOR_ID,
    statuses: Collection[str] | str | None = ("submitted",),
    include_cancelled: bool = False,
    include_drafts: bool = False,
    ground_truth: Literal["keep", "exclude", "separate"] = "keep",
    judges: bool = True,
) -> ImportResult:
    """Read any supported export into validated labels (see the module docstring).

    Args:
        source: A file path, a list of record dicts (e.g. Argilla's
            ``records.to_list(flatten=True)``), one record dict (a Label Studio task) or a
            polars DataFrame.
        task: The task whose columns and schemas the labels follow.
        format: None detects the format from the content; a format name forces it; a tool
            (``"label_studio"``, ``"argilla"``, ``"table"``) detects among its formats.
        known_ids: Ids of the evaluation data; labels for other ids are an error.
        id_field: Key of a Label Studio task's ``data``, an Argilla record's metadata / fields,
            or a table column, holding the sample id.
        field_map: Question / control name -> task name, where they differ.
        annotator_map: Annotator id as derived (``ls_user_3``), or the raw user id / email ->
            the id to store (to match annotators across tools or export types).
        known_users: Label Studio ``ls_user_<id>`` -> email pairs known from other exports of
            the project (``ImportResult.user_ids`` of earlier imports; ``add_annotations``
            passes the ones it remembered), so a user id becomes the email.
        annotator_id: The annotator of a one-annotator table (``wide``), and of Label Studio
            annotations that name none (pre-1.0 single-user exports).
        annotator_column: Column naming the annotator of each row of a ``long`` table.
        statuses: Argilla response statuses to import ("submitted", "draft", "discarded");
            None imports every response, including those whose export dropped the status.
        include_cancelled: Label Studio: also import skipped / cancelled annotations.
        include_drafts: Label Studio snapshots: also import drafts of users who did not
            submit the task.
        ground_truth: Label Studio ``ground_truth`` annotations: ``"keep"`` them as their
            author's (listed in ``ImportResult.ground_truth``), ``"exclude"`` them, or store them
            under the annotator ``"ground_truth"`` (``"separate"``).
        judges: Also read Label Studio predictions (one judge per ``model_version``) and Argilla
            suggestions (one judge per ``agent``) into ``ImportResult.judges``.

    Returns:
        The validated labels, the judge results, the ground-truth flags and the drop counts.

    Raises:
        ConfigError: An invalid option, or ``format`` unknown.
        DataFileError: The source is missing, malformed, in no known format, or holds nothing to
            import (or an Argilla 2.x nested export without statuses, unless ``statuses=None``).
        ColumnError: No question / column matches a task.
        IdError: A record without sample id, or an annotation without annotator.
        AnnotationError: Several labels for a single-label task, a label outside the schema, an
            unknown id, or a duplicate (annotator, original_id) pair.
    """
    wanted = check_options(
        id_field=id_field,
        statuses=statuses,
        ground_truth=ground_truth,
        annotator_map=annotator_map,
        annotator_id=annotator_id,
        fn="add_annotations",
    )
    options = ImportOptions(
        task=task,
        known_ids=known_ids,
        id_field=id_field,
        field_map=field_map,
        annotator_map=annotator_map,
        known_users=dict(known_users) if known_users else None,
        annotator_id=annotator_id,
        annotator_column=annotator_column,
        statuses=wanted,
        include_cancelled=bool(include_cancelled),
        include_drafts=bool(include_drafts),
        ground_truth=ground_truth,
        judges=bool(judges),
    )
    src = read_source(source)
    imp = detect_format(src, options, format)
    result = imp.load(src, options)
    if not imp.load.__module__.startswith(__name__):  # a user's importer: validate its output
        labels = normalise_label_frame(
            result.annotations,
            task=task,
            origin=f"{imp.name} import of {src.name}",
            known_ids=known_ids,
        )
        result = dataclasses.replace(result, annotations=labels)
    return result


def load_label_studio_export(
    file_path: str | Path,
    *,
    task: EvalTask,
    known_ids: Collection[str] | None = None,
    id_field: str = C.ORIGINAL_ID,
    field_map: Mapping[str, str] | None = None,
    include_cancelled: bool = False,
) -> pl.DataFrame:
    """The human labels of any Label Studio export (``load_annotations(format="label_studio")``).

    Returns:
        ``original_id, annotator_id, <task columns in task order>``, one row per annotation.
    """
    return load_annotations(
        file_path,
        task=task,
        format="label_studio",
        known_ids=known_ids,
        id_field=id_field,
        field_map=field_map,
        include_cancelled=include_cancelled,
        judges=False,
    ).annotations


def load_argilla_export(
    file_path: str | Path,
    *,
    task: EvalTask,
    known_ids: Collection[str] | None = None,
    id_field: str = C.ORIGINAL_ID,
    field_map: Mapping[str, str] | None = None,
    statuses: Collection[str] | str | None = ("submitted",),
) -> pl.DataFrame:
    """The human labels of any Argilla export (``load_annotations(format="argilla")``).

    Returns:
        ``original_id, annotator_id, <task columns in task order>``, one row per user and record.
    """
    return load_annotations(
        file_path,
        task=task,
        format="argilla",
        known_ids=known_ids,
        id_field=id_field,
        field_map=field_map,
        statuses=statuses,
        judges=False,
    ).annotations
