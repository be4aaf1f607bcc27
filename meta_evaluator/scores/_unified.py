"""The humans unified into one label per item as the reference of a pairwise scorer.

``annotator_aggregation="mean"|"median"|"min"|"max"|"weighted_majority"``: besides
``individual_average`` and ``majority_vote``, a judge can be scored against one unified human
label per item, with the unification strategies of
:meth:`~meta_evaluator.MetaEvaluator.unify_annotations` that apply to single labels:

* ``"weighted_majority"``: the majority with each human weighted by their agreement with the
  leave-one-out consensus of the others (``weights="learned"``; ties: the smallest label);
* ``"mean"``: the mean rating (numeric scales only; values are not rounded to the scale);
* ``"median"``: the median rating (numeric: the mean of the two middle values for an even
  count; categories: the lower median in schema order);
* ``"min"`` / ``"max"``: the lowest / highest rating, or label in schema order.

Agreement metrics (kappa, alpha, AC1, the alt-test) keep ``individual_average``, as they do for
``majority_vote``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from meta_evaluator.errors import ScoringError
from meta_evaluator.scores._aggregation import LabelTable

__all__ = ["UNIFIED_AGGREGATIONS", "unified_table", "value_aggregation_problem"]

VALUE_AGGREGATIONS: tuple[str, ...] = ("mean", "median", "min", "max")
"""The aggregations over ordered values (ratings or schema positions)."""
UNIFIED_AGGREGATIONS: tuple[str, ...] = (*VALUE_AGGREGATIONS, "weighted_majority")
"""Every ``annotator_aggregation`` value handled here."""


def value_aggregation_problem(aggregation: str, kinds: Sequence[str], strategy: str) -> str | None:
    """Why ``aggregation`` cannot apply to tasks of these kinds (None = it can).

    Example:
        >>> value_aggregation_problem("mean", ["categorical"], "single")
        "annotator_aggregation='mean' needs numeric rating tasks; got ['categorical']. Use 'median', 'min' or 'max' (schema order), or 'majority_vote'"
    """  # noqa: E501
    if aggregation not in UNIFIED_AGGREGATIONS:
        return None
    if strategy == "multilabel" or any(k not in ("numeric", "categorical") for k in kinds):
        return (
            f"annotator_aggregation={aggregation!r} needs single labels (rating scales or "
            f"categories); got task kinds {list(kinds)!r} with task_strategy={strategy!r}"
        )
    if aggregation == "mean" and any(k != "numeric" for k in kinds):
        return (
            f"annotator_aggregation='mean' needs numeric rating tasks; got {list(kinds)!r}. Use "
            "'median', 'min' or 'max' (schema order), or 'majority_vote'"
        )
    return None


def unified_table(table: LabelTable, aggregation: str) -> LabelTable:
    """Replace the humans by one row: their per-item mean / median / min / max.

    Args:
        table: A ``values`` table (ratings) or a ``codes`` table (schema positions).
        aggregation: One of :data:`UNIFIED_AGGREGATIONS`.

    Returns:
        The table with ``humans`` of shape ``(1, n_items)`` and human id ``aggregation``; items
        nobody labelled stay missing.

    Raises:
        ScoringError: ``"mean"`` of category codes (it would fall between labels).

    Example:
        >>> import polars as pl
        >>> t = LabelTable(encoding="values", item_ids=pl.Series(["a", "b"]),
        ...                human_ids=["h1", "h2"], judge=np.array([1.0, 2.0]),
        ...                humans=np.array([[1.0, 4.0], [2.0, np.nan]]),
        ...                judge_valid=np.array([True, True]),
        ...                humans_valid=np.array([[True, True], [True, False]]))
        >>> unified_table(t, "mean").humans.tolist(), unified_table(t, "max").human_ids
        ([[1.5, 4.0]], ['max'])
    """
    if aggregation == "weighted_majority":
        return _weighted_majority(table)
    valid = np.asarray(table.humans_valid, dtype=bool)
    rated = np.asarray(valid.any(axis=0), dtype=bool)
    if table.encoding == "values":
        vals = np.where(valid, table.humans.astype(np.float64), np.nan)
        missing = np.nan
    elif table.encoding == "codes":
        if aggregation == "mean":
            raise ScoringError(
                "annotator_aggregation='mean' needs numeric ratings; this scorer compares labels "
                "as categories. Use a rating scorer (MAEScorer, RMSEScorer, CorrelationScorer) "
                "or 'median' / 'majority_vote'"
            )
        vals = np.where(valid, table.humans, -1).astype(np.float64)
        vals[~valid] = np.nan
        missing = -1
    else:
        raise ScoringError(
            f"annotator_aggregation={aggregation!r} needs ordered labels; got "
            f"{table.encoding!r} labels"
        )
    filled = np.sort(np.where(valid, vals, np.inf), axis=0)  # missing sorts last
    m = valid.sum(axis=0)
    cols = np.arange(vals.shape[1])
    lower = filled[np.maximum((m - 1) // 2, 0), cols]
    if aggregation == "min":
        row = filled[0]
    elif aggregation == "max":
        row = filled[np.maximum(m - 1, 0), cols]
    elif aggregation == "median" and table.encoding == "values":
        row = (lower + filled[np.maximum(m // 2, 0), cols]) / 2.0
    elif aggregation == "median":
        row = lower
    else:
        with np.errstate(invalid="ignore"):
            row = np.nansum(np.where(valid, vals, 0.0), axis=0) / m
    out = np.where(rated, row, np.nan)
    if table.encoding == "codes":
        out_codes = np.where(rated, out, missing).astype(np.int64)
        return replace(
            table, human_ids=[aggregation], humans=out_codes[None, :], humans_valid=rated[None, :]
        )
    return replace(table, human_ids=[aggregation], humans=out[None, :], humans_valid=rated[None, :])


def _weighted_majority(table: LabelTable) -> LabelTable:
    """The learned-weights majority of :func:`meta_evaluator.agreement._unify.learned_weights`."""
    from meta_evaluator.agreement._report import majority_codes
    from meta_evaluator.agreement._table import HUMAN, RatingTable
    from meta_evaluator.agreement._unify import learned_weights, weighted_counts

    valid = np.asarray(table.humans_valid, dtype=bool)
    if table.encoding == "values":
        scale = np.unique(table.humans[valid].astype(np.float64))
        codes = np.where(valid, np.searchsorted(scale, np.nan_to_num(table.humans)), -1)
        if not scale.size:
            scale = np.array([np.nan])
        categories: list[Any] = scale.tolist()
    elif table.encoding == "codes":
        codes = np.where(valid, table.humans, -1)
        categories = list(table.labels)
    else:
        raise ScoringError(
            f"annotator_aggregation='weighted_majority' needs single labels; got "
            f"{table.encoding!r} labels"
        )
    codes = codes.astype(np.int64)
    panel = RatingTable(
        task_name="",
        kind="categorical",
        categories=categories,
        item_ids=[str(i) for i in table.item_ids.to_list()],
        rater_ids=list(table.human_ids),
        rater_kinds=[HUMAN] * len(table.human_ids),
        codes=codes,
        confidence=np.full(codes.shape, np.nan),
    )
    k = max(len(categories), 1)
    counts = weighted_counts(codes, learned_weights(panel), k)
    rank = panel.sorted_rank() if categories else np.zeros(k, dtype=np.int64)
    winner, _ = majority_codes(counts, rank)
    rated = counts.sum(axis=1) > 0
    if table.encoding == "values":
        row = np.where(
            rated,
            scale[np.clip(winner, 0, max(len(scale) - 1, 0))] if len(scale) else np.nan,
            np.nan,
        )
        return replace(
            table, human_ids=["weighted_majority"], humans=row[None, :], humans_valid=rated[None, :]
        )
    row_codes = np.where(rated, winner, -1).astype(np.int64)
    return replace(
        table,
        human_ids=["weighted_majority"],
        humans=row_codes[None, :],
        humans_valid=rated[None, :],
    )
