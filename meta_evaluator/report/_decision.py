"""The decision sections of the report, built together from results and per-sample evidence.

Order on the page: verdict (per task: one line per judge, a recommendation), judge vs judge
(paired tests), where each judge disagrees (confusion, per-class scores), the disagreement
explorer, annotators and run health. Without evidence (a report built from results alone) only the
verdict is drawn, with costs from ``judge_info`` when given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meta_evaluator.report._annotators import annotators_section
from meta_evaluator.report._compare_judges import (
    JudgeComparison,
    compare_judges,
    item_similarities,
    judge_comparison_section,
)
from meta_evaluator.report._confusion import confusion_section
from meta_evaluator.report._evidence import ReportEvidence
from meta_evaluator.report._explorer import explorer_sections
from meta_evaluator.report._health import health_rows, health_section
from meta_evaluator.report._table import as_float
from meta_evaluator.report._verdict import task_verdicts, verdict_section
from meta_evaluator.report._view import ResultView
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["DecisionSections", "decision_sections"]


@dataclass(frozen=True, kw_only=True)
class DecisionSections:
    """HTML of each decision section ("" when a section has nothing to show)."""

    verdict: str
    judge_vs_judge: str
    confusion: str
    explorer: str
    annotators: str
    health: str


def _health_from_info(judge_info: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Cost and tokens per judge from the ``judge_info`` facts (reports without evidence)."""
    out: dict[str, dict[str, Any]] = {}
    for jid, info in judge_info.items():
        rows = as_float(info.get("rows"))
        cost = as_float(info.get("cost_usd"))
        tokens_in = as_float(info.get("input_tokens"))
        tokens_out = as_float(info.get("output_tokens"))
        out[jid] = {
            "cost_per_100": 100.0 * cost / rows if cost is not None and rows else None,
            "input_tokens": int(tokens_in)
            if tokens_in is not None and tokens_in == tokens_in
            else None,
            "output_tokens": int(tokens_out)
            if tokens_out is not None and tokens_out == tokens_out
            else None,
        }
    return out


def decision_sections(
    results: Sequence[BaseScoringResult],
    views: Sequence[ResultView],
    evidence: ReportEvidence | None,
    judge_info: Mapping[str, Mapping[str, Any]],
) -> DecisionSections:
    """Build every decision section.

    Args:
        results: Finished results.
        views: Their :func:`~meta_evaluator.report._view.result_view` views, same order.
        evidence: Per-sample evidence, or None.
        judge_info: Judge facts (used for costs when there is no evidence).

    Returns:
        The sections' HTML.
    """
    if evidence is None:
        health: Mapping[str, Mapping[str, Any]] = _health_from_info(judge_info)
        comparisons: list[JudgeComparison] = []
        return DecisionSections(
            verdict=verdict_section(
                task_verdicts(results, views, comparisons, health), results, health
            ),
            judge_vs_judge="",
            confusion="",
            explorer="",
            annotators="",
            health="",
        )
    rows = health_rows(evidence)
    similarities = item_similarities(evidence)
    comparisons = compare_judges(evidence, similarities)
    verdicts = task_verdicts(results, views, comparisons, rows)
    return DecisionSections(
        verdict=verdict_section(verdicts, results, rows),
        judge_vs_judge=judge_comparison_section(comparisons),
        confusion=confusion_section(evidence, similarities),
        explorer=explorer_sections(evidence),
        annotators=annotators_section(evidence),
        health=health_section(rows),
    )
