"""The human consensus: the per-item majority of the humans, as a one-row label table.

Used by ``annotator_aggregation="majority_vote"``; the vote itself is
:func:`meta_evaluator.stats.majority_vote` (codes) and :func:`meta_evaluator.stats.majority_bitmask`
(outcome sets).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from meta_evaluator.errors import ScoringError
from meta_evaluator.scores._tables import LabelTable, _joint_codes
from meta_evaluator.stats.kernels import majority_bitmask, majority_vote

__all__ = ["CONSENSUS_ID", "consensus_table"]

CONSENSUS_ID = "majority_vote"
"""``human_id`` given to the per-item human consensus in majority-vote results."""


def _majority_codes(codes: np.ndarray, n_labels: int, rank: np.ndarray | None) -> np.ndarray:
    """Per-item majority over humans; ties -> the label first in sorted order."""
    if n_labels == 0 or codes.shape[1] == 0:
        return np.full(codes.shape[1], -1, dtype=np.int64)
    if rank is None:
        rank = np.arange(n_labels, dtype=np.int64)
    inv = np.argsort(rank)
    ranked = np.where(codes >= 0, rank[np.clip(codes, 0, None)], -1)
    cons, _share = majority_vote(ranked, n_labels=n_labels)
    cons = np.asarray(cons, dtype=np.int64)
    return np.where(cons >= 0, inv[np.clip(cons, 0, None)], -1)


def consensus_table(table: LabelTable) -> LabelTable:
    """Replace the humans by one row: their per-item majority (see the module docstring).

    Ties go to the label first in sorted (alphabetical / numeric) order; list labels of the
    ``multilabel`` strategy take the majority per position; ``MultiLabelSchema`` sets keep an
    outcome iff more than half of the item's annotators chose it; numeric values take the
    majority like categories. Items nobody labelled stay missing.

    Args:
        table: A ``codes``, ``values`` or ``bitmask`` table.

    Returns:
        The same table with ``humans`` of shape ``(1, n_items)`` and human id ``majority_vote``.
    """
    rated = table.humans_valid.any(axis=0)
    if table.encoding == "values":
        vals = np.where(table.humans_valid, table.humans, np.nan)
        labels = sorted({float(x) for x in vals[table.humans_valid].tolist()})
        lab_arr = np.array(labels, dtype=np.float64)
        codes = np.where(
            table.humans_valid, np.searchsorted(lab_arr, np.nan_to_num(vals)), -1
        ).astype(np.int64)
        cons = _majority_codes(codes, len(labels), None)
        row = np.where(cons >= 0, lab_arr[np.clip(cons, 0, None)] if labels else np.nan, np.nan)
        return replace(
            table,
            human_ids=[CONSENSUS_ID],
            humans=row[None, :],
            humans_valid=~np.isnan(row)[None, :],
        )
    if table.encoding == "bitmask":
        if table.components:
            comps = [consensus_table(c) for c in table.components]
            rebuilt = np.zeros(table.n_items, dtype=np.int64)
            valid = np.ones(table.n_items, dtype=bool)
            off = 0
            for c in comps:
                rebuilt |= np.where(
                    c.humans_valid[0], np.left_shift(1, np.clip(c.humans[0], 0, None) + off), 0
                )
                valid &= c.humans_valid[0]
                off += c.n_labels
            row = np.where(valid, rebuilt, 0)
            return replace(
                table,
                human_ids=[CONSENSUS_ID],
                humans=row[None, :],
                humans_valid=valid[None, :],
                components=tuple(comps),
            )
        row = majority_bitmask(table.humans, table.humans_valid, n_bits=table.n_labels)
        return replace(
            table,
            human_ids=[CONSENSUS_ID],
            humans=row[None, :],
            humans_valid=np.asarray(rated, dtype=bool)[None, :],
        )
    if table.encoding != "codes":
        raise ScoringError(f"no majority vote for {table.encoding!r} labels")
    if table.components or table.bitmask_source is not None:
        if table.components:
            comp_tables = tuple(consensus_table(c) for c in table.components)
            sj = np.stack([c.judge for c in table.components])
            sh = np.stack([c.humans[0] for c in comp_tables])[:, None, :]
            jj, hj, keys = _joint_codes(sj, sh)
            joint_labels: list[Any] = [
                tuple(table.components[k].labels[v] for k, v in enumerate(key)) for key in keys
            ]
        else:
            bm = consensus_table(table.bitmask_source)  # type: ignore[arg-type]
            src = table.bitmask_source
            assert src is not None
            jj, hj, keys = _joint_codes(
                np.where(src.judge_valid, src.judge, -1)[None, :],
                np.where(bm.humans_valid, bm.humans, -1)[None, :, :],
            )
            joint_labels = [
                tuple(src.labels[b] for b in range(src.n_labels) if (key[0] >> b) & 1)
                for key in keys
            ]
        return replace(
            table,
            human_ids=[CONSENSUS_ID],
            judge=jj,
            judge_valid=jj >= 0,
            humans=hj,
            humans_valid=hj >= 0,
            labels=joint_labels,
        )
    cons = _majority_codes(table.humans, table.n_labels, table.sort_rank)
    return replace(
        table, human_ids=[CONSENSUS_ID], humans=cons[None, :], humans_valid=(cons >= 0)[None, :]
    )
