"""Label-error candidates: confident learning with the judges as the model.

cleanlab's question — *which given labels are probably wrong?* — needs out-of-sample class
probabilities. A meta-evaluation project already has a stand-in: its judges. This module turns
the judges' labels (and their vote shares when ``consistency > 1``) into per-item class
probabilities and applies the confident-learning rule of Northcutt, Jiang & Chuang (2021) to the
human consensus labels.

Method, for a task with ``K`` classes (schema labels; label sets for multi-label tasks):

1. **Given label** ``y_i``: the humans' majority (ties: the smallest label), with its vote share
   ``human_support``.
2. **Probabilities** ``p_i``: each judge that labelled item ``i`` with ``l`` and vote share ``s``
   (the row's ``confidence``; 1.0 when absent) contributes the vector with ``s`` on ``l`` and
   ``(1 - s) / (K - 1)`` on every other class; ``p_i`` is the mean over those judges.
3. **Per-class thresholds** ``t_k`` = mean of ``p_i[k]`` over the items whose given label is
   ``k`` (the judges' average self-confidence in that class).
4. **Confident class** of item ``i``, as cleanlab's ``compute_confident_joint``: the classes
   with ``p_i[k] >= t_k`` (less 1e-6) are *confident*; with one, it is that class, with several,
   the class of largest ``p_i`` (first in schema order on ties). Items with a confident class
   different from ``y_i`` are the off-diagonal of the *confident joint*: the label-error
   candidates (cleanlab's ``filter_by="confident_learning"``), and the confident class is the
   ``suggested_label``.
5. **Rank**: ``margin = p_i[y_i] - max_{k != y_i} p_i[k]`` (the normalised margin) and
   ``score = (1 - margin) / 2`` in 0..1, higher = more likely wrong; ties broken by lower human
   support, then data order. ``self_confidence = p_i[y_i]`` is kept as well.

Limits (read the candidates as a review queue, not as verdicts):

* The judges are not independent of each other, nor calibrated: a judge that is systematically
  wrong on a class flags correct labels, so look at ``judge_labels`` and at the judges' scores.
* With hard labels (``consistency = 1``) and one or two judges ``p_i`` takes few values; more
  judges, or ``consistency > 1``, give a finer ranking.
* Items without a judge label cannot be scored and are left out; classes no human gave have no
  threshold and are never suggested.
* Ratings are treated as classes (a 4 vs a 5 counts as much as a 1 vs a 5); label sets compare as
  whole sets. For ``consistency > 1`` on multi-task rows, ``confidence`` is the row's smallest
  per-task vote share, a lower bound for this task.

Reference: Northcutt, C. G., Jiang, L. & Chuang, I. L. (2021). Confident learning: estimating
uncertainty in dataset labels. *Journal of Artificial Intelligence Research* 70, 1373-1411.
doi:10.1613/jair.1.12125.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.agreement._report import label_series, majority_codes, votes_column
from meta_evaluator.agreement._table import RatingTable
from meta_evaluator.errors import ConfigError

__all__ = ["label_error_table"]


def _probabilities(table: RatingTable) -> tuple[np.ndarray, np.ndarray]:
    """``items x K`` mean judge probability vectors, and whether any judge labelled the item."""
    k = table.n_labels
    judges = table.codes[table.n_humans :]
    share = np.where(
        np.isnan(table.confidence[table.n_humans :]), 1.0, table.confidence[table.n_humans :]
    )
    share = np.clip(share, 0.0, 1.0)
    present = judges >= 0
    n_j = present.sum(axis=0)
    off = (1.0 - share) / (k - 1)
    probs = np.zeros((judges.shape[1], k))
    # every present judge adds `off` everywhere, plus (share - off) on its label
    probs += (np.where(present, off, 0.0).sum(axis=0))[:, None]
    r, i = np.nonzero(present)
    np.add.at(probs, (i, judges[r, i]), share[r, i] - off[r, i])
    covered = n_j > 0
    probs[covered] /= n_j[covered, None]
    return probs, covered


def label_error_table(table: RatingTable, *, include_all: bool = False) -> pl.DataFrame:
    """Label-error candidates of ``table`` (see the module docstring for the method).

    Args:
        table: Humans and the judges to use as the model.
        include_all: Also return the items that are not candidates (``is_candidate`` column).

    Returns:
        ``original_id, consensus, suggested_label, score, self_confidence, human_support,
        n_human_labels, is_candidate, human_votes, judge_labels``, most likely wrong first.

    Raises:
        ConfigError: No judge labels, or fewer than two classes.
    """
    from meta_evaluator.stats._fleiss import _counts

    n_judges = len(table.rater_ids) - table.n_humans
    if n_judges == 0:
        raise ConfigError(
            f"label_error_candidates needs judge labels for task {table.task_name!r}; run the "
            "judges (ev.run_judges_async()) or add external judge results first."
        )
    k = table.n_labels
    if k < 2:
        raise ConfigError(
            f"label_error_candidates needs at least two classes for task {table.task_name!r}; "
            f"got {table.categories!r}."
        )
    counts = _counts(table.humans, k)
    m = counts.sum(axis=1)
    given, _ = majority_codes(counts, table.sorted_rank())
    support = counts[np.arange(len(given)), given] / np.maximum(m, 1)
    probs, covered = _probabilities(table)
    keep = covered & (m > 0)
    idx = np.flatnonzero(keep)
    p, y = probs[idx], given[idx]
    thresholds = np.full(k, np.inf)
    for c in np.unique(y):
        thresholds[c] = p[y == c, c].mean()
    above = p >= thresholds[None, :] - 1e-6
    n_above = above.sum(axis=1)
    confident = np.where(n_above > 1, p.argmax(axis=1), above.argmax(axis=1))
    confident = np.where(n_above > 0, confident, y)
    self_conf = p[np.arange(len(y)), y]
    others = p.copy()
    others[np.arange(len(y)), y] = -np.inf
    margin = self_conf - others.max(axis=1)
    score = (1.0 - margin) / 2.0
    candidate = confident != y
    suggested = np.where(candidate, confident, others.argmax(axis=1))
    frame = pl.DataFrame(
        {
            "_item": idx.astype(np.int64),
            C.ORIGINAL_ID: [table.item_ids[i] for i in idx],
            "consensus": label_series(table, y, "consensus"),
            "suggested_label": label_series(table, suggested, "suggested_label"),
            "score": score,
            "self_confidence": self_conf,
            "human_support": support[idx],
            "n_human_labels": m[idx].astype(np.int64),
            "is_candidate": candidate,
        }
    )
    if not include_all:
        frame = frame.filter(pl.col("is_candidate"))
    human_votes = votes_column(table, slice(0, table.n_humans), C.ANNOTATOR_ID)
    judge_votes = _judge_votes(table)
    return (
        frame.join(human_votes.rename({"votes": "human_votes"}), on="_item", how="left")
        .join(judge_votes, on="_item", how="left")
        .sort(["score", "human_support", "_item"], descending=[True, False, False])
        .drop("_item")
    )


def _judge_votes(table: RatingTable) -> pl.DataFrame:
    """``_item`` and a list of ``{judge_id, label, confidence}`` per item."""
    codes = table.codes[table.n_humans :]
    conf = table.confidence[table.n_humans :]
    r, i = np.nonzero(codes >= 0)
    ids = np.array(table.rater_ids[table.n_humans :], dtype=object)
    long = pl.DataFrame(
        {
            "_item": i.astype(np.int64),
            C.JUDGE_ID: pl.Series(ids[r].tolist() if r.size else [], dtype=pl.String),
            C.LABEL: label_series(table, codes[r, i], C.LABEL),
            C.CONFIDENCE: pl.Series(conf[r, i], dtype=pl.Float64).fill_nan(None),
        }
    )
    return long.group_by("_item", maintain_order=True).agg(
        pl.struct(C.JUDGE_ID, C.LABEL, C.CONFIDENCE).alias("judge_labels")
    )
