"""Who labels what, in which order: overlap ``k`` and a seeded random order per annotator.

Assignment is a pure function of (sample ids, annotator ids, overlap, seed), so restarting the
server gives everyone the same queue. Samples are shuffled once with ``seed``; sample number
``i`` of the shuffle goes to annotators ``(i*k + j) mod n`` for ``j < k`` (sorted ids), which
spreads the load evenly (every annotator gets ``floor`` or ``ceil`` of ``N*k/n`` samples). Each
annotator then sees their samples in their own random order, seeded by ``seed`` and their id.
A ``priority`` list (the low-agreement queue) restricts the round to those samples and replaces
the random order: the most contested samples come first for everyone.
Adding annotators re-deals the samples (the round keeps each annotator's answered samples in
their queue, see :class:`~meta_evaluator.annotate.AnnotationRound`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.errors import ConfigError
from meta_evaluator.eval_task import EvalTask

__all__ = ["assign", "low_agreement_samples"]


def _rng(seed: int, *parts: str) -> np.random.Generator:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def assign(
    sample_ids: Sequence[str],
    annotator_ids: Sequence[str],
    *,
    overlap: int | None = None,
    seed: int = 0,
    priority: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """Give each sample to ``overlap`` annotators and order each annotator's queue.

    Args:
        sample_ids: The samples of the round (data order).
        annotator_ids: The annotators.
        overlap: Annotators per sample (``k``); None = every annotator labels every sample.
        seed: Seeds the shuffle and the per-annotator orders.
        priority: When given, the round holds only these samples, in this order (e.g. lowest
            agreement first) for every annotator.

    Returns:
        annotator id -> the sample ids of their queue, in the order they are shown.

    Raises:
        ConfigError: ``overlap`` is below 1 or above the number of annotators.

    Example:
        >>> q = assign(["a", "b", "c", "d"], ["x", "y"], overlap=1, seed=1)
        >>> sorted(q["x"] + q["y"])
        ['a', 'b', 'c', 'd']
    """
    people = sorted(annotator_ids)
    n = len(people)
    k = n if overlap is None else overlap
    if n and not 1 <= k <= n:
        raise ConfigError(
            f"overlap must be between 1 and the number of annotators ({n}); got {overlap!r}. "
            "Add annotators (--annotator NAME) or lower --overlap."
        )
    pool = list(priority) if priority is not None else list(sample_ids)
    if not n:
        return {}
    if k == n:
        chosen = {a: list(pool) for a in people}
    else:
        shuffled = [pool[i] for i in _rng(seed, "samples").permutation(len(pool))]
        chosen = {a: [] for a in people}
        for i, sid in enumerate(shuffled):
            for j in range(k):
                chosen[people[(i * k + j) % n]].append(sid)
    if priority is not None:
        rank = {sid: r for r, sid in enumerate(pool)}
        return {a: sorted(ids, key=rank.__getitem__) for a, ids in chosen.items()}
    return {
        a: [ids[i] for i in _rng(seed, "order", a).permutation(len(ids))]
        for a, ids in chosen.items()
    }


def low_agreement_samples(labels: pl.DataFrame, task: EvalTask) -> list[str]:
    """Samples the humans disagree on, most contested first (the ``low-agreement`` queue).

    With the annotation-team analysis (:mod:`meta_evaluator.agreement`) this is, per task with
    fixed labels, ``AgreementReport.low_agreement()``: samples with two or more labels whose
    agreement is below its default threshold. Without it, the per-item agreement is the share
    of annotator pairs that agree (Fleiss' ``P_i``, :func:`meta_evaluator.stats.per_item_agreement`)
    and samples below 1 count. Either way a sample's score is its lowest over the tasks
    (multilabel compared as sets, free text left out) and the lowest come first (ties in id
    order).

    Args:
        labels: Long annotation frame (``original_id, annotator_id, <tasks>``).
        task: The task.

    Raises:
        ConfigError: No sample has two disagreeing ratings yet.
    """
    tasks = [t for t in task.task_names if task.task_kind(t) != "text"]
    scores: dict[str, float] = {}
    if not labels.is_empty():
        try:
            from meta_evaluator.agreement import (  # type: ignore[import-not-found, unused-ignore]
                agreement_from_frames,
            )
        except ImportError:
            per_task = [_pair_agreement(labels, t, task) for t in tasks]
        else:
            per_task = []
            for t in tasks:
                if labels[t].null_count() == labels.height:
                    continue
                low = agreement_from_frames(task, t, labels, include_judges=False).low_agreement()
                per_task.append(dict(zip(low[C.ORIGINAL_ID].to_list(),
                                         low["agreement"].to_list(), strict=True)))  # fmt: skip
        for found in per_task:
            for sid, a in found.items():
                scores[sid] = min(float(a), scores.get(sid, 1.0))
    contested = sorted((a, sid) for sid, a in scores.items() if a < 1.0)
    if not contested:
        raise ConfigError(
            "--queue low-agreement: no sample has disagreeing labels from two annotators yet. "
            "Run a normal round first (or import annotations), then relabel the contested ones."
        )
    return [sid for _, sid in contested]


def _pair_agreement(labels: pl.DataFrame, name: str, task: EvalTask) -> dict[str, float]:
    """Sample id -> Fleiss' ``P_i`` of one task (samples with two or more labels)."""
    from meta_evaluator.stats import per_item_agreement

    col = labels.select(
        C.ORIGINAL_ID,
        C.ANNOTATOR_ID,
        pl.col(name).cast(pl.List(pl.Utf8)).list.join("|")
        if task.task_kind(name) == "multilabel"
        else pl.col(name).cast(pl.Utf8),
    ).filter(pl.col(name).is_not_null())
    if col.is_empty():
        return {}
    values = col[name].unique().sort().to_list()
    coded = col.with_columns(
        pl.col(name).replace_strict(values, list(range(len(values))), return_dtype=pl.Int64)
    )
    wide = coded.pivot(on=C.ANNOTATOR_ID, index=C.ORIGINAL_ID, values=name)
    mat = wide.drop(C.ORIGINAL_ID).fill_null(-1).to_numpy().T  # raters x items
    agree = per_item_agreement(mat, n_labels=len(values))
    return {
        sid: a
        for sid, a in zip(wide[C.ORIGINAL_ID].to_list(), agree.tolist(), strict=True)
        if not math.isnan(a)
    }
