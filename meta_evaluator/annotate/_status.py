"""Agreement so far between the annotators of a round (the owner's status view)."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

import numpy as np

from meta_evaluator.annotate._journal import Submission
from meta_evaluator.errors import UndefinedMetricWarning
from meta_evaluator.eval_task import EvalTask

__all__ = ["pairwise_agreement"]


def _key(value: Any) -> str:
    return "|".join(value) if isinstance(value, list) else repr(value)


def pairwise_agreement(
    current: dict[str, dict[str, Submission]], task: EvalTask
) -> list[dict[str, Any]]:
    """Observed agreement and Cohen's kappa of every annotator pair, per task with fixed labels.

    For a pair on the ``n`` samples both labelled: ``agreement = #{same label} / n`` and Cohen's
    (unweighted) kappa ``(p_o - p_e) / (1 - p_e)`` from :func:`meta_evaluator.stats.cohen_kappa`;
    kappa is None where it is undefined (one label used by both for every sample). Multilabel
    labels agree when the sets are equal. Free-text tasks are left out.

    Args:
        current: annotator -> sample -> the answer that counts.
        task: The task.

    Returns:
        One entry per (task, pair) with at least one shared sample:
        ``{"task", "a", "b", "n", "agreement", "kappa"}``.
    """
    from meta_evaluator.stats import cohen_kappa

    out: list[dict[str, Any]] = []
    for name in task.task_names:
        if task.task_kind(name) == "text":
            continue
        for a, b in itertools.combinations(sorted(current), 2):
            shared = [
                s
                for s in current[a]
                if s in current[b]
                and current[a][s].labels.get(name) is not None
                and current[b][s].labels.get(name) is not None
            ]
            if not shared:
                continue
            la = [_key(current[a][s].labels[name]) for s in shared]
            lb = [_key(current[b][s].labels[name]) for s in shared]
            values = sorted(set(la) | set(lb))
            code = {v: i for i, v in enumerate(values)}
            ca = np.array([code[v] for v in la])
            cb = np.array([code[v] for v in lb])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                kappa = cohen_kappa(ca, cb)  # codes 0..K-1, every one used
            out.append(
                {
                    "task": name,
                    "a": a,
                    "b": b,
                    "n": len(shared),
                    "agreement": float(np.mean(ca == cb)),
                    "kappa": None if math.isnan(kappa) else float(kappa),
                }
            )
    return out
