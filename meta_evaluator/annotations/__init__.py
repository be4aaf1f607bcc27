"""Human annotations and external judge results, read from files and validated against the task.

Example:
    >>> import polars as pl
    >>> from meta_evaluator.eval_task import EvalTask
    >>> task = EvalTask(task_schemas={"score": [1, 2, 3]}, response_columns=["r"])
    >>> store = AnnotationStore(task)
    >>> store.add(pl.DataFrame({"original_id": ["a"], "annotator_id": ["h1"], "score": ["2"]}))
    >>> store.human_data("score").to_dicts()
    [{'original_id': 'a', 'human_id': 'h1', 'label': 2}]
"""

from meta_evaluator.annotations._external_judge import load_external_judge_results
from meta_evaluator.annotations._loader import load_annotation_file
from meta_evaluator.annotations._store import AnnotationStore
from meta_evaluator.annotations.importers import (
    ImportResult,
    load_annotations,
    load_argilla_export,
    load_label_studio_export,
)

__all__ = [
    "AnnotationStore",
    "ImportResult",
    "load_annotation_file",
    "load_annotations",
    "load_argilla_export",
    "load_external_judge_results",
    "load_label_studio_export",
]
