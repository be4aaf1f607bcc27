"""The annotation-team functions on frames (the project methods call these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.agreement._label_errors import label_error_table
from meta_evaluator.agreement._report import AgreementReport, compute_agreement
from meta_evaluator.agreement._table import build_rating_table
from meta_evaluator.agreement._unify import unify_table

if TYPE_CHECKING:
    from meta_evaluator.data import EvalData
    from meta_evaluator.eval_task import EvalTask
    from meta_evaluator.judges import JudgeResults

__all__ = ["agreement_from_frames", "label_errors_from_frames", "unify_from_frames"]


def _sample_rows(data: EvalData | None) -> Any:
    """A reader of the samples' columns by id (``original_id`` is added by the exporters)."""
    if data is None:
        return None

    def rows(ids: list[str]) -> list[dict[str, Any]]:
        order = pl.DataFrame({C.ORIGINAL_ID: ids, "_order": range(len(ids))})
        picked = data.data.join(order, on=C.ORIGINAL_ID, how="inner").sort("_order")
        return picked.drop(C.ORIGINAL_ID, "_order").to_dicts()

    return rows


def agreement_from_frames(
    task: EvalTask,
    task_name: str,
    annotations: pl.DataFrame,
    judges: Mapping[str, JudgeResults] | None = None,
    *,
    include_judges: bool = True,
    data: EvalData | None = None,
) -> AgreementReport:
    """Inter-annotator agreement of one task (see :class:`AgreementReport`).

    Args:
        task: The EvalTask (schema order, task kind).
        task_name: The task.
        annotations: ``original_id, annotator_id, <task columns>``.
        judges: Judge id -> results, compared as more raters when ``include_judges``.
        include_judges: Compare the judges too (pairwise, per rater, alpha with judges).
        data: The evaluation data (item order; sample columns for the exports).

    Returns:
        The report.
    """
    table = build_rating_table(
        task,
        task_name,
        annotations,
        dict(judges or {}) if include_judges else {},
        item_order=list(data.ids) if data is not None else None,
        action="compute annotator agreement",
    )
    return compute_agreement(table, include_judges=include_judges, sample_rows=_sample_rows(data))


def unify_from_frames(
    task: EvalTask,
    task_name: str,
    annotations: pl.DataFrame,
    *,
    strategy: str = "majority",
    weights: str | Mapping[str, float] | None = None,
    tie_break: str = "smallest",
    seed: int = 0,
    data: EvalData | None = None,
) -> pl.DataFrame:
    """One label per item from several annotators (see ``MetaEvaluator.unify_annotations``).

    Returns:
        ``original_id, <task_name>, support, n_votes`` (``disagreement``: one row per distinct
        label of an item).
    """
    table = build_rating_table(
        task,
        task_name,
        annotations,
        {},
        item_order=list(data.ids) if data is not None else None,
        action="unify annotations",
    )
    outcomes = task.allowed_labels(task_name) if table.kind == "multilabel" else None
    return unify_table(
        table,
        strategy=strategy,
        weights=weights,
        tie_break=tie_break,
        seed=seed,
        outcomes=[str(o) for o in outcomes] if outcomes is not None else None,
    )


def label_errors_from_frames(
    task: EvalTask,
    task_name: str,
    annotations: pl.DataFrame,
    judges: Mapping[str, JudgeResults],
    *,
    include_all: bool = False,
    data: EvalData | None = None,
) -> pl.DataFrame:
    """Label-error candidates (see :mod:`meta_evaluator.agreement._label_errors`).

    Returns:
        ``original_id, consensus, suggested_label, score, ...``, most likely wrong first.
    """
    table = build_rating_table(
        task,
        task_name,
        annotations,
        dict(judges),
        item_order=list(data.ids) if data is not None else None,
        action="find label-error candidates",
    )
    return label_error_table(table, include_all=include_all)
