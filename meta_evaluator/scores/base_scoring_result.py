"""BaseScoringResult: one scorer's result for one judge on one task (or task combination).

Besides the seed's fields (``scores``, ``metadata``, counts), a result carries typed fields
that the report and the CSV read directly, never the shape of ``scores``:

* ``headline`` / ``headline_key``: the one number a summary table shows and which entry of
  ``scores`` it is (alt-test: ``advantage_probability``; the verdict says pass / fail);
* ``higher_is_better``; ``ci_low`` / ``ci_high`` (a CI of the headline); ``human_ceiling``;
* ``verdict``: ``"pass"`` / ``"fail"`` / ``"insufficient_data"`` where a test decides;
* ``warnings`` (why a number is nan, what was dropped); ``error``: a :class:`ScoreError` when
  the scorer failed (failures are data, the comparison goes on);
* ``config_label``: the readable name of the metric config (e.g. ``kappa(quadratic) · severity``).

Result files written before these fields existed still load: missing typed fields are filled
from the legacy ``metadata`` keys (``ci_low``, ``human_ceiling``, ``passed``, ``warnings``,
``error``).

Example:
    >>> r = BaseScoringResult(scorer_name="accuracy", task_name="t", judge_id="j",
    ...                       scores={"accuracy": 0.8}, metadata={"ci_low": 0.7, "ci_high": 0.9})
    >>> r.ci_low, r.ci_high, r.headline
    (0.7, 0.9, None)
"""

from __future__ import annotations

import json
import math
import traceback as _traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from meta_evaluator.scores.enums import TaskAggregationMode

__all__ = ["VERDICTS", "BaseScoringResult", "ScoreError", "Verdict"]

Verdict = Literal["pass", "fail", "insufficient_data"]
"""What a decision test (the alt-test) concluded; ``insufficient_data`` = it could not run."""
VERDICTS: tuple[str, ...] = ("pass", "fail", "insufficient_data")
"""The allowed values of :attr:`BaseScoringResult.verdict`."""


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


class ScoreError(BaseModel):
    """A scorer failure kept as data (like inspect_ai's ``EvalError``).

    Example:
        >>> ScoreError.from_exception(ValueError("bad label")).message
        'bad label'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    """The exception class name, e.g. ``"ScoringError"``."""
    message: str
    """The exception text."""
    traceback: str = ""
    """The formatted traceback (empty when unknown)."""

    @classmethod
    def from_exception(cls, exc: BaseException) -> ScoreError:
        """Capture an exception's type, message and traceback."""
        tb = "".join(_traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type=type(exc).__name__, message=str(exc), traceback=tb)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


def _opt_float(value: Any) -> float | None:
    """A finite-or-nan float, or None for values that are not numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class BaseScoringResult(BaseModel):
    """The result of one scorer for one judge, saved as ``<judge_id>_result.json``.

    ``scores`` holds the headline numbers (e.g. ``{"accuracy": 0.87}``); ``metadata`` holds what
    a reader needs to trust them (counts, per-human scores, confidence interval, p-values).
    The typed fields below ``timestamp`` are what reports read (see the module docstring).
    Non-finite numbers are written to JSON as ``null`` and read back as ``nan`` where the
    field is a score (``scores`` and, when ``headline_key`` is set, ``headline``).
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
    headline: float | None = None
    """The one number a summary table shows (nan = undefined; None = the scorer names none)."""
    headline_key: str | None = None
    """Which entry of ``scores`` the headline is (e.g. ``"kappa"``)."""
    higher_is_better: bool = True
    """Whether a larger headline is better."""
    ci_low: float | None = None
    """Lower end of the confidence interval of the headline (None = no interval)."""
    ci_high: float | None = None
    """Upper end of the confidence interval of the headline (None = no interval)."""
    human_ceiling: float | None = None
    """The same statistic among the humans themselves (None = not defined for this scorer)."""
    verdict: Verdict | None = None
    """``"pass"`` / ``"fail"`` / ``"insufficient_data"`` where a test decides, else None."""
    warnings: list[str] = Field(default_factory=list)
    """Why a number is nan, what was dropped or replaced (also in ``metadata["warnings"]``)."""
    error: ScoreError | None = None
    """The scorer's failure, when it failed (the scores are then nan)."""
    config_label: str | None = None
    """Readable name of the metric config, e.g. ``"accuracy · rejection · majority"``."""

    @model_validator(mode="before")
    @classmethod
    def _fill_from_metadata(cls, data: Any) -> Any:
        """Fill typed fields that are absent from the legacy metadata keys (old result files)."""
        if not isinstance(data, dict):
            return data
        meta = data.get("metadata")
        if not isinstance(meta, dict):
            return data
        data = dict(data)
        for key in ("ci_low", "ci_high", "human_ceiling"):
            if key not in data and key in meta:
                value = _opt_float(meta[key])
                if value is not None and math.isfinite(value):
                    data[key] = value
        if "higher_is_better" not in data and isinstance(meta.get("higher_is_better"), bool):
            data["higher_is_better"] = meta["higher_is_better"]
        if "verdict" not in data and meta.get("verdict") in VERDICTS:
            data["verdict"] = meta["verdict"]
        elif "verdict" not in data and isinstance(meta.get("passed"), bool):
            data["verdict"] = "pass" if meta["passed"] else "fail"
        if "warnings" not in data and isinstance(meta.get("warnings"), list):
            data["warnings"] = [str(w) for w in meta["warnings"]]
        if "error" not in data and isinstance(meta.get("error"), str) and meta["error"]:
            kind, sep, text = meta["error"].partition(": ")
            data["error"] = (
                {"type": kind, "message": text} if sep else {"type": "Error", "message": kind}
            )
        if "config_label" not in data and isinstance(meta.get("config_label"), str):
            data["config_label"] = meta["config_label"]
        return data

    @field_serializer("scores", "metadata")
    def _ser_dicts(self, v: dict[str, Any]) -> Any:
        return _jsonable(v)

    @field_serializer("headline", "ci_low", "ci_high", "human_ceiling")
    def _ser_float(self, v: float | None) -> float | None:
        return None if v is None or not math.isfinite(v) else v

    def save_state(self, file_path: str | Path) -> None:
        """Write this result as JSON, atomically."""
        from meta_evaluator._io import atomic_write_text

        atomic_write_text(Path(file_path), self.model_dump_json(indent=2))

    @classmethod
    def load_state(cls, file_path: str | Path) -> BaseScoringResult:
        """Read a result written by :meth:`save_state` (also files older than the typed fields)."""
        data = json.loads(Path(file_path).read_text(encoding="utf-8"))
        data["scores"] = _nullable_to_nan(data.get("scores", {}))
        if data.get("headline_key") is not None and data.get("headline") is None:
            data["headline"] = float("nan")
        return cls.model_validate(data)


def _nullable_to_nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nullable_to_nan(v) for k, v in value.items()}
    return float("nan") if value is None else value
