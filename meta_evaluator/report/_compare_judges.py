"""Judge vs judge: paired tests on the items both judges labelled.

For every pair of judges and every labelled task:

* **accuracy against the human consensus** — exact McNemar test (p-value) and a paired bootstrap CI
  of the difference (:func:`~meta_evaluator.stats.mcnemar_exact`,
  :func:`~meta_evaluator.stats.paired_mean_difference`);
* **mean Cohen's kappa against each human** — paired bootstrap of the difference
  (:func:`~meta_evaluator.stats.paired_kappa_difference`);
* **Krippendorff's alpha of the humans plus the judge** (the ``krippendorff_alpha`` scorer's
  statistic; nominal, ordinal for rating scales) — paired bootstrap
  (:func:`~meta_evaluator.stats.paired_alpha_difference`);
* for free-text tasks, **mean text similarity to each human** (difflib ratio, the
  ``text_similarity`` scorer's statistic) — paired bootstrap, when the data are small enough
  (``_MAX_SIMILARITY_PAIRS`` string comparisons).

The numbers come from the ``stats`` kernels; this module only aligns the data and lays them out.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.errors import UndefinedMetricWarning
from meta_evaluator.report._cells import _DASH, _e, _num
from meta_evaluator.report._evidence import CodedTask, ReportEvidence, coded_task
from meta_evaluator.stats import (
    PairedDifference,
    mcnemar_exact,
    paired_alpha_difference,
    paired_kappa_difference,
    paired_mean_difference,
    sequence_similarity_pairs,
)

__all__ = ["JudgeComparison", "compare_judges", "judge_comparison_section"]

N_RESAMPLES = 1000
"""Bootstrap resamples per comparison."""
_MAX_SIMILARITY_PAIRS = 50_000
"""Above this many (item, human, judge) string comparisons the similarity test is skipped."""
ALPHA = 0.05
"""Significance level used in the wording ("significant" / "not significant")."""


@dataclass(frozen=True, kw_only=True)
class JudgeComparison:
    """One paired comparison of two judges on one task and metric."""

    task: str
    """Task name."""
    metric: str
    """``accuracy vs consensus``, ``kappa vs each human`` or ``similarity vs each human``."""
    symbol: str
    """Short metric name used in sentences (``accuracy``, ``κ``, ``similarity``)."""
    judge_a: str
    """First judge."""
    judge_b: str
    """Second judge."""
    n_items: int
    """Items both judges were scored on."""
    value_a: float
    """Judge A's statistic on the shared items."""
    value_b: float
    """Judge B's statistic on the shared items."""
    difference: float
    """A minus B."""
    ci_low: float
    """Lower end of the 95% paired bootstrap CI of the difference."""
    ci_high: float
    """Upper end."""
    p_value: float
    """Two-sided p-value."""
    test: str
    """The test behind ``p_value`` (``exact McNemar`` or ``paired bootstrap``)."""

    @property
    def significant(self) -> bool:
        """Whether ``p_value < ALPHA``."""
        return math.isfinite(self.p_value) and self.p_value < ALPHA

    def value_of(self, judge: str) -> float:
        """The statistic of ``judge`` (one of the pair)."""
        return self.value_a if judge == self.judge_a else self.value_b


def _accuracy(coded: CodedTask, a: int, b: int) -> JudgeComparison | None:
    cons = coded.consensus
    ja, jb = coded.judges[a], coded.judges[b]
    shared = (cons >= 0) & (ja >= 0) & (jb >= 0)
    if not shared.any():
        return None
    right_a = np.where(shared, (ja == cons).astype(np.float64), np.nan)
    right_b = np.where(shared, (jb == cons).astype(np.float64), np.nan)
    test = mcnemar_exact(right_a, right_b)
    boot = paired_mean_difference(right_a, right_b, n_resamples=N_RESAMPLES)
    return JudgeComparison(
        task=coded.task.name,
        metric="accuracy vs consensus",
        symbol="accuracy",
        judge_a=coded.judge_ids[a],
        judge_b=coded.judge_ids[b],
        n_items=test.n_items,
        value_a=float(np.nanmean(right_a)),
        value_b=float(np.nanmean(right_b)),
        difference=test.difference,
        ci_low=boot.ci_low,
        ci_high=boot.ci_high,
        p_value=test.p_value,
        test="exact McNemar",
    )


def _kappa(coded: CodedTask, a: int, b: int) -> JudgeComparison | None:
    if not coded.annotators:
        return None
    ja, jb = coded.judges[a], coded.judges[b]
    shared = (ja >= 0) & (jb >= 0)
    if not shared.any():
        return None
    k = len(coded.labels)
    weights: Literal["quadratic"] | None = "quadratic" if coded.task.kind == "numeric" else None
    boot = paired_kappa_difference(
        ja, jb, coded.humans, n_labels=k, weights=weights, n_resamples=N_RESAMPLES
    )
    return _bootstrapped(
        coded.task.name,
        "kappa vs each human" + (" (quadratic)" if weights else ""),
        "κ",
        coded.judge_ids[a],
        coded.judge_ids[b],
        boot,
    )


def item_similarities(evidence: ReportEvidence) -> dict[str, dict[str, np.ndarray]]:
    """Per free-text task and judge: each item's mean text similarity to the humans who wrote one.

    ``sim[i] = mean_h ratio(judge_i, human_hi)`` (difflib ratio, the ``text_similarity`` scorer's
    statistic), aligned on the sample order, ``nan`` where the judge or every human is missing.
    Tasks needing more than ``_MAX_SIMILARITY_PAIRS`` string comparisons are left out.
    """
    out: dict[str, dict[str, np.ndarray]] = {}
    humans = evidence.humans
    ids = evidence.samples[C.ORIGINAL_ID]
    for task in evidence.tasks:
        if task.kind != "text" or task.name not in humans.columns:
            continue
        pairs = humans.select(C.ORIGINAL_ID, pl.col(task.name).cast(pl.Utf8).alias("_h"))
        pairs = pairs.drop_nulls("_h")
        judges = [j for j, df in evidence.judges.items() if task.name in df.columns]
        frames = {}
        total = 0
        for jid in judges:
            answers = evidence.judges[jid].select(
                C.ORIGINAL_ID, pl.col(task.name).cast(pl.Utf8).alias("_j")
            )
            frames[jid] = pairs.join(answers.drop_nulls("_j"), on=C.ORIGINAL_ID)
            total += frames[jid].height
        if not judges or total == 0 or total > _MAX_SIMILARITY_PAIRS:
            continue
        per_judge = {}
        for jid, joined in frames.items():
            sims = sequence_similarity_pairs(joined["_j"].to_list(), joined["_h"].to_list())
            per_item = (
                joined.select(C.ORIGINAL_ID)
                .with_columns(pl.Series("_s", sims, dtype=pl.Float64))
                .group_by(C.ORIGINAL_ID)
                .agg(pl.col("_s").mean())
            )
            aligned = pl.DataFrame({C.ORIGINAL_ID: ids}).join(
                per_item, on=C.ORIGINAL_ID, how="left", maintain_order="left"
            )
            per_judge[jid] = aligned["_s"].fill_null(np.nan).to_numpy().astype(np.float64)
        out[task.name] = per_judge
    return out


def _alpha(coded: CodedTask, a: int, b: int) -> JudgeComparison | None:
    if not coded.annotators:
        return None
    ja, jb = coded.judges[a], coded.judges[b]
    if not ((ja >= 0) & (jb >= 0)).any():
        return None
    level: Literal["nominal", "ordinal"] = "ordinal" if coded.task.kind == "numeric" else "nominal"
    boot = paired_alpha_difference(
        ja, jb, coded.humans, n_labels=len(coded.labels), level=level, n_resamples=N_RESAMPLES
    )
    return _bootstrapped(
        coded.task.name,
        f"alpha ({level}) of humans + judge",
        "\u03b1",
        coded.judge_ids[a],
        coded.judge_ids[b],
        boot,
    )


def _similarity(task: str, sims: dict[str, np.ndarray], a: str, b: str) -> JudgeComparison:
    boot = paired_mean_difference(sims[a], sims[b], n_resamples=N_RESAMPLES)
    return _bootstrapped(task, "similarity vs each human", "similarity", a, b, boot)


def _bootstrapped(
    task: str, metric: str, symbol: str, judge_a: str, judge_b: str, boot: PairedDifference
) -> JudgeComparison:
    """One table row from a paired-bootstrap difference."""
    return JudgeComparison(
        task=task,
        metric=metric,
        symbol=symbol,
        judge_a=judge_a,
        judge_b=judge_b,
        n_items=boot.n_items,
        value_a=boot.estimate_a,
        value_b=boot.estimate_b,
        difference=boot.difference,
        ci_low=boot.ci_low,
        ci_high=boot.ci_high,
        p_value=boot.p_value,
        test="paired bootstrap",
    )


def compare_judges(
    evidence: ReportEvidence, similarities: dict[str, dict[str, np.ndarray]] | None = None
) -> list[JudgeComparison]:
    """Every paired comparison the evidence allows (see the module docstring).

    Undefined statistics (e.g. a judge with a single label) give nan rows; their warnings are
    collected, not raised, since the report shows the nan.
    """
    out: list[JudgeComparison] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for task in evidence.tasks:
            if task.kind == "text":
                sims = (similarities or {}).get(task.name, {})
                for a, b in itertools.combinations(list(sims), 2):
                    out.append(_similarity(task.name, sims, a, b))
                continue
            coded = coded_task(evidence, task)
            if coded is None or len(coded.judge_ids) < 2:
                continue
            for ia, ib in itertools.combinations(range(len(coded.judge_ids)), 2):
                for build in (_accuracy, _kappa, _alpha):
                    row = build(coded, ia, ib)
                    if row is not None:
                        out.append(row)
    return out


def _p(p: float) -> str:
    if not math.isfinite(p):
        return _DASH
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def judge_comparison_section(comparisons: list[JudgeComparison]) -> str:
    """The "Judge vs judge" section (empty string when there are fewer than two judges)."""
    if not comparisons:
        return ""
    rows = []
    for c in comparisons:
        verdict = (
            '<span class="badge pass">significant</span>'
            if c.significant
            else '<span class="badge unknown">not sig.</span>'
        )
        if not math.isfinite(c.p_value):
            verdict = '<span class="badge unknown">undefined</span>'
        rows.append(
            f"<tr><td>{_e(c.task)}</td><td>{_e(c.metric)}</td>"
            f'<th scope="row">{_e(c.judge_a)}<br><span class="ci">vs</span> {_e(c.judge_b)}</th>'
            f'<td class="num">{c.n_items:,}</td>'
            f'<td class="num">{_num(c.value_a)} vs {_num(c.value_b)}</td>'
            f'<td class="num" data-sort="{_e(c.difference)}">{_num(c.difference, 3)}'
            f'<span class="ci">95% CI [{_num(c.ci_low)}, {_num(c.ci_high)}]</span></td>'
            f'<td class="num" data-sort="{_e(c.p_value)}">{_e(_p(c.p_value))}</td>'
            f"<td>{_e(c.test)}</td><td>{verdict}</td></tr>"
        )
    return (
        '<h2 id="judge-vs-judge">Judge vs judge</h2>'
        '<p class="lead">Paired tests on the items both judges labelled: the same items, so an '
        "item that is hard for both does not count as a difference. A difference whose 95% CI "
        f"contains 0 (p &ge; {ALPHA}) may be noise: pick the cheaper judge.</p>"
        '<div class="scroll"><table class="sortable-table"><thead><tr><th>task</th><th>metric</th>'
        "<th>pair (A vs B)</th><th>shared items</th><th>A vs B</th><th>difference A &minus; B</th>"
        "<th>p-value</th><th>test</th><th>at 5%</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
