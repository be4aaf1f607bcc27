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

    Per task with fixed labels (free text is left out) the samples of
    :meth:`AgreementReport.low_agreement() <meta_evaluator.agreement.AgreementReport.low_agreement>`
    from the annotation-team analysis: two or more human labels and an agreement below its
    default threshold. A sample's score is its lowest agreement over the tasks; the lowest come
    first (ties in id order).

    Args:
        labels: Long annotation frame (``original_id, annotator_id, <tasks>``).
        task: The task.

    Raises:
        ConfigError: No sample has two disagreeing ratings yet.
    """
    from meta_evaluator.agreement import agreement_from_frames

    scores: dict[str, float] = {}
    for name in task.task_names:
        if task.task_kind(name) == "text" or labels[name].null_count() == labels.height:
            continue
        low = agreement_from_frames(task, name, labels, include_judges=False).low_agreement()
        for sid, a in zip(low[C.ORIGINAL_ID].to_list(), low["agreement"].to_list(), strict=True):
            scores[sid] = min(float(a), scores.get(sid, 1.0))
    contested = sorted((a, sid) for sid, a in scores.items())
    if not contested:
        raise ConfigError(
            "--queue low-agreement: no sample has disagreeing labels from two annotators yet. "
            "Run a normal round first (or import annotations), then relabel the contested ones."
        )
    return [sid for _, sid in contested]
