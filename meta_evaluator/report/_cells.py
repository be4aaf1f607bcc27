"""HTML fragments shared by the summary table and the metric sections.

Escaping (every value passes :func:`_e`), number and metadata formatting (an em dash for nan,
None or a missing value), column labels with their direction arrow, the alt-test PASS/FAIL badge
and the score cell with its confidence interval and best-in-column mark.

Example:
    >>> _e("<b>"), _num(float("nan")), _text([1, True])
    ('&lt;b&gt;', '—', '1, yes')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

from meta_evaluator.report._table import (
    ADVANTAGE_PROBABILITY,
    WINNING_RATE,
    ScoreColumn,
    ScoreTable,
    as_float,
    result_epsilon,
)
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

_DASH = "—"
_PASS_THRESHOLD = 0.5
"""Alt-test pass rule: winning rate >= 0.5 (used only when a result does not say ``passed``)."""


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape(str(value), quote=True)


def _num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals, or an em dash for nan / None / non-numbers."""
    number = as_float(value)
    if number is None or not math.isfinite(number):
        return _DASH
    return f"{number:.{digits}f}"


def _text(value: Any) -> str:
    """Plain-text rendering of a metadata value (not escaped; escape it when inserting)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) or value is None:
        number = as_float(value)
        return _DASH if number is None or not math.isfinite(number) else f"{number:.4g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _key_label(column: ScoreColumn) -> str:
    if column.score_key == WINNING_RATE:
        eps = column.epsilon if column.epsilon is not None else 0.2
        label = f"winning rate @ ε={eps:.2f}"
    elif column.score_key == ADVANTAGE_PROBABILITY:
        label = "advantage probability"
    else:
        label = column.score_key.replace("_", " ")
    arrow = "↑" if column.higher_is_better else "↓"
    return f"{label} {arrow}"


def _passed(result: BaseScoringResult) -> bool | str | None:
    """Alt-test verdict: ``"insufficient_data"`` when the test could not run, else pass as a bool.

    Read from the typed ``verdict``, else ``metadata["passed"]``, else winning rate >= 0.5.
    """
    if result.verdict == "insufficient_data":
        return "insufficient_data"
    flag = result.metadata.get("passed")
    if isinstance(flag, bool):
        return flag
    rates = result.scores.get(WINNING_RATE)
    if not isinstance(rates, dict):
        return None
    rate = as_float(rates.get(f"{result_epsilon(result):.2f}"))
    if rate is None or not math.isfinite(rate):
        return None
    return rate >= _PASS_THRESHOLD


def _badge(passed: bool | str | None) -> str:
    if passed == "insufficient_data":
        return (
            '<span class="badge unknown" title="the alt-test could not run: see the warnings">'
            "NOT ENOUGH DATA</span>"
        )
    if passed is None:
        return '<span class="badge unknown">n/a</span>'
    return (
        '<span class="badge pass">PASS</span>' if passed else '<span class="badge fail">FAIL</span>'
    )


def _cell(
    table: ScoreTable, judge: str, column: ScoreColumn, extra: str = "", hover: str | None = None
) -> str:
    key = (judge, column.name)
    attrs = f'data-column="{_e(column.name)}"'
    if key not in table.values:
        return f'<td class="missing" {attrs} title="not computed">{_DASH}</td>'
    value = table.values[key]
    classes = "num best" if judge in table.best.get(column.name, ()) else "num"
    if math.isfinite(value):
        attrs += f' data-sort="{value!r}"'
    notes = [hover] if hover else []
    if not math.isfinite(value):
        notes.append("undefined (nan): see the warnings in the metric section")
    body = f'<span class="v">{_num(value)}</span>'
    if key in table.ci:
        low, high = table.ci[key]
        body += f'<span class="ci">95% CI [{_num(low)}, {_num(high)}]</span>'
        notes.append(f"95% CI [{_num(low)}, {_num(high)}]")
    if "best" in classes:
        notes.append("best in column")
    title = f' title="{_e("; ".join(notes))}"' if notes else ""
    return f'<td class="{classes}" {attrs}{title}>{body}{extra}</td>'


def _scroll_table(corner: str, head: str, rows: list[str]) -> str:
    """A scrollable table: header cells ``head`` after the ``corner`` heading, body ``rows``.

    ``corner`` is escaped; ``head`` and ``rows`` are HTML already (their texts escaped).
    """
    return (
        f'<div class="scroll"><table><thead><tr><th>{_e(corner)}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
