"""Run health per judge: did the run behind each score go well, and which run was it?

Read from each judge's results table (one row per sample): rows by status, the parse errors with
an example, retries (tries beyond the first per answer) and provider calls, tokens, cost,
median / p95 latency, and from the run's state: model, client, prompt/config fingerprint, the
reason a cost is unknown, run time and timestamps.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.report._cells import _DASH, _e
from meta_evaluator.report._evidence import ReportEvidence

__all__ = ["HealthRow", "health_rows", "health_section"]

_EXAMPLE_CHARS = 300
"""Example error / raw answer texts are cut after this many characters."""

HealthRow = dict[str, Any]


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def health_rows(evidence: ReportEvidence) -> dict[str, HealthRow]:
    """Judge id -> run-health facts (see the module docstring)."""
    out: dict[str, HealthRow] = {}
    for jid, df in evidence.judges.items():
        facts = evidence.judge_facts.get(jid, {})
        counts = {str(s): int(n) for s, n in df.group_by(C.STATUS).len().iter_rows()}
        stats = df.select(
            (pl.col(C.ATTEMPTS).fill_null(1) - 1).clip(lower_bound=0).sum().alias("retries"),
            pl.col(C.CALLS).sum().alias("calls"),
            pl.col(C.CALLS).is_not_null().sum().alias("n_calls"),
            pl.col(C.INPUT_TOKENS).sum().alias("in"),
            pl.col(C.OUTPUT_TOKENS).sum().alias("out"),
            pl.col(C.INPUT_TOKENS).is_not_null().sum().alias("n_tok"),
            pl.col(C.COST_USD).sum().alias("cost"),
            pl.col(C.COST_USD).is_not_null().sum().alias("n_cost"),
            pl.col(C.LATENCY_S).median().alias("p50"),
            pl.col(C.LATENCY_S).quantile(0.95, interpolation="linear").alias("p95"),
        ).row(0, named=True)
        bad = df.filter(~pl.col(C.STATUS).is_in([C.STATUS_SUCCESS, C.STATUS_PARTIAL]))
        example = None
        if bad.height:
            first = bad.row(0, named=True)
            raw = first.get(C.RAW_RESPONSE)
            example = {
                "id": first[C.ORIGINAL_ID],
                "status": first[C.STATUS],
                "error": (first.get(C.ERROR_MESSAGE) or "")[:_EXAMPLE_CHARS],
                "raw": None if raw is None else str(raw)[:_EXAMPLE_CHARS],
            }
        rows = df.height
        cost = _float(stats["cost"]) if stats["n_cost"] else None
        out[jid] = {
            "rows": rows,
            "status": counts,
            "retries": int(stats["retries"] or 0),
            "calls": int(stats["calls"]) if stats["n_calls"] else None,
            "input_tokens": int(stats["in"]) if stats["n_tok"] else None,
            "output_tokens": int(stats["out"])
            if stats["n_tok"] and stats["out"] is not None
            else None,
            "cost_usd": cost,
            "cost_per_100": None if cost is None or rows == 0 else 100.0 * cost / rows,
            "latency_p50_s": _float(stats["p50"]),
            "latency_p95_s": _float(stats["p95"]),
            "example": example,
            **facts,
        }
    return out


def _cost_sub(h: HealthRow) -> str:
    if h.get("cost_per_100") is not None:
        return f"{_fmt(h['cost_per_100'], 'usd')} per 100"
    note = h.get("cost_note")
    return f"unknown: {note}" if note else "not recorded"


def _fmt_status(counts: dict[str, int]) -> str:
    order = list(C.STATUSES) + sorted(k for k in counts if k not in C.STATUSES)
    parts = []
    for status in order:
        n = counts.get(status)
        if n:
            cls = (
                "ok"
                if status == C.STATUS_SUCCESS
                else "warn"
                if status == C.STATUS_PARTIAL
                else "bad"
            )
            parts.append(f'<span class="st {cls}">{_e(status)} {n:,}</span>')
    return " ".join(parts) or _DASH


def _fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return _DASH
    if kind == "usd":
        return f"${value:,.4f}"
    if kind == "s":
        return f"{value:.2f} s"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def health_section(rows: dict[str, HealthRow]) -> str:
    """The "Run health" section (empty string when there is no judge result)."""
    if not rows:
        return ""
    body = []
    examples = []
    for jid, h in rows.items():
        when = h.get("finished_at") or h.get("started_at")
        when = f"{str(when)[:16].replace('T', ' ')} UTC" if when else None
        body.append(
            f'<tr><th scope="row">{_e(jid)}</th>'
            f'<td>{_e(_fmt(h.get("model")))}<span class="ci">{_e(_fmt(h.get("client")))} · '
            f"{_e(_fmt(h.get('source')))}"
            f"{_e(' · run ' + str(h['run_id'])) if h.get('run_id') else ''}</span></td>"
            f'<td class="num">{h["rows"]:,}</td><td>{_fmt_status(h["status"])}</td>'
            f'<td class="num">{h["retries"]:,}'
            f'<span class="ci">{_e(_fmt(h["calls"]))} calls</span></td>'
            f'<td class="num">{_e(_fmt(h["input_tokens"]))} / {_e(_fmt(h["output_tokens"]))}</td>'
            f'<td class="num">{_e(_fmt(h["cost_usd"], "usd"))}'
            f'<span class="ci">{_e(_cost_sub(h))}</span></td>'
            f'<td class="num">{_e(_fmt(h["latency_p50_s"], "s"))} / '
            f"{_e(_fmt(h['latency_p95_s'], 's'))}</td>"
            f"<td><code>{_e(_fmt(h.get('prompt_hash')))}</code>"
            f'<span class="ci">config <code>{_e(_fmt(h.get("fingerprint")))}</code></span></td>'
            f'<td class="num">{_e(_fmt(_float(h.get("wall_s")), "s"))}'
            f'<span class="ci">{_e(_fmt(when))}</span></td></tr>'
        )
        ex = h.get("example")
        if ex:
            raw = f"<br>raw answer: <code>{_e(ex['raw'])}</code>" if ex.get("raw") else ""
            examples.append(
                f"<li><b>{_e(jid)}</b>, sample <code>{_e(ex['id'])}</code> ({_e(ex['status'])}): "
                f"{_e(ex['error'] or _DASH)}{raw}</li>"
            )
    example_block = (
        f'<div class="warnings"><strong>Failed rows (first example per judge)</strong>'
        f"<ul>{''.join(examples)}</ul></div>"
        if examples
        else ""
    )
    return (
        '<h2 id="health">Run health</h2>'
        '<p class="lead">Where each judge\'s numbers come from. Failed rows (parse errors, LLM '
        "errors) are left out of the scores: many of them make a score less comparable. The "
        "prompt hash is the SHA-256 of the prompt template; the config fingerprint identifies "
        "everything that changes the answers (model, prompt, parameters)."
        "</p>"
        '<div class="scroll"><table class="sortable-table"><thead><tr><th>judge</th><th>model</th>'
        "<th>rows</th><th>status</th><th>retries</th><th>tokens in / out</th><th>cost</th>"
        "<th>latency p50 / p95</th><th>prompt hash</th><th>run time</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>{example_block}"
    )
