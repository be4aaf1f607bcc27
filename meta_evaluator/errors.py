"""The exception tree of meta_evaluator.

Every error the package raises on purpose derives from :class:`MetaEvaluatorError`,
so ``except MetaEvaluatorError`` catches all of them::

    MetaEvaluatorError
    ├── ConfigError                 a setting, option or definition is invalid
    │   ├── TaskSchemaError         EvalTask schemas / columns are invalid
    │   ├── ArgumentTypeError       an argument has the wrong type (also a TypeError, as in the
    │   │                           original meta-evaluator)
    │   ├── MetricConfigError       MetricConfig / MetricsConfig cannot be scored
    │   └── JudgeConfigError        a judge definition (code or YAML) is invalid
    │       └── JudgeFileNotFoundError   the judges YAML / a prompt file is missing (also a
    │                                    FileNotFoundError, as in the original meta-evaluator)
    ├── ProjectError                the project directory is missing, not empty, or corrupt
    ├── DataError                   input data is unusable
    │   ├── DataFileError           a file is missing, unreadable or empty
    │   │   └── DataFileNotFoundError   the file does not exist (also a FileNotFoundError)
    │   ├── IdError                 duplicate or null ids
    │   ├── ColumnError             a required column is missing
    │   └── AnnotationError         a human or judge label is invalid (outside schema,
    │                               unknown id, duplicate annotator/id pair)
    ├── JudgeError                  a judge call failed (kept as data in results rows)
    │   ├── JudgeParseError         a judge answer could not be parsed against the schema
    │   └── JudgeCallError          the provider call failed (HTTP error, timeout)
    └── ScoringError                a scorer could not produce a result

Messages name the object, show the bad value with ``!r`` and say how to fix it.
Warnings for degenerate statistics use :class:`UndefinedMetricWarning`.
"""

from __future__ import annotations

__all__ = [
    "AnnotationError",
    "ArgumentTypeError",
    "ColumnError",
    "ConfigError",
    "DataError",
    "DataFileError",
    "DataFileNotFoundError",
    "IdError",
    "JudgeCallError",
    "JudgeConfigError",
    "JudgeError",
    "JudgeFileNotFoundError",
    "JudgeParseError",
    "MetaEvaluatorError",
    "MetricConfigError",
    "ProjectError",
    "ScoringError",
    "TaskSchemaError",
    "UndefinedMetricWarning",
]


class MetaEvaluatorError(Exception):
    """Root of every error raised by meta_evaluator."""


class ConfigError(MetaEvaluatorError, ValueError):
    """A setting, option or definition is invalid."""


class ArgumentTypeError(ConfigError, TypeError):
    """An argument has the wrong type (e.g. a pandas frame where a polars frame is needed).

    Also a :class:`TypeError`, which the original meta-evaluator raised in these cases.
    """


class TaskSchemaError(ConfigError):
    """An :class:`~meta_evaluator.eval_task.EvalTask` is invalid."""


class MetricConfigError(ConfigError):
    """A metric configuration cannot be scored as written."""


class JudgeConfigError(ConfigError):
    """A judge definition (in code or YAML) is invalid."""


class JudgeFileNotFoundError(JudgeConfigError, FileNotFoundError):
    """A judges YAML file or a judge's prompt file does not exist.

    Also a :class:`FileNotFoundError`, so ``except FileNotFoundError`` in a script written for the
    original meta-evaluator still catches it.
    """


class ProjectError(MetaEvaluatorError):
    """The project directory is missing, unexpectedly non-empty, or corrupt."""


class DataError(MetaEvaluatorError, ValueError):
    """Input data is unusable."""


class DataFileError(DataError):
    """A data file is missing, unreadable, or empty."""


class DataFileNotFoundError(DataFileError, FileNotFoundError):
    """A data or annotation file does not exist (also a :class:`FileNotFoundError`)."""


class IdError(DataError):
    """Ids are duplicated or null."""


class ColumnError(DataError):
    """A required column is missing."""


class AnnotationError(DataError):
    """A human or external judge label is invalid."""


class JudgeError(MetaEvaluatorError):
    """A judge call failed; in a run this is recorded on the row, not raised."""


class JudgeParseError(JudgeError):
    """A judge answer could not be parsed against the task schema."""


class JudgeCallError(JudgeError):
    """The provider call failed (HTTP error, timeout, connection error).

    Args:
        message: What failed, for the results row.
        status_code: HTTP status, when there was a response.
        retry_after: Seconds the provider asked us to wait (Retry-After), when given.
        retryable: Whether retrying can help (429, 5xx, timeouts, connection errors).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
        retryable: bool = True,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.retryable = retryable


class ScoringError(MetaEvaluatorError):
    """A scorer could not produce a result."""


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for these inputs (returned as nan) or was computed on a fallback."""
