"""JudgeResults: one judge's labels for the evaluation data, one row per sample."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._compat import JudgeResultsCompat
from meta_evaluator._io import atomic_write, atomic_write_text
from meta_evaluator.errors import DataError, ProjectError

__all__ = ["RESULT_META_COLUMNS", "JudgeResults"]

RESULT_META_COLUMNS: dict[str, Any] = {
    C.ORIGINAL_ID: pl.Utf8,
    C.STATUS: pl.Utf8,
    C.ERROR_MESSAGE: pl.Utf8,
    C.RAW_RESPONSE: pl.Utf8,
    C.LATENCY_S: pl.Float64,
    C.INPUT_TOKENS: pl.Int64,
    C.OUTPUT_TOKENS: pl.Int64,
    C.COST_USD: pl.Float64,
    C.ATTEMPTS: pl.Int64,
    C.CALLS: pl.Int64,
    C.CONFIDENCE: pl.Float64,
}
"""Columns every results table carries besides the task columns, with their dtypes."""


@dataclass(kw_only=True)
class JudgeResults(JudgeResultsCompat):
    """The labels one judge gave, one row per sample.

    ``results_data`` has the columns of :data:`RESULT_META_COLUMNS` plus one column per task
    (a list column for multilabel tasks). Failed rows keep their status and error message;
    their task columns are null.
    """

    judge_id: str
    """The judge's id."""
    task_names: list[str]
    """The task columns present in ``results_data``."""
    results_data: pl.DataFrame
    """One row per sample (see class docstring)."""
    source: Literal["run", "external"] = "run"
    """Whether the labels came from a judge run or an external file."""
    model: str | None = None
    """The model that produced the labels, when known."""
    info: dict[str, Any] = field(default_factory=dict)
    """Free-form run information (client, totals, timings)."""

    def __post_init__(self) -> None:
        missing = [c for c in (C.ORIGINAL_ID, C.STATUS) if c not in self.results_data.columns]
        if missing:
            raise DataError(
                f"JudgeResults {self.judge_id!r}: results_data lacks column(s) {missing!r}."
            )
        self.results_data = _with_meta_columns(self.results_data)

    @property
    def succeeded(self) -> pl.DataFrame:
        """Rows with status ``success`` or ``partial``."""
        return self.results_data.filter(
            pl.col(C.STATUS).is_in([C.STATUS_SUCCESS, C.STATUS_PARTIAL])
        )

    def status_counts(self) -> dict[str, int]:
        """Number of rows per status."""
        counts = self.results_data.group_by(C.STATUS).len()
        return {str(s): int(n) for s, n in counts.iter_rows()}

    def labels(self, task_name: str) -> pl.DataFrame:
        """``original_id``, ``label`` for one task, successful rows with a label only."""
        if task_name not in self.results_data.columns:
            raise DataError(
                f"Judge {self.judge_id!r} has no column for task {task_name!r}; it has "
                f"{self.task_names!r}."
            )
        return self.succeeded.select(C.ORIGINAL_ID, pl.col(task_name).alias(C.LABEL)).filter(
            pl.col(C.LABEL).is_not_null()
        )

    # ----------------------------------------------------------------- storage
    def save(self, directory: Path) -> None:
        """Write ``results.parquet`` and ``state.json`` into ``directory`` atomically."""
        directory = Path(directory)
        atomic_write(directory / "results.parquet", lambda p: self.results_data.write_parquet(p))
        state = {
            "judge_id": self.judge_id,
            "task_names": self.task_names,
            "source": self.source,
            "model": self.model,
            "info": self.info,
            "num_rows": self.results_data.height,
            "status_counts": self.status_counts(),
        }
        atomic_write_text(directory / "state.json", json.dumps(state, indent=2, default=str))

    @classmethod
    def load(cls, directory: Path) -> JudgeResults:
        """Read results written by :meth:`save`."""
        directory = Path(directory)
        try:
            state = json.loads((directory / "state.json").read_text(encoding="utf-8"))
            data = pl.read_parquet(directory / "results.parquet")
            return cls(
                judge_id=str(state["judge_id"]),
                task_names=list(state["task_names"]),
                results_data=data,
                source=state.get("source", "run"),
                model=state.get("model"),
                info=dict(state.get("info") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError) as exc:
            raise ProjectError(
                f"Cannot read judge results in {str(directory)!r}: {type(exc).__name__}: {exc}. "
                "Delete the folder and re-run the judge, or restore it from backup."
            ) from exc


def _with_meta_columns(df: pl.DataFrame) -> pl.DataFrame:
    add = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in RESULT_META_COLUMNS.items()
        if name not in df.columns
    ]
    if add:
        df = df.with_columns(add)
    return df.with_columns(pl.col(C.ORIGINAL_ID).cast(pl.Utf8))
