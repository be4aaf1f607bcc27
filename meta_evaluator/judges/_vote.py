"""The consistency vote: one label per task from a judge's repeated answers to one row.

A judge with ``consistency=n`` answers each row ``n`` times; the row's label for each
categorical or multilabel task is the most frequent answer, and the row's confidence is the
smallest winning vote share over those tasks. Free-text tasks take the first answer.

Example:
    >>> from meta_evaluator import EvalTask
    >>> from meta_evaluator.judges import ParsedAnswer
    >>> task = EvalTask(task_schemas={"ok": ["yes", "no"]}, prompt_columns=["p"],
    ...                 response_columns=["r"], answering_method="structured")
    >>> votes = [ParsedAnswer(labels={"ok": lab}) for lab in ("yes", "no", "yes")]
    >>> consistency_vote(task, votes)
    ({'ok': 'yes'}, 0.6666666666666666)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meta_evaluator.eval_task import EvalTask
    from meta_evaluator.judges._parse import ParsedAnswer

__all__ = ["consistency_vote"]


def consistency_vote(
    task: EvalTask, answers: Sequence[ParsedAnswer | None]
) -> tuple[dict[str, Any], float | None]:
    """Majority labels and vote share of one row's repeated answers.

    For each task with at least one vote: a free-text task takes the first answer; any other
    task takes the most frequent answer, a tie going to the smallest answer in canonical JSON
    (so the result does not depend on answer order). The vote share of a task is the winner's
    count over ``len(answers)`` (failed answers, None, count in the denominator).

    Args:
        task: The evaluation task (task names and kinds).
        answers: The parsed answers of one row, None for an answer that failed.

    Returns:
        ``(labels, confidence)``: task name -> winning label, and the smallest vote share over
        the voted tasks (None when no categorical or multilabel task got a vote).
    """
    oks = [a for a in answers if a is not None]
    labels: dict[str, Any] = {}
    shares: list[float] = []
    for name in task.task_names:
        votes = [a.labels[name] for a in oks if name in a.labels]
        if not votes:
            continue
        if task.task_kind(name) == "text":
            labels[name] = votes[0]
            continue
        keyed = Counter(json.dumps(v, sort_keys=True) for v in votes)
        top = max(keyed.values())
        winner = min(k for k, c in keyed.items() if c == top)
        labels[name] = json.loads(winner)
        shares.append(top / len(answers))
    return labels, (min(shares) if shares else None)
