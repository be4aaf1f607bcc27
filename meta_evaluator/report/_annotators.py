"""Annotators: do the humans agree with each other? Read a low judge score against them.

Per labelled task: a heat map of observed agreement between every pair of raters (annotators and
judges, on the items both labelled; :func:`~meta_evaluator.stats.pairwise_agreement_matrix`), each
annotator's mean agreement with the other annotators, and the label distribution of every rater.
"""

from __future__ import annotations

import math

import numpy as np

from meta_evaluator.report._cells import _DASH, _e, _num, _scroll_table
from meta_evaluator.report._evidence import CodedTask, ReportEvidence, coded_task
from meta_evaluator.stats import pairwise_agreement_matrix

__all__ = ["annotators_section"]

_LOW = 0.6
"""Agreement at or below this share is drawn in the warm end of the colour scale."""


def _heat(value: float) -> str:
    """Inline background colour: warm (low agreement) to green (high)."""
    if not math.isfinite(value):
        return ""
    t = min(1.0, max(0.0, (value - _LOW) / (1.0 - _LOW)))
    hue = round(10 + 120 * t)  # 10 = red-orange, 130 = green
    return f' style="background: hsl({hue}, 60%, {88 - 8 * t:.0f}%)"'


def _heat_map(coded: CodedTask) -> str:
    names = coded.annotators + coded.judge_ids
    kinds = ["human"] * len(coded.annotators) + ["judge"] * len(coded.judge_ids)
    codes = np.vstack([coded.humans, coded.judges]) if names else np.zeros((0, 0), dtype=np.int64)
    matrix = pairwise_agreement_matrix(codes)
    present = codes >= 0
    shared = present.astype(np.int64) @ present.T.astype(np.int64)
    head = "".join(
        f'<th class="{kind}" title="{_e(kind)}">{_e(name)}</th>'
        for name, kind in zip(names, kinds, strict=True)
    )
    rows = []
    for r, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        cells = []
        for s in range(len(names)):
            value = float(matrix[r, s])
            if r == s:
                cells.append(f'<td class="num diag">{present[r].sum():,}</td>')
                continue
            title = f"{names[r]} vs {names[s]}: {shared[r, s]:,} shared items"
            cells.append(
                f'<td class="num heat"{_heat(value)} title="{_e(title)}">{_num(value, 2)}</td>'
            )
        rows.append(f'<tr><th scope="row" class="{kind}">{_e(name)}</th>{"".join(cells)}</tr>')
    return (
        '<div class="scroll"><table class="heatmap">'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="meta">Share of shared items on which two raters gave the same label (hover: '
        "how many items they share); the diagonal shows how many items each rater labelled. "
        "Judges are in italics.</p>"
    )


def _per_annotator(coded: CodedTask) -> str:
    if len(coded.annotators) < 2:
        return ""
    matrix = pairwise_agreement_matrix(coded.humans)
    n = len(coded.annotators)
    rows = []
    for r, name in enumerate(coded.annotators):
        others = [float(matrix[r, s]) for s in range(n) if s != r and math.isfinite(matrix[r, s])]
        mean = sum(others) / len(others) if others else math.nan
        labelled = coded.humans[r] >= 0
        with_cons = labelled & (coded.consensus >= 0)
        n_lab = int(labelled.sum())
        cons = (
            float(np.mean(coded.humans[r][with_cons] == coded.consensus[with_cons]))
            if with_cons.any()
            else math.nan
        )
        rows.append(
            f'<tr><th scope="row">{_e(name)}</th><td class="num">{n_lab:,}</td>'
            f'<td class="num heat"{_heat(mean)}>{_num(mean)}</td>'
            f'<td class="num">{_num(cons)}</td></tr>'
        )
    return (
        "<h4>Per annotator</h4>"
        '<div class="scroll"><table class="sortable-table"><thead><tr><th>annotator</th>'
        "<th>items labelled</th><th>mean agreement with the other annotators</th>"
        "<th>agreement with the consensus (incl. self)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _distribution(coded: CodedTask) -> str:
    names = coded.annotators + coded.judge_ids
    codes = np.vstack([coded.humans, coded.judges])
    k = len(coded.labels)
    head = "".join(f"<th>{_e(label)}</th>" for label in coded.labels)
    rows = []
    for r, name in enumerate(names):
        row = codes[r]
        counts = np.bincount(row[row >= 0], minlength=k)
        total = int(counts.sum())
        cells = []
        for c in counts.tolist():
            share = c / total if total else math.nan
            bar = (
                f'<span class="bar" style="width: {share * 100:.0f}%"></span>'
                if math.isfinite(share)
                else ""
            )
            text = f"{c:,} ({share:.0%})" if total else _DASH
            cells.append(f'<td class="num dist">{bar}<span class="bar-v">{_e(text)}</span></td>')
        kind = "human" if r < len(coded.annotators) else "judge"
        rows.append(f'<tr><th scope="row" class="{kind}">{_e(name)}</th>{"".join(cells)}</tr>')
    return "<h4>Label distribution per rater</h4>" + _scroll_table("rater", head, rows)


def annotators_section(evidence: ReportEvidence) -> str:
    """The "Annotators" section (empty string when no task has human labels)."""
    parts = []
    for task in evidence.tasks:
        coded = coded_task(evidence, task)
        if coded is None or not coded.annotators:
            continue
        parts.append(
            f'<section class="panel"><h3>{_e(task.name)}</h3>{_heat_map(coded)}'
            f"{_per_annotator(coded)}{_distribution(coded)}</section>"
        )
    if not parts:
        return ""
    return (
        '<h2 id="annotators">Annotators</h2>'
        '<p class="lead">How well the humans agree with each other. When annotators agree only '
        "70% of the time, a judge cannot be expected to match them more often: read judge scores "
        "against this (the <i>human ceiling</i>). An annotator far below the others may have "
        "misread the guidelines.</p>" + "".join(parts)
    )
