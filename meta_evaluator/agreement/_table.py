"""One task's labels as a raters x items code matrix (humans first, then judges).

Everything in :mod:`meta_evaluator.agreement` starts from a :class:`RatingTable`: the long
frames of the project (human annotations, judge results) are reshaped once, with polars, into
integer codes in the task's schema order (``-1`` = missing), so the statistics are the vectorised
kernels of :mod:`meta_evaluator.stats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.errors import ConfigError

if TYPE_CHECKING:
    from meta_evaluator.eval_task import EvalTask
    from meta_evaluator.judges import JudgeResults

__all__ = ["HUMAN", "JUDGE", "RatingTable", "build_rating_table"]

HUMAN = "human"
JUDGE = "judge"

_RATER = "rater_id"
_KIND = "rater_kind"
_SEP = "\x1f"
"""Joins the outcomes of a label set into one lookup key (a character no label uses)."""


@dataclass(frozen=True, kw_only=True)
class RatingTable:
    """Labels of one task: ``codes[r, i]`` is rater ``r``'s label of item ``i`` (``-1`` = none)."""

    task_name: str
    """The task."""
    kind: str
    """"categorical", "numeric" or "multilabel"."""
    categories: list[Any]
    """The label of each code: schema order (multilabel: the label sets seen, as sorted lists)."""
    item_ids: list[str]
    """Items with at least one label, in data order."""
    rater_ids: list[str]
    """Humans (sorted), then judges (sorted)."""
    rater_kinds: list[str]
    """``"human"`` or ``"judge"`` per rater."""
    codes: np.ndarray
    """int64, raters x items."""
    confidence: np.ndarray
    """float64, raters x items: the judge's vote share (``consistency > 1``), else nan."""

    @property
    def n_humans(self) -> int:
        """Number of human raters (the first rows)."""
        return sum(k == HUMAN for k in self.rater_kinds)

    @property
    def humans(self) -> np.ndarray:
        """The human rows of :attr:`codes`."""
        return self.codes[: self.n_humans]

    @property
    def n_labels(self) -> int:
        """Number of categories."""
        return len(self.categories)

    def values(self) -> np.ndarray:
        """Numeric tasks: the rating values (float, nan = missing)."""
        scale = np.array([float(c) for c in self.categories] + [np.nan])
        out: np.ndarray = scale[self.codes]
        return out

    def sorted_rank(self) -> np.ndarray:
        """Rank of each code in Python ordering of its label (ties go to the smallest label)."""
        order = sorted(range(self.n_labels), key=lambda k: _sort_key(self.categories[k]))
        rank = np.empty(self.n_labels, dtype=np.int64)
        rank[order] = np.arange(self.n_labels)
        return rank


def _sort_key(label: Any) -> Any:
    return tuple(label) if isinstance(label, list) else label


def _label_frame(frame: pl.DataFrame, task_name: str, rater: str, kind: str) -> pl.DataFrame:
    cols = [pl.col(C.ORIGINAL_ID).cast(pl.String), pl.col(rater).cast(pl.String).alias(_RATER)]
    out = frame.select(*cols, pl.col(task_name).alias(C.LABEL)).filter(
        pl.col(C.LABEL).is_not_null()
    )
    return out.with_columns(pl.lit(kind).alias(_KIND))


def build_rating_table(
    task: EvalTask,
    task_name: str,
    humans: pl.DataFrame,
    judges: dict[str, JudgeResults],
    *,
    item_order: list[str] | None,
    action: str,
) -> RatingTable:
    """Reshape human annotations (and judge results) of one task into a :class:`RatingTable`.

    Args:
        task: The project's EvalTask.
        task_name: The task to read.
        humans: ``original_id, annotator_id, <task columns>`` (the annotation store's frame).
        judges: Judge id -> results; empty for humans only.
        item_order: The data's ids (items are kept in this order); None = sorted ids.
        action: What the caller does, for error messages.

    Raises:
        ConfigError: A free-text task, or no human label at all.
    """
    kind = task.task_kind(task_name)
    if kind == "text":
        raise ConfigError(
            f"Cannot {action} for the free-text task {task_name!r}: agreement needs labels from a "
            "fixed set. Use a text-similarity scorer for free text."
        )
    parts = []
    if humans.height and task_name in humans.columns:
        parts.append(_label_frame(humans, task_name, C.ANNOTATOR_ID, HUMAN))
    n_human_rows = parts[0].height if parts else 0
    if n_human_rows == 0:
        raise ConfigError(
            f"Cannot {action}: no human annotation has a label for task {task_name!r}. Add "
            "annotations first (e.g. ev.add_external_annotation_results(...))."
        )
    human_set = set(parts[0].get_column(_RATER).to_list())
    conf_parts = []
    for name in sorted(judges):
        res = judges[name]
        if task_name not in res.results_data.columns:
            continue
        # a judge id equal to an annotator id is told apart by a prefix
        jid = f"judge:{name}" if name in human_set else name
        ok = res.succeeded.with_columns(pl.lit(jid).alias(C.JUDGE_ID))
        part = _label_frame(ok, task_name, C.JUDGE_ID, JUDGE)
        parts.append(part)
        conf_parts.append(
            ok.filter(pl.col(task_name).is_not_null()).select(
                pl.col(C.ORIGINAL_ID).cast(pl.String),
                pl.lit(jid).alias(_RATER),
                pl.col(C.CONFIDENCE).cast(pl.Float64),
            )
        )
    long = pl.concat(parts, how="vertical_relaxed")
    long = long.unique(subset=[C.ORIGINAL_ID, _RATER], keep="first", maintain_order=True)
    if kind == "multilabel":
        long = long.with_columns(pl.col(C.LABEL).list.sort())
        sets = sorted({tuple(v) for v in long.get_column(C.LABEL).to_list()})
        categories: list[Any] = [list(c) for c in sets]
        lookup = pl.DataFrame(
            {"_key": [_SEP.join(map(str, c)) for c in sets], "_code": range(len(categories))}
        )
        long = long.with_columns(
            pl.col(C.LABEL).cast(pl.List(pl.String)).list.join(_SEP).alias("_key")
        ).join(lookup, on="_key", how="left")
    else:
        categories = list(task.allowed_labels(task_name) or [])  # schema order
        long = long.with_columns(
            pl.col(C.LABEL)
            .replace_strict(categories, list(range(len(categories))), default=None)
            .cast(pl.Int64)
            .alias("_code")
        ).filter(pl.col("_code").is_not_null())
    human_ids = sorted(set(long.filter(pl.col(_KIND) == HUMAN).get_column(_RATER).to_list()))
    judge_ids = sorted(set(long.filter(pl.col(_KIND) == JUDGE).get_column(_RATER).to_list()))
    rater_ids = human_ids + judge_ids
    labelled = set(long.filter(pl.col(_KIND) == HUMAN).get_column(C.ORIGINAL_ID).to_list())
    items = sorted(labelled) if item_order is None else [i for i in item_order if i in labelled]
    item_index = pl.DataFrame({C.ORIGINAL_ID: items, "_item": range(len(items))})
    rater_index = pl.DataFrame({_RATER: rater_ids, "_rater": range(len(rater_ids))})
    cells = long.join(item_index, on=C.ORIGINAL_ID, how="inner").join(rater_index, on=_RATER)
    codes = np.full((len(rater_ids), len(items)), -1, dtype=np.int64)
    r = cells.get_column("_rater").to_numpy()
    i = cells.get_column("_item").to_numpy()
    codes[r, i] = cells.get_column("_code").to_numpy()
    confidence = np.full(codes.shape, np.nan)
    if conf_parts:
        conf = (
            pl.concat(conf_parts)
            .join(item_index, on=C.ORIGINAL_ID, how="inner")
            .join(rater_index, on=_RATER)
            .filter(pl.col(C.CONFIDENCE).is_not_null())
        )
        confidence[conf.get_column("_rater").to_numpy(), conf.get_column("_item").to_numpy()] = (
            conf.get_column(C.CONFIDENCE).to_numpy()
        )
    return RatingTable(
        task_name=task_name,
        kind=kind,
        categories=categories,
        item_ids=items,
        rater_ids=rater_ids,
        rater_kinds=[HUMAN] * len(human_ids) + [JUDGE] * len(judge_ids),
        codes=codes,
        confidence=confidence,
    )
