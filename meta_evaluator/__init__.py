"""meta_evaluator: can this LLM judge stand in for our human annotators, and how sure are we?

Example:
    >>> from meta_evaluator import MetaEvaluator, EvalTask
    >>> task = EvalTask(task_schemas={"rejection": ["rejection", "not rejection"]},
    ...                 response_columns=["llm_response"])
    >>> task.task_names
    ['rejection']
"""

from __future__ import annotations

import os

# litellm must never fetch its cost map from the internet: forced before any import of litellm
# (which happens lazily, only in meta_evaluator.judges._litellm_client).
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from meta_evaluator.errors import (
    ConfigError,
    DataError,
    JudgeError,
    MetaEvaluatorError,
    UndefinedMetricWarning,
)
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema
from meta_evaluator.project import MetaEvaluator

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "EvalTask",
    "JudgeError",
    "MetaEvaluator",
    "MetaEvaluatorError",
    "MultiLabelSchema",
    "UndefinedMetricWarning",
    "__version__",
]
