"""The decision sections of the report, built together from results and per-sample evidence.

Order on the page: verdict (per task: one line per judge, a recommendation), judge vs judge
(paired tests), where each judge disagrees (confusion, per-class scores), the disagreement
explorer, annotators and run health. Without evidence (a report built from results alone) only the
verdict is drawn, with costs from ``judge_info`` when given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meta_evaluator.report._annotators import annotators_section
from meta_evaluator.report._compare_judges import (
    JudgeComparison,
    compare_judges,
    item_similarities,
    judge_comparison_section,
)
from meta_evaluator.report._confusion import confusion_section
from meta_evaluator.report._evidence import ReportEvidence, gather_evidence
from meta_evaluator.report._explorer import explorer_sections
from meta_evaluator.report._health import HealthRow, health_rows, health_section
from meta_evaluator.report._table import as_float
from meta_evaluator.report._verdict import task_verdicts, verdict_section
from meta_evaluator.report._view import ResultView
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

if TYPE_CHECKING:
    from meta_evaluator.judges import JudgeResults
    from meta_evaluator.project import MetaEvaluator

__all__ = [
    "DecisionSections",
    "EvidenceSections",
    "decision_sections",
    "evidence_sections",
    "prepared_evidence",
]


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


@dataclass(frozen=True, kw_only=True)
class EvidenceSections:
    """What the decision sections take from the evidence alone (no score is needed for it)."""

    health_rows: dict[str, HealthRow]
    comparisons: list[JudgeComparison]
    judge_vs_judge: str
    confusion: str
    explorer: str
    annotators: str
    health: str


def evidence_sections(evidence: ReportEvidence) -> EvidenceSections:
    """The score-independent decision sections of ``evidence``, built once per evidence.

    Judge vs judge, confusion, explorer, annotators and run health read the labels only, so
    :func:`prepared_evidence` builds them while the scorers run; the verdict, which reads the
    scores, is built with the page.
    """
    cached = evidence._sections.get("all")
    if isinstance(cached, EvidenceSections):
        return cached
    rows = health_rows(evidence)
    similarities = item_similarities(evidence)
    comparisons = compare_judges(evidence, similarities)
    built = EvidenceSections(
        health_rows=rows,
        comparisons=comparisons,
        judge_vs_judge=judge_comparison_section(comparisons),
        confusion=confusion_section(evidence, similarities),
        explorer=explorer_sections(evidence),
        annotators=annotators_section(evidence),
        health=health_section(rows),
    )
    evidence._sections["all"] = built
    return built


def prepared_evidence(
    ev: MetaEvaluator, judge_results: Mapping[str, JudgeResults] | None = None
) -> ReportEvidence | None:
    """The project's report evidence, its :func:`evidence_sections` already built.

    :func:`~meta_evaluator.report._evidence.gather_evidence`, then the sections. None of it
    depends on scores, so the comparison runs this on a second thread while the scorers work
    (much of it is polars and numpy, which release the GIL).
    """
    evidence = gather_evidence(ev, judge_results)
    if evidence is not None:
        evidence_sections(evidence)
    return evidence


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
    part = evidence_sections(evidence)
    rows = part.health_rows
    verdicts = task_verdicts(results, views, part.comparisons, rows)
    return DecisionSections(
        verdict=verdict_section(verdicts, results, rows),
        judge_vs_judge=part.judge_vs_judge,
        confusion=part.confusion,
        explorer=part.explorer,
        annotators=part.annotators,
        health=part.health,
    )
