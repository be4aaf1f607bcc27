"""Where each judge goes wrong: confusion against the human consensus, per-class scores, ratings.

Per categorical task and judge: the confusion matrix of the judge against the human consensus
(rows: consensus, columns: judge) and precision / recall / F1 per label
(:func:`~meta_evaluator.stats.per_class_scores`). For numeric rating scales also a Bland-Altman
summary of the judge against the mean human rating: bias (mean difference) and the 95% limits of
agreement (bias ± 1.96 SD of the differences; Bland & Altman 1986, *Lancet* 327(8476):307-310).
"""

from __future__ import annotations

import numpy as np

from meta_evaluator.report._cells import _DASH, _e, _num
from meta_evaluator.report._evidence import CodedTask, ReportEvidence, coded_task
from meta_evaluator.stats import confusion_counts, per_class_scores

__all__ = ["confusion_section"]


def _matrix(coded: CodedTask, row: int) -> str:
    k = len(coded.labels)
    counts = confusion_counts(coded.consensus, coded.judges[row], n_labels=k)
    total = int(counts.sum())
    if total == 0:
        return '<p class="empty">No item has both a judge label and a human consensus.</p>'
    head = "".join(f"<th>{_e(label)}</th>" for label in coded.labels)
    body = []
    peak = max(1, int(counts.max()))
    for i, label in enumerate(coded.labels):
        cells = []
        for j in range(k):
            n = int(counts[i, j])
            shade = 0.12 + 0.5 * n / peak if n else 0.0
            colour = "30, 125, 69" if i == j else "179, 56, 47"
            style = f' style="background: rgba({colour}, {shade:.2f})"' if n else ""
            cells.append(f'<td class="num"{style}>{n:,}</td>')
        body.append(f'<tr><th scope="row">{_e(label)}</th>{"".join(cells)}</tr>')
    scores = per_class_scores(counts)
    per_class = "".join(
        f'<tr><th scope="row">{_e(label)}</th><td class="num">{_num(scores.precision[i])}</td>'
        f'<td class="num">{_num(scores.recall[i])}</td><td class="num">{_num(scores.f1[i])}</td>'
        f'<td class="num">{int(scores.support[i]):,}</td>'
        f'<td class="num">{int(scores.predicted[i]):,}</td></tr>'
        for i, label in enumerate(coded.labels)
    )
    return (
        '<div class="pair">'
        '<div class="scroll"><table class="confusion"><thead><tr>'
        f'<th class="corner">consensus ↓ · judge →</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        '<div class="scroll"><table><thead><tr><th>label</th><th>precision</th><th>recall</th>'
        "<th>F1</th><th>consensus count</th><th>judge count</th></tr></thead>"
        f"<tbody>{per_class}</tbody></table></div></div>"
    )


def _bland_altman(coded: CodedTask, row: int) -> str:
    try:
        values = np.array([float(label) for label in coded.labels])
    except ValueError:
        return ""
    humans = np.where(coded.humans >= 0, values[np.maximum(coded.humans, 0)], np.nan)
    rated = (coded.humans >= 0).any(axis=0)
    mean_h = np.full(humans.shape[1], np.nan)
    if rated.any():
        mean_h[rated] = np.nanmean(humans[:, rated], axis=0)
    judge = np.where(coded.judges[row] >= 0, values[np.maximum(coded.judges[row], 0)], np.nan)
    both = ~np.isnan(judge) & ~np.isnan(mean_h)
    if both.sum() < 2:
        return ""
    diff = judge[both] - mean_h[both]
    bias = float(diff.mean())
    sd = float(diff.std(ddof=1))
    low, high = bias - 1.96 * sd, bias + 1.96 * sd
    plot = _bland_altman_svg((judge[both] + mean_h[both]) / 2.0, diff, bias, low, high, values)
    return (
        f"{plot}"
        f'<p class="bands">Bland-Altman vs the mean human rating ({int(both.sum()):,} items): '
        f"bias {_num(bias)} (judge {'higher' if bias > 0 else 'lower'} on average), 95% limits "
        f"of agreement [{_num(low)}, {_num(high)}].</p>"
    )


_SVG_W, _SVG_H, _PAD = 320, 200, 28
_GRID = 0.25
"""Points are binned to this step on both axes and drawn as circles sized by count."""


def _bland_altman_svg(
    mean: np.ndarray, diff: np.ndarray, bias: float, low: float, high: float, values: np.ndarray
) -> str:
    """Inline SVG (no external resource): difference vs mean, binned bubbles, bias and LoA lines."""
    x0, x1 = float(values.min()), float(values.max())
    span = max(float(values.max() - values.min()), 1.0)
    y_lim = max(span, abs(low), abs(high)) * 1.05
    bx = np.round(mean / _GRID) * _GRID
    by = np.round(diff / _GRID) * _GRID
    cells, counts = np.unique(np.column_stack([bx, by]), axis=0, return_counts=True)
    peak = float(counts.max())

    def px(x: float) -> float:
        return _PAD + (x - x0) / max(x1 - x0, 1e-9) * (_SVG_W - 2 * _PAD)

    def py(y: float) -> float:
        return _SVG_H / 2 - y / y_lim * (_SVG_H / 2 - _PAD / 2)

    pairs = zip(cells.tolist(), counts.tolist(), strict=True)
    tips = [f"mean {x:g}, diff {y:+g}: {int(c):,} items" for (x, y), c in pairs]
    dots = "".join(
        f'<circle cx="{px(float(x)):.1f}" cy="{py(float(y)):.1f}" '
        f'r="{2 + 8 * (float(c) / peak) ** 0.5:.1f}"><title>{_e(tip)}</title></circle>'
        for (x, y), c, tip in zip(cells.tolist(), counts.tolist(), tips, strict=True)
    )
    lines = "".join(
        f'<line x1="{_PAD}" x2="{_SVG_W - _PAD}" y1="{py(v):.1f}" y2="{py(v):.1f}" class="{cls}"/>'
        f'<text x="{_SVG_W - _PAD + 2}" y="{py(v) + 4:.1f}">{_e(label)}</text>'
        for v, cls, label in (
            (bias, "bias", "bias"),
            (low, "loa", "-1.96 SD"),
            (high, "loa", "+1.96 SD"),
        )
    )
    return (
        f'<svg class="ba" viewBox="0 0 {_SVG_W + 40} {_SVG_H}" width="{_SVG_W + 40}" '
        f'height="{_SVG_H}" role="img" aria-label="Bland-Altman plot">'
        f'<line x1="{_PAD}" x2="{_SVG_W - _PAD}" y1="{py(0):.1f}" y2="{py(0):.1f}" class="zero"/>'
        f'{lines}<g class="dots">{dots}</g>'
        f'<text x="{_PAD}" y="{_SVG_H - 4}">mean of judge and humans →</text>'
        f'<text x="2" y="12">judge - humans</text></svg>'
    )


_BINS = 10
"""Bins of the similarity histograms (0.0-0.1, ..., 0.9-1.0)."""


def _histogram(values: np.ndarray) -> str:
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return '<p class="empty">No item with both a judge answer and a human text.</p>'
    counts = np.histogram(finite, bins=_BINS, range=(0.0, 1.0))[0]
    peak = max(1, int(counts.max()))
    titles = [
        f"{i / _BINS:.1f}-{(i + 1) / _BINS:.1f}: {int(c):,} items" for i, c in enumerate(counts)
    ]
    bars = "".join(
        f'<div class="hbar" title="{_e(title)}">'
        f'<span style="height: {100 * c / peak:.0f}%"></span></div>'
        for title, c in zip(titles, counts.tolist(), strict=True)
    )
    return (
        f'<div class="hist">{bars}</div><p class="meta">{finite.size:,} items · median '
        f"{_num(float(np.median(finite)), 2)} · 10% of items below "
        f"{_num(float(np.quantile(finite, 0.1)), 2)} (similarity 0 to 1, left to right)</p>"
    )


def _similarity_block(task: str, sims: dict[str, np.ndarray]) -> str:
    blocks = "".join(
        f'<div class="hist-judge"><h4>{_e(jid)}</h4>{_histogram(values)}</div>'
        for jid, values in sims.items()
    )
    return (
        f'<section class="panel"><h3>{_e(task)}</h3><p class="lead">Distribution over items of '
        "each judge's mean text similarity (difflib ratio) to the humans' texts: a long left "
        "tail means many answers unlike any human's.</p>"
        f'<div class="pair">{blocks}</div></section>'
    )


def confusion_section(
    evidence: ReportEvidence, similarities: dict[str, dict[str, np.ndarray]] | None = None
) -> str:
    """The "Where judges disagree" section (empty when no task has judges and a consensus).

    Args:
        evidence: The per-sample evidence.
        similarities: Per free-text task and judge, per-item similarity to the humans (see
            :func:`~meta_evaluator.report._compare_judges.item_similarities`), drawn as
            histograms.

    Returns:
        The section's HTML.
    """
    parts = []
    for task in evidence.tasks:
        coded = coded_task(evidence, task)
        if coded is None or not coded.judge_ids or not coded.annotators:
            continue
        blocks = []
        for row, jid in enumerate(coded.judge_ids):
            ba = _bland_altman(coded, row) if task.kind == "numeric" else ""
            blocks.append(f"<h4>{_e(jid)}</h4>{_matrix(coded, row)}{ba}")
        parts.append(f'<section class="panel"><h3>{_e(task.name)}</h3>{"".join(blocks)}</section>')
    for task_name, sims in (similarities or {}).items():
        if sims:
            parts.append(_similarity_block(task_name, sims))
    if not parts:
        return ""
    return (
        '<h2 id="confusion">Where each judge disagrees</h2>'
        '<p class="lead">Each judge against the human consensus (majority label; ties: the '
        "alphabetically first). Off-diagonal cells are the judge's mistakes; low recall on a label "
        f"means the judge misses it, low precision that it over-uses it. {_DASH} = undefined.</p>"
        + "".join(parts)
    )
