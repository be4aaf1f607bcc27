"""BaseScoringResult: one scorer's result for one judge on one task (or task combination)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from meta_evaluator.scores.enums import TaskAggregationMode

__all__ = ["BaseScoringResult"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    """Make numpy scalars/arrays and non-finite floats JSON safe (nan/inf -> None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class BaseScoringResult(BaseModel):
    """The result of one scorer for one judge, saved as ``<judge_id>_result.json``.

    ``scores`` holds the headline numbers (e.g. ``{"accuracy": 0.87}``); ``metadata`` holds what
    a reader needs to trust them (counts, per-human scores, confidence interval, p-values).
    Non-finite numbers are written to JSON as ``null`` and read back as ``nan`` where the
    field is a score.
    """

    model_config = ConfigDict(extra="allow", use_enum_values=False)

    scorer_name: str
    """Name of the scorer, e.g. "accuracy"."""
    task_name: str
    """The task, or the tasks joined with "+" for multitask / multilabel configs."""
    judge_id: str
    """The judge that was scored."""
    scores: dict[str, Any]
    """Headline scores."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Supporting numbers: counts, per-human scores, CI, p-values, warnings."""
    aggregation_mode: TaskAggregationMode = TaskAggregationMode.SINGLE
    """How the tasks were combined."""
    num_comparisons: int = 0
    """Number of judge-vs-human comparisons that went into the score."""
    failed_comparisons: int = 0
    """Number of comparisons that could not be made."""
    timestamp: str = Field(default_factory=_now)
    """When the score was computed (UTC, ISO 8601)."""

    @field_serializer("scores", "metadata")
    def _ser_dicts(self, v: dict[str, Any]) -> Any:
        return _jsonable(v)

    def save_state(self, file_path: str | Path) -> None:
        """Write this result as JSON, atomically."""
        from meta_evaluator._io import atomic_write_text

        atomic_write_text(Path(file_path), self.model_dump_json(indent=2))

    @classmethod
    def load_state(cls, file_path: str | Path) -> BaseScoringResult:
        """Read a result written by :meth:`save_state`."""
        data = json.loads(Path(file_path).read_text(encoding="utf-8"))
        data["scores"] = _nullable_to_nan(data.get("scores", {}))
        return cls.model_validate(data)


def _nullable_to_nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nullable_to_nan(v) for k, v in value.items()}
    return float("nan") if value is None else value
