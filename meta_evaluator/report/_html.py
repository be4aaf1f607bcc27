"""Render a score report as one self-contained HTML page.

The page uses only inline CSS and charts embedded as base64 PNG data URIs: no script, font,
stylesheet or image is fetched from anywhere. Every piece of text that comes from results,
metadata or the caller goes through :func:`html.escape` before it reaches the page.

The page layout (header, summary table, metric sections, judges, how to read) is here; the
per-metric sections are built in ``_sections`` and the shared cells and formatting in
``_cells``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from importlib import resources
from string import Template
from typing import Any

from meta_evaluator.report._cells import (
    _DASH,
    _badge,
    _cell,
    _e,
    _key_label,
    _num,
    _passed,
    _scroll_table,
    _text,
)
from meta_evaluator.report._evidence import ReportEvidence
from meta_evaluator.report._sections import _metric_sections
from meta_evaluator.report._table import (
    WINNING_RATE,
    ScoreTable,
    as_float,
    config_name,
    is_alt_test,
)
from meta_evaluator.report._view import ResultView, result_view
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["render_html"]

_NAV = (
    '<nav class="toc">'
    '<a href="#verdict">Verdict</a><a href="#summary-table">All metrics</a>'
    '<a href="#judge-vs-judge">Judge vs judge</a><a href="#confusion">Where judges disagree</a>'
    '<a href="#explorer">Explorer</a><a href="#annotators">Annotators</a>'
    '<a href="#health">Run health</a><a href="#metrics">Metric details</a>'
    '<a href="#howto">How to read</a></nav>'
)

_HOW_TO_READ = (
    "<b>Accuracy</b> is the share of items where the judge gives the same label as a human "
    "(averaged over humans, or against their majority vote). Easy to read, but inflated when one "
    "label dominates.",
    "<b>Cohen's kappa</b> corrects agreement for chance: 0 means chance level, 1 perfect "
    "agreement, below 0 worse than chance. Compare it with the human ceiling, the kappa the "
    "humans reach among themselves.",
    "<b>Alt-test</b> (Calderon, Reichart &amp; Dror, 2025) leaves out each human in turn and asks "
    "whether the judge matches the remaining humans at least as well as that human does, with a "
    "handicap ε. The winning rate is the share of humans the judge beats; it passes at 0.5 or "
    "more.",
    "<b>Advantage probability</b> is how often, item by item, the judge is at least as close to "
    "the other humans as the left-out human is (averaged over humans).",
    "<b>Intervals and ceilings.</b> Grey text under a score is its 95% confidence interval; when "
    "two judges' intervals overlap, their difference may be noise. A judge near the human "
    "ceiling agrees with people about as well as people agree with each other.",
)


def _summary(
    table: ScoreTable, results: Sequence[BaseScoringResult], views: Sequence[ResultView] = ()
) -> str:
    if not results:
        return '<p class="empty">No scores yet: run a comparison first.</p>'
    if not table.columns:
        return '<p class="empty">No numeric scores: see the metric sections below.</p>'
    verdicts = {
        (r.judge_id, c.name): _passed(r)
        for r in results
        if is_alt_test(r)
        for c in table.columns
        if c.score_key == WINNING_RATE and c.config == config_name(r)
    }
    spans: list[tuple[str, int]] = []
    for column in table.columns:
        if spans and spans[-1][0] == column.config:
            spans[-1] = (column.config, spans[-1][1] + 1)
        else:
            spans.append((column.config, 1))
    labels = {v.config: v.label for v in views}
    items = {(v.judge, v.config): v.n_items for v in views}
    head1 = "".join(
        f'<th class="cfg" colspan="{n}" title="{_e(cfg)}">{_e(labels.get(cfg, cfg))}</th>'
        for cfg, n in spans
    )
    head2 = "".join(f'<th class="key">{_e(_key_label(c))}</th>' for c in table.columns)
    rows = []
    for judge in table.judges:
        cells = []
        for column in table.columns:
            key = (judge, column.name)
            extra = _badge(verdicts[key]) if key in verdicts else ""
            n_items = items.get((judge, column.config))
            hover = f"{n_items:,} items" if n_items is not None else None
            cells.append(_cell(table, judge, column, extra, hover=hover))
        rows.append(f'<tr><th scope="row">{_e(judge)}</th>{"".join(cells)}</tr>')
    if table.ceilings:
        ceiling_cells = "".join(
            f'<td class="num">{_num(table.ceilings.get(c.name))}</td>' for c in table.columns
        )
        rows.append(f'<tr class="ceiling"><th scope="row">human ceiling</th>{ceiling_cells}</tr>')
    return (
        '<div class="scroll pinned"><table id="summary" class="sortable-table">'
        f'<thead><tr><th rowspan="2">judge</th>{head1}</tr><tr>{head2}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="meta">Best score per column highlighted (★), respecting the direction shown by '
        f"the arrow. {_DASH} = undefined (nan) or not computed. Click a column to sort; hover a "
        "cell for its item count and interval, a header for the config's unique name.</p>"
    )


def _judges(judge_info: Mapping[str, Mapping[str, Any]]) -> str:
    keys: list[str] = []
    for info in judge_info.values():
        keys.extend(k for k in info if k not in keys)
    preferred = [k for k in ("model", "client", "llm_client") if k in keys]
    keys = preferred + [k for k in keys if k not in preferred]
    head = "".join(f"<th>{_e(k.replace('_', ' '))}</th>" for k in keys)
    rows = []
    for judge, info in judge_info.items():
        cells = []
        for key in keys:
            value = info.get(key)
            cost = as_float(value) if "cost" in key.lower() else None
            if value is None:
                text = _DASH
            elif cost is not None:
                text = f"${cost:,.4f}" if math.isfinite(cost) else _DASH
            elif isinstance(value, float) and value.is_integer():
                text = f"{int(value):,}"
            else:
                text = _text(value)
            cells.append(f"<td>{_e(text)}</td>")
        rows.append(f'<tr><th scope="row">{_e(judge)}</th>{"".join(cells)}</tr>')
    return "<h2>Judges</h2>" + _scroll_table("judge", head, rows)


def _header(
    results: Sequence[BaseScoringResult],
    table: ScoreTable,
    *,
    project_name: str | None,
    annotation_info: Mapping[str, Any] | None,
    generated_at: str,
    judges: Sequence[str] = (),
    metric_configs: Sequence[str] = (),
) -> str:
    facts = [f"generated {generated_at}"]
    if results:
        facts.append(f"scores computed up to {max(r.timestamp for r in results)}")
    scored_configs = {config_name(r) for r in results}
    all_judges = list(dict.fromkeys([*table.judges, *judges]))
    n_configs = len(scored_configs | set(metric_configs))
    n_judges = len(all_judges)
    judge_text = f"{n_judges} judge{'s' * (n_judges != 1)}"
    if len(table.judges) != n_judges:
        judge_text += f" ({len(table.judges)} scored)"
    config_text = f"{n_configs} metric config{'s' * (n_configs != 1)}"
    if len(scored_configs) != n_configs:
        config_text += f" ({len(scored_configs)} with scores)"
    facts.append(judge_text)
    facts.append(config_text)
    project = f'<div class="project">{_e(project_name)}</div>' if project_name else ""
    info = ""
    if annotation_info:
        pairs = "".join(
            f"<dt>{_e(str(k).replace('_', ' '))}</dt><dd>{_e(_text(v))}</dd>"
            for k, v in annotation_info.items()
        )
        info = f'<dl class="info">{pairs}</dl>'
    meta = "".join(f"<span>{_e(f)}</span>" for f in facts)
    return (
        '<header class="top"><h1>Can these judges stand in for your annotators?</h1>'
        f'{project}<div class="meta">{meta}</div>{info}{_NAV}</header>'
    )


def render_html(
    results: Sequence[BaseScoringResult],
    table: ScoreTable,
    *,
    project_name: str | None = None,
    judge_info: Mapping[str, Mapping[str, Any]] | None = None,
    annotation_info: Mapping[str, Any] | None = None,
    generated_at: str,
    evidence: ReportEvidence | None = None,
    metric_configs: Sequence[str] = (),
) -> str:
    """Render the full report page.

    Args:
        results: The finished results the table was built from.
        table: The summary table (see :func:`~meta_evaluator.report._table.build_table`).
        project_name: Shown under the title when given.
        judge_info: Judge id -> facts (model, client, status counts, tokens, cost...).
        annotation_info: Facts about the human annotations (annotators, items...).
        generated_at: Timestamp shown in the header.
        evidence: Per-sample evidence (samples, human and judge labels, run tables) for the
            decision sections; without it only the score sections are drawn.
        metric_configs: Every configured metric config (counted in the header even when it has
            no scores yet).

    Returns:
        The HTML page as a string.
    """
    from meta_evaluator import __version__
    from meta_evaluator.report._decision import decision_sections

    views = [result_view(r) for r in results]
    decision = decision_sections(results, views, evidence, judge_info or {})
    judges = list(judge_info or {}) + (list(evidence.judges) if evidence is not None else [])
    body = [
        _header(
            results,
            table,
            project_name=project_name,
            annotation_info=annotation_info,
            generated_at=generated_at,
            judges=judges,
            metric_configs=metric_configs,
        ),
        decision.verdict,
        '<h2 id="summary-table">All metrics</h2>',
        _summary(table, results, views),
        decision.judge_vs_judge,
        decision.confusion,
        decision.explorer,
        decision.annotators,
    ]
    if decision.health:
        body.append(decision.health)
    elif judge_info:
        body.append(_judges(judge_info))
    if results:
        body.append('<h2 id="metrics">Metric details</h2>')
        body.append(_metric_sections(results, table))
    how = "".join(f"<li>{line}</li>" for line in _HOW_TO_READ)
    body.append(f'<h2 id="howto">How to read this</h2><ul class="howto">{how}</ul>')
    body.append(f"<footer>meta_evaluator {_e(__version__)}</footer>")
    package = resources.files("meta_evaluator.report")
    template = Template(package.joinpath("template.html").read_text("utf-8"))
    script = package.joinpath("report.js").read_text("utf-8")
    title = f"Score report — {project_name}" if project_name else "Score report"
    return template.substitute(
        title=_e(title),
        version=_e(__version__),
        body="\n".join(part for part in body if part),
        script=script,
    )
