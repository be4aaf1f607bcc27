"""The task context: what a scorer knows about the labels it is given (set by the driver).

The comparison driver sets a :class:`TaskContext` in a :class:`contextvars.ContextVar` around
each ``compute_score_async`` call (``with task_context(ctx): ...``); scorers read it with
:func:`current_task_context`. A scorer called without it (a user's own script, a seed-style
custom scorer) still works: kinds are inferred from the values (:func:`infer_kind`) and
categorical codes fall back to sorted label order.

"multilabel" names two things, kept apart here: the task *kind* ``"multilabel"`` of a
``MultiLabelSchema`` task (a set of outcomes per sample) and the ``task_strategy="multilabel"``
of a metric config (several single-label tasks combined positionally: ``components``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from meta_evaluator.eval_task import EvalTask

__all__ = [
    "LabelKind",
    "TaskContext",
    "context_for",
    "current_task_context",
    "infer_kind",
    "task_context",
]

LabelKind = Literal["categorical", "numeric", "text", "multilabel"]


@dataclass(frozen=True, kw_only=True)
class TaskContext:
    """What a scorer needs to know about the labels it is given (set by the driver).

    Example:
        >>> ctx = TaskContext(kind="categorical", labels=("low", "mid", "high"))
        >>> with task_context(ctx):
        ...     current_task_context().labels
        ('low', 'mid', 'high')
        >>> current_task_context() is None
        True
    """

    kind: LabelKind
    """Kind of one label: "categorical", "numeric", "text" or "multilabel" (list-valued)."""
    labels: tuple[Any, ...] | None = None
    """Allowed labels in schema (ordinal) order, or the outcomes of a MultiLabelSchema task."""
    components: tuple[TaskContext, ...] = ()
    """For the ``multilabel`` strategy: one context per task, in list position order."""
    task_names: tuple[str, ...] = ()
    """The task(s) the labels come from."""
    annotator_aggregation: str = "individual_average"
    """"individual_average" or "majority_vote"."""

    @property
    def positional(self) -> bool:
        """True when a list label holds one value per task (the ``multilabel`` strategy)."""
        return bool(self.components)


_TASK_CONTEXT: ContextVar[TaskContext | None] = ContextVar(
    "meta_evaluator_task_context", default=None
)


def current_task_context() -> TaskContext | None:
    """Return the :class:`TaskContext` set by the comparison driver, or None outside it."""
    return _TASK_CONTEXT.get()


@contextlib.contextmanager
def task_context(ctx: TaskContext | None) -> Iterator[TaskContext | None]:
    """Set the task context for the scorer calls made inside the ``with`` block."""
    token = _TASK_CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _TASK_CONTEXT.reset(token)


def context_for(
    task: EvalTask,
    task_names: Sequence[str],
    *,
    positional: bool = False,
    annotator_aggregation: str = "individual_average",
) -> TaskContext:
    """Build the context for one task, or for several tasks combined positionally.

    Args:
        task: The evaluation task holding the schemas.
        task_names: One task, or the tasks of a ``multilabel`` strategy config.
        positional: True for the ``multilabel`` strategy (list label = one value per task).
        annotator_aggregation: The config's annotator aggregation.

    Returns:
        The context.
    """
    if positional:
        comps = tuple(context_for(task, [t]) for t in task_names)
        return TaskContext(
            kind="multilabel",
            components=comps,
            task_names=tuple(task_names),
            annotator_aggregation=annotator_aggregation,
        )
    (name,) = task_names
    labels = task.allowed_labels(name)
    return TaskContext(
        kind=task.task_kind(name),
        labels=None if labels is None else tuple(labels),
        task_names=(name,),
        annotator_aggregation=annotator_aggregation,
    )


def infer_kind(sample_label: Any) -> LabelKind | None:
    """Guess a label's kind from one value (str -> categorical, number, list); None if unknown.

    Example:
        >>> infer_kind("yes"), infer_kind(3), infer_kind(["a"]), infer_kind({"a": 1})
        ('categorical', 'numeric', 'multilabel', None)
    """
    if isinstance(sample_label, bool):
        return "categorical"
    if isinstance(sample_label, str):
        return "categorical"
    if isinstance(sample_label, int | float | np.integer | np.floating):
        return "numeric"
    if isinstance(sample_label, list | tuple | pl.Series | np.ndarray):
        return "multilabel"
    return None
