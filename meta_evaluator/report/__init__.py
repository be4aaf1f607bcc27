"""Score reports: HTML page, CSV and console table of finished scores, and the charts they use.

``ScoreReport`` lays out finished
:class:`~meta_evaluator.scores.base_scoring_result.BaseScoringResult` objects; it never computes a
metric. The chart functions are imported lazily (matplotlib loads on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from meta_evaluator.report._score_report import ScoreReport

if _TYPE_CHECKING:
    from meta_evaluator.report._charts import (
        advantage_chart,
        figure_to_data_uri,
        save_figure,
        score_bar_chart,
        winning_rate_chart,
    )

__all__ = [
    "ScoreReport",
    "advantage_chart",
    "figure_to_data_uri",
    "save_figure",
    "score_bar_chart",
    "winning_rate_chart",
]

_CHARTS = frozenset(
    {
        "advantage_chart",
        "figure_to_data_uri",
        "save_figure",
        "score_bar_chart",
        "winning_rate_chart",
    }
)


def __getattr__(name: str) -> _Any:
    """Load the chart functions (and matplotlib) only when first asked for."""
    if name in _CHARTS:
        from meta_evaluator.report import _charts

        return getattr(_charts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
