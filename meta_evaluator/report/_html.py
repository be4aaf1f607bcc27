"""Render a score report as one self-contained HTML page.

The page uses only inline CSS and charts embedded as base64 PNG data URIs: no script, font,
stylesheet or image is fetched from anywhere. Every piece of text that comes from results,
metadata or the caller goes through :func:`html.escape` before it reaches the page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from importlib import resources
from string import Template
from typing import Any

from meta_evaluator.report._table import (
    ADVANTAGE_PROBABILITY,
    WINNING_RATE,
    ScoreColumn,
    ScoreTable,
    as_float,
    config_name,
    group_by_config,
    is_alt_test,
    result_epsilon,
)
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["render_html"]

_DASH = "—"
_MAX_METADATA_CHARS = 20_000
"""Raw metadata shown per judge is cut after this many characters."""
_PASS_THRESHOLD = 0.5
"""Alt-test pass rule: winning rate >= 0.5 (used only when a result does not say ``passed``)."""
_PER_HUMAN_KEYS: tuple[tuple[str, str], ...] = (
    ("per_human", "score"),
    ("per_human_n_items", "items"),
    ("llm_advantage", "LLM adv."),
    ("human_advantage", "human adv."),
    ("p_values", "p-value"),
    ("rejected", "H0 rejected"),
)
"""Per-human metadata dicts shown in the per-human table, with their column labels."""

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

_KAPPA_BANDS = (
    ("&lt; 0", "poor (worse than chance)"),
    ("0.00&ndash;0.20", "slight"),
    ("0.21&ndash;0.40", "fair"),
    ("0.41&ndash;0.60", "moderate"),
    ("0.61&ndash;0.80", "substantial"),
    ("0.81&ndash;1.00", "almost perfect"),
)
"""Landis & Koch (1977), Biometrics 33(1):159-174."""


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


def _passed(result: BaseScoringResult) -> bool | None:
    """Alt-test verdict: ``metadata["passed"]`` or, failing that, winning rate >= 0.5."""
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


def _badge(passed: bool | None) -> str:
    if passed is None:
        return '<span class="badge unknown">n/a</span>'
    return (
        '<span class="badge pass">PASS</span>' if passed else '<span class="badge fail">FAIL</span>'
    )


def _cell(table: ScoreTable, judge: str, column: ScoreColumn, extra: str = "") -> str:
    key = (judge, column.name)
    attrs = f'data-column="{_e(column.name)}"'
    if key not in table.values:
        return f'<td class="missing" {attrs} title="not computed">{_DASH}</td>'
    value = table.values[key]
    classes = "num best" if judge in table.best.get(column.name, ()) else "num"
    if not math.isfinite(value):
        attrs += ' title="undefined (nan): see the warnings in the metric section"'
    body = f'<span class="v">{_num(value)}</span>'
    if key in table.ci:
        low, high = table.ci[key]
        body += f'<span class="ci">95% CI [{_num(low)}, {_num(high)}]</span>'
    title = ' title="best in column"' if "best" in classes else ""
    return f'<td class="{classes}" {attrs}{title}>{body}{extra}</td>'


def _summary(table: ScoreTable, results: Sequence[BaseScoringResult]) -> str:
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
    head1 = "".join(f'<th class="cfg" colspan="{n}">{_e(cfg)}</th>' for cfg, n in spans)
    head2 = "".join(f'<th class="key">{_e(_key_label(c))}</th>' for c in table.columns)
    rows = []
    for judge in table.judges:
        cells = []
        for column in table.columns:
            key = (judge, column.name)
            extra = _badge(verdicts[key]) if key in verdicts else ""
            cells.append(_cell(table, judge, column, extra))
        rows.append(f'<tr><th scope="row">{_e(judge)}</th>{"".join(cells)}</tr>')
    if table.ceilings:
        ceiling_cells = "".join(
            f'<td class="num">{_num(table.ceilings.get(c.name))}</td>' for c in table.columns
        )
        rows.append(f'<tr class="ceiling"><th scope="row">human ceiling</th>{ceiling_cells}</tr>')
    return (
        '<div class="scroll"><table id="summary">'
        f'<thead><tr><th rowspan="2">judge</th>{head1}</tr><tr>{head2}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="meta">Best score per column highlighted (★), respecting the direction shown by '
        f"the arrow. {_DASH} = undefined (nan) or not computed.</p>"
    )


def _img(uri: str, alt: str) -> str:
    return f'<img src="{_e(uri)}" alt="{_e(alt)}">'


def _charts(config: str, group: list[BaseScoringResult], table: ScoreTable) -> str:
    from meta_evaluator.report import _charts as charts

    images: list[str] = []
    if any(is_alt_test(r) for r in group):
        alt = [r for r in group if is_alt_test(r)]
        rates = {r.judge_id: dict(r.scores[WINNING_RATE]) for r in alt}
        fig = charts.winning_rate_chart(rates, epsilon=result_epsilon(alt[0]))
        images.append(_img(charts.figure_to_data_uri(fig), f"winning rate vs epsilon, {config}"))
        llm_adv, human_adv = _advantages(alt)
        if llm_adv:
            fig = charts.advantage_chart(llm_adv, human_adv or None)
            images.append(_img(charts.figure_to_data_uri(fig), f"advantage, {config}"))
        return f'<div class="charts">{"".join(images)}</div>'
    for column in (c for c in table.columns if c.config == config):
        values = {
            j: table.values[(j, column.name)]
            for j in table.judges
            if (j, column.name) in table.values
        }
        ci = {j: table.ci[(j, column.name)] for j in values if (j, column.name) in table.ci}
        fig = charts.score_bar_chart(
            values,
            title=config,
            ylabel=column.score_key,
            ci=ci,
            ceiling=table.ceilings.get(column.name),
        )
        images.append(
            _img(charts.figure_to_data_uri(fig), f"{column.score_key} by judge, {config}")
        )
    return f'<div class="charts">{"".join(images)}</div>'


def _float_dict(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    out = {}
    for key, item in value.items():
        number = as_float(item)
        if number is not None:
            out[str(key)] = number
    return out


def _advantages(
    results: list[BaseScoringResult],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Per judge, per human LLM / human advantage probabilities from alt-test metadata."""
    llm: dict[str, dict[str, float]] = {}
    human: dict[str, dict[str, float]] = {}
    for result in results:
        pairs = result.metadata.get("human_advantage_probabilities")
        if isinstance(pairs, Mapping):
            mine, theirs = {}, {}
            for name, pair in pairs.items():
                if isinstance(pair, list | tuple) and len(pair) == 2:
                    a, b = as_float(pair[0]), as_float(pair[1])
                    if a is not None and b is not None:
                        mine[str(name)], theirs[str(name)] = a, b
            if mine:
                llm[result.judge_id], human[result.judge_id] = mine, theirs
                continue
        mine = _float_dict(result.metadata.get("llm_advantage"))
        if mine:
            llm[result.judge_id] = mine
            theirs = _float_dict(result.metadata.get("human_advantage"))
            if theirs:
                human[result.judge_id] = theirs
    if set(human) != set(llm):
        human = {}
    return llm, human


def _judge_details(group: list[BaseScoringResult], table: ScoreTable, config: str) -> str:
    columns = [c for c in table.columns if c.config == config]
    alt = any(is_alt_test(r) for r in group)
    optional = [
        ("interpretation", "interpretation"),
        ("n_items", "items"),
        ("n_humans", "humans"),
    ]
    present = [(k, label) for k, label in optional if any(k in r.metadata for r in group)]
    head = "".join(f"<th>{_e(_key_label(c))}</th>" for c in columns)
    head += "<th>verdict</th>" if alt else ""
    head += "".join(f"<th>{_e(label)}</th>" for _, label in present)
    head += "<th>comparisons (failed)</th>"
    rows = []
    for result in group:
        cells = "".join(_cell(table, result.judge_id, c) for c in columns)
        if alt:
            cells += f"<td>{_badge(_passed(result))}</td>"
        for key, _ in present:
            cells += f"<td>{_e(_text(result.metadata.get(key, _DASH)))}</td>"
        cells += f'<td class="num">{result.num_comparisons:,} ({result.failed_comparisons:,})</td>'
        rows.append(f'<tr><th scope="row">{_e(result.judge_id)}</th>{cells}</tr>')
    return (
        f'<div class="scroll"><table><thead><tr><th>judge</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _per_human(group: list[BaseScoringResult]) -> str:
    blocks: list[tuple[str, str, dict[str, Any]]] = []  # (judge, label, {human: value})
    for result in group:
        for key, label in _PER_HUMAN_KEYS:
            value = result.metadata.get(key)
            if isinstance(value, Mapping) and value:
                blocks.append((result.judge_id, label, dict(value)))
        if "llm_advantage" not in result.metadata:
            llm, theirs = _advantages([result])
            if llm:
                blocks.append((result.judge_id, "LLM adv.", llm[result.judge_id]))
                if theirs:
                    blocks.append((result.judge_id, "human adv.", theirs[result.judge_id]))
    ceiling: Mapping[str, Any] = next(
        (
            r.metadata["per_human_ceiling"]
            for r in group
            if isinstance(r.metadata.get("per_human_ceiling"), Mapping)
        ),
        {},
    )
    if not blocks and not ceiling:
        return ""
    humans = list(dict.fromkeys([h for _, _, d in blocks for h in d] + list(ceiling)))
    several = len({b[1] for b in blocks}) > 1
    head = "".join(
        f"<th>{_e(judge)}{(' · ' + _e(label)) if several else ''}</th>"
        for judge, label, _ in blocks
    )
    if ceiling:
        head += "<th>human vs other humans</th>"
    rows = []
    for human in humans:
        cells = "".join(
            f'<td class="num">{_e(_text(d.get(human, _DASH)))}</td>' for _, _, d in blocks
        )
        if ceiling:
            cells += f'<td class="num">{_e(_text(ceiling.get(human, _DASH)))}</td>'
        rows.append(f'<tr><th scope="row">{_e(human)}</th>{cells}</tr>')
    return (
        "<h4>Per human</h4>"
        f'<div class="scroll"><table><thead><tr><th>human</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _per_task(group: list[BaseScoringResult]) -> str:
    """Multitask configs: each task's scores per judge (``metadata["per_task"]``)."""
    per_judge = {
        r.judge_id: r.metadata["per_task"]
        for r in group
        if isinstance(r.metadata.get("per_task"), Mapping) and r.metadata["per_task"]
    }
    if not per_judge:
        return ""
    tasks = list(dict.fromkeys(t for d in per_judge.values() for t in d))
    head = "".join(f"<th>{_e(judge)}</th>" for judge in per_judge)
    rows = []
    for task in tasks:
        cells = "".join(
            f'<td class="num">{_e(_text(d.get(task, _DASH)))}</td>' for d in per_judge.values()
        )
        rows.append(f'<tr><th scope="row">{_e(task)}</th>{cells}</tr>')
    return (
        "<h4>Per task</h4>"
        f'<div class="scroll"><table><thead><tr><th>task</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _bands(group: list[BaseScoringResult]) -> str:
    scorer = group[0].scorer_name.lower()
    if any(is_alt_test(r) for r in group):
        eps = result_epsilon(group[0])
        return (
            '<div class="bands">A judge <b>passes</b> the alt-test at ε = '
            f"{eps:.2f} when its winning rate is at least 0.5: it beats at least half of the "
            "humans after the Benjamini&ndash;Yekutieli correction.</div>"
        )
    if "kappa" in scorer:
        items = "".join(f"<li>{r}: {_e(label)}</li>" for r, label in _KAPPA_BANDS)
        return f'<div class="bands">Kappa bands (Landis &amp; Koch, 1977):<ul>{items}</ul></div>'
    if "alpha" in scorer:
        return (
            '<div class="bands">Krippendorff (2004): &alpha; &ge; 0.800 reliable; '
            "0.667 &le; &alpha; &lt; 0.800 allows tentative conclusions; "
            "below 0.667 unreliable.</div>"
        )
    return ""


def _warnings(group: list[BaseScoringResult]) -> str:
    items: list[str] = []
    for result in group:
        meta = result.metadata
        raw = meta.get("warnings")
        texts = (
            [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else []
        )
        if meta.get("error"):
            texts.append(f"error: {_text(meta['error'])}")
        if meta.get("aggregation_fallback"):
            texts.append(
                f"annotator aggregation fell back to {_text(meta['aggregation_fallback'])}"
            )
        if meta.get("skipped_humans"):
            texts.append(f"skipped humans: {_text(meta['skipped_humans'])}")
        items.extend(f"<li><b>{_e(result.judge_id)}</b>: {_e(_text(t))}</li>" for t in texts)
    if not items:
        return ""
    return f'<div class="warnings"><strong>⚠ Warnings</strong><ul>{"".join(items)}</ul></div>'


def _raw_metadata(group: list[BaseScoringResult]) -> str:
    parts = []
    for result in group:
        dumped = result.model_dump(mode="json")
        text = json.dumps(dumped.get("metadata", {}), indent=1, default=str, ensure_ascii=False)
        if len(text) > _MAX_METADATA_CHARS:
            text = text[:_MAX_METADATA_CHARS] + "\n… (cut)"
        parts.append(f"<p><b>{_e(result.judge_id)}</b></p><pre>{_e(text)}</pre>")
    return f"<details><summary>Full metadata</summary>{''.join(parts)}</details>"


def _metric_sections(results: Sequence[BaseScoringResult], table: ScoreTable) -> str:
    sections = []
    for index, (config, group) in enumerate(group_by_config(results).items()):
        first = group[0]
        facts = [f"scorer: {first.scorer_name}", f"task: {first.task_name}"]
        mode = getattr(first.aggregation_mode, "value", first.aggregation_mode)
        facts.append(f"task strategy: {mode}")
        for key in ("annotator_aggregation", "scoring_function"):
            if key in first.metadata:
                facts.append(f"{key.replace('_', ' ')}: {_text(first.metadata[key])}")
        if any(is_alt_test(r) for r in group):
            facts.append(f"ε = {result_epsilon(first):.2f}")
        meta = "".join(f"<span>{_e(f)}</span>" for f in facts)
        sections.append(
            f'<section class="metric" id="metric-{index}"><h3>{_e(config)}</h3>'
            f'<div class="meta">{meta}</div>'
            f"{_warnings(group)}{_charts(config, group, table)}"
            f"{_judge_details(group, table, config)}{_bands(group)}{_per_task(group)}"
            f"{_per_human(group)}"
            f"{_raw_metadata(group)}</section>"
        )
    return "".join(sections)


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
    return (
        "<h2>Judges</h2>"
        f'<div class="scroll"><table><thead><tr><th>judge</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _header(
    results: Sequence[BaseScoringResult],
    table: ScoreTable,
    *,
    project_name: str | None,
    annotation_info: Mapping[str, Any] | None,
    generated_at: str,
) -> str:
    facts = [f"generated {generated_at}"]
    if results:
        facts.append(f"scores computed up to {max(r.timestamp for r in results)}")
    n_configs = len({c.config for c in table.columns})
    facts.append(f"{len(table.judges)} judge{'s' * (len(table.judges) != 1)}")
    facts.append(f"{n_configs} metric config{'s' * (n_configs != 1)}")
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
        f'{project}<div class="meta">{meta}</div>{info}</header>'
    )


def render_html(
    results: Sequence[BaseScoringResult],
    table: ScoreTable,
    *,
    project_name: str | None = None,
    judge_info: Mapping[str, Mapping[str, Any]] | None = None,
    annotation_info: Mapping[str, Any] | None = None,
    generated_at: str,
) -> str:
    """Render the full report page.

    Args:
        results: The finished results the table was built from.
        table: The summary table (see :func:`~meta_evaluator.report._table.build_table`).
        project_name: Shown under the title when given.
        judge_info: Judge id -> facts (model, client, status counts, tokens, cost...).
        annotation_info: Facts about the human annotations (annotators, items...).
        generated_at: Timestamp shown in the header.

    Returns:
        The HTML page as a string.
    """
    from meta_evaluator import __version__

    body = [
        _header(
            results,
            table,
            project_name=project_name,
            annotation_info=annotation_info,
            generated_at=generated_at,
        ),
        "<h2>Summary</h2>",
        _summary(table, results),
    ]
    if results:
        body.append("<h2>Metrics</h2>")
        body.append(_metric_sections(results, table))
    if judge_info:
        body.append(_judges(judge_info))
    how = "".join(f"<li>{line}</li>" for line in _HOW_TO_READ)
    body.append(f'<h2>How to read this</h2><ul class="howto">{how}</ul>')
    body.append(f"<footer>meta_evaluator {_e(__version__)}</footer>")
    template = Template(
        resources.files("meta_evaluator.report").joinpath("template.html").read_text("utf-8")
    )
    title = f"Score report — {project_name}" if project_name else "Score report"
    return template.substitute(title=_e(title), version=_e(__version__), body="\n".join(body))
