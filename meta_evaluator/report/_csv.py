"""``score_report.csv``: the summary table with its intervals, human ceilings and verdicts.

The first columns are exactly :meth:`ScoreReport.to_frame` (``judge_id`` + one Float64 column per
score column). After them, for every score column that has them: ``<column>__ci_low``,
``<column>__ci_high`` (95% CI), ``<column>__human_ceiling``; for every config with a test verdict
``<config>__verdict`` (``pass`` / ``fail`` / ``insufficient_data``); and ``<config>__label``, the
config's readable name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from meta_evaluator.report._table import ScoreTable
from meta_evaluator.report._view import ResultView

__all__ = ["csv_frame"]


def csv_frame(table: ScoreTable, views: Sequence[ResultView]) -> pl.DataFrame:
    """The CSV table (see the module docstring).

    Args:
        table: The summary table.
        views: The result views the table was built from.

    Returns:
        One row per judge.
    """
    frame = table.to_frame()
    judges = table.judges
    extra: dict[str, pl.Series] = {}
    for column in table.columns:
        pairs = [table.ci.get((j, column.name)) for j in judges]
        if any(p is not None for p in pairs):
            extra[f"{column.name}__ci_low"] = pl.Series(
                [p[0] if p else None for p in pairs], dtype=pl.Float64
            )
            extra[f"{column.name}__ci_high"] = pl.Series(
                [p[1] if p else None for p in pairs], dtype=pl.Float64
            )
        ceiling = table.ceilings.get(column.name)
        if ceiling is not None:
            extra[f"{column.name}__human_ceiling"] = pl.Series(
                [ceiling] * len(judges), dtype=pl.Float64
            )
    by_key: dict[tuple[str, str], ResultView] = {(v.judge, v.config): v for v in views}
    configs = list(dict.fromkeys(c.config for c in table.columns))
    for config in configs:
        verdicts: list[Any] = [getattr(by_key.get((j, config)), "verdict", None) for j in judges]
        if any(v is not None for v in verdicts):
            extra[f"{config}__verdict"] = pl.Series(verdicts, dtype=pl.Utf8)
    for config in configs:
        labels = [getattr(by_key.get((j, config)), "label", None) for j in judges]
        extra[f"{config}__label"] = pl.Series(labels, dtype=pl.Utf8)
    if not extra:
        return frame
    return frame.with_columns(**extra)
