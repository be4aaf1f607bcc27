"""One section per metric config of the score report.

Each section shows the config's facts (scorer, task, strategy, ε), its warnings, charts
(winning rate and advantage for the alt-test, a bar chart per score otherwise), a per-judge
table with verdicts, reading bands (Landis & Koch kappa, Krippendorff alpha, alt-test rule),
per-task and per-human tables and the full metadata. Every value is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from meta_evaluator.report._cells import (
    _DASH,
    _badge,
    _cell,
    _e,
    _key_label,
    _passed,
    _scroll_table,
    _text,
)
from meta_evaluator.report._table import (
    ScoreTable,
    group_by_config,
    is_alt_test,
    result_epsilon,
)
from meta_evaluator.report._writer import advantages, bar_chart_args, winning_rate_args
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

_MAX_METADATA_CHARS = 20_000
"""Raw metadata shown per judge is cut after this many characters."""
_PER_HUMAN_KEYS: tuple[tuple[str, str], ...] = (
    ("per_human", "score"),
    ("per_human_n_items", "items"),
    ("llm_advantage", "LLM adv."),
    ("human_advantage", "human adv."),
    ("p_values", "p-value"),
    ("rejected", "H0 rejected"),
)
"""Per-human metadata dicts shown in the per-human table, with their column labels."""

_KAPPA_BANDS = (
    ("&lt; 0", "poor (worse than chance)"),
    ("0.00&ndash;0.20", "slight"),
    ("0.21&ndash;0.40", "fair"),
    ("0.41&ndash;0.60", "moderate"),
    ("0.61&ndash;0.80", "substantial"),
    ("0.81&ndash;1.00", "almost perfect"),
)
"""Landis & Koch (1977), Biometrics 33(1):159-174."""


def _img(uri: str, alt: str) -> str:
    return f'<img src="{_e(uri)}" alt="{_e(alt)}">'


def _charts(config: str, group: list[BaseScoringResult], table: ScoreTable) -> str:
    from meta_evaluator.report._charts import chart_png, png_data_uri

    images: list[str] = []
    if any(is_alt_test(r) for r in group):
        png = chart_png("winning_rate", **winning_rate_args(group))
        images.append(_img(png_data_uri(png), f"winning rate vs epsilon, {config}"))
        llm_adv, human_adv = advantages([r for r in group if is_alt_test(r)])
        if llm_adv:
            png = chart_png("advantage", llm_adv=llm_adv, human_adv=human_adv or None)
            images.append(_img(png_data_uri(png), f"advantage, {config}"))
        return f'<div class="charts">{"".join(images)}</div>'
    for column in (c for c in table.columns if c.config == config):
        png = chart_png("score_bar", **bar_chart_args(config, table, column))
        images.append(_img(png_data_uri(png), f"{column.score_key} by judge, {config}"))
    return f'<div class="charts">{"".join(images)}</div>'


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
    return _scroll_table("judge", head, rows)


def _per_human(group: list[BaseScoringResult]) -> str:
    blocks: list[tuple[str, str, dict[str, Any]]] = []  # (judge, label, {human: value})
    for result in group:
        for key, label in _PER_HUMAN_KEYS:
            value = result.metadata.get(key)
            if isinstance(value, Mapping) and value:
                blocks.append((result.judge_id, label, dict(value)))
        if "llm_advantage" not in result.metadata:
            llm, theirs = advantages([result])
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
    return "<h4>Per human</h4>" + _scroll_table("human", head, rows)


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
    return "<h4>Per task</h4>" + _scroll_table("task", head, rows)


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
        dumped = result.model_dump(mode="json", include={"metadata"})
        # json.dumps(..., indent=1) text, encoded only as far as the page shows it
        encoder = json.JSONEncoder(indent=1, default=str, ensure_ascii=False)
        chunks: list[str] = []
        size = 0
        for chunk in encoder.iterencode(dumped.get("metadata", {})):
            chunks.append(chunk)
            size += len(chunk)
            if size > _MAX_METADATA_CHARS:
                break
        text = "".join(chunks)
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
