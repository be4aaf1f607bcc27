"""Compatibility re-exports: this module was split into three.

* :mod:`meta_evaluator.scores._context`: the task context (``TaskContext``, ``task_context``,
  ``current_task_context``, ``context_for``, ``infer_kind``);
* :mod:`meta_evaluator.scores._tables`: label tables and their encodings (``LabelTable``,
  ``build_table``);
* :mod:`meta_evaluator.scores._consensus`: the human consensus (``consensus_table``).
"""

from __future__ import annotations

from meta_evaluator.scores._consensus import CONSENSUS_ID, consensus_table
from meta_evaluator.scores._context import (
    LabelKind,
    TaskContext,
    context_for,
    current_task_context,
    infer_kind,
    task_context,
)
from meta_evaluator.scores._tables import Encoding, LabelTable, build_table

__all__ = [
    "CONSENSUS_ID",
    "Encoding",
    "LabelKind",
    "LabelTable",
    "TaskContext",
    "build_table",
    "consensus_table",
    "context_for",
    "current_task_context",
    "infer_kind",
    "task_context",
]
