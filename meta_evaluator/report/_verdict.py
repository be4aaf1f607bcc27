"""Verdict first: per task, one line per judge and a one-sentence recommendation.

Each judge line shows its key numbers with 95% CIs placed against the human-ceiling band (the
range of how well each human agrees with the other humans), the alt-test verdict (pass / fail /
not enough data) at the chosen ε with the advantage probability, and cost and tokens. The
recommendation names the cheapest judge that passes the alt-test ("as good as your annotators"),
or, without a pass, the best judge on the task's main agreement metric, and says whether the best
alternative differs significantly (from the paired judge-vs-judge tests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meta_evaluator.report._cells import _DASH, _e, _num
from meta_evaluator.report._compare_judges import JudgeComparison
from meta_evaluator.report._table import as_float, config_name
from meta_evaluator.report._view import ResultView
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

__all__ = ["TaskVerdict", "task_verdicts", "verdict_section"]

_PRIMARY = (
    ("cohens_kappa", "κ"),
    ("krippendorff_alpha", "\u03b1"),
    ("accuracy", "accuracy"),
    ("f1", "F1"),
    ("text_similarity", "similarity"),
    ("semantic_similarity", "similarity"),
)
"""Scorers whose headline is the task's main metric, in order of preference, with the symbol
used in sentences (and to find the matching judge-vs-judge test)."""
_COMPARISON_SYMBOL = {
    "κ": "κ",
    "\u03b1": "\u03b1",
    "accuracy": "accuracy",
    "similarity": "similarity",
}


@dataclass(frozen=True, kw_only=True)
class TaskVerdict:
    """The verdict block of one task."""

    task: str
    """Task name (as in the results)."""
    judges: list[str]
    """Judges scored on the task, in result order."""
    views: dict[str, list[ResultView]]
    """Judge -> its non-alt-test result views on the task."""
    alt: dict[str, ResultView]
    """Judge -> its alt-test view on the task (when an alt-test config exists)."""
    recommendation: str
    """The one-sentence recommendation (plain text, not escaped)."""


def _ceiling_band(result: BaseScoringResult, view: ResultView) -> tuple[float, float] | None:
    per = result.metadata.get("per_human_ceiling")
    if isinstance(per, Mapping):
        vals = [
            v for v in (as_float(x) for x in per.values()) if v is not None and math.isfinite(v)
        ]
        if vals:
            return min(vals), max(vals)
    if view.ceiling is not None:
        return view.ceiling, view.ceiling
    return None


def _cost_text(health: Mapping[str, Any] | None) -> str:
    per100 = (health or {}).get("cost_per_100")
    if per100 is None:
        note = (health or {}).get("cost_note")
        return f"cost unknown ({note})" if note else "cost not recorded"
    return f"${per100:,.4f} per 100 samples"


def _at_cost(health: Mapping[str, Any] | None) -> str:
    text = _cost_text(health)
    return f" ({text})" if text.startswith("cost ") else f" at {text}"


def _primary(views: dict[str, list[ResultView]]) -> tuple[str, str] | None:
    """(config, symbol) of the task's main metric."""
    configs: dict[str, ResultView] = {}
    for vs in views.values():
        for v in vs:
            configs.setdefault(v.config, v)
    for scorer, symbol in _PRIMARY:
        for config, v in configs.items():
            if v.scorer == scorer:
                return config, symbol
    if configs:
        config, v = next(iter(configs.items()))
        return config, v.key.replace("_", " ")
    return None


def _best(views: dict[str, list[ResultView]], config: str) -> list[tuple[str, ResultView]]:
    """Judges ranked on one config, best first (nan last)."""
    ranked = [
        (j, v)
        for j, vs in views.items()
        for v in vs
        if v.config == config and math.isfinite(v.value)
    ]
    if not ranked:
        return []
    higher = ranked[0][1].higher_is_better
    ranked.sort(key=lambda jv: -jv[1].value if higher else jv[1].value)
    return ranked


def _find(
    comparisons: Sequence[JudgeComparison], task: str, symbol: str, a: str, b: str
) -> JudgeComparison | None:
    for c in comparisons:
        if c.task == task and c.symbol == symbol and {c.judge_a, c.judge_b} == {a, b}:
            return c
    return None


def _p_text(c: JudgeComparison) -> str:
    test = "McNemar" if c.test == "exact McNemar" else "paired bootstrap"
    if c.p_value < 0.001:
        p = "<0.001"
    else:
        p = f"={c.p_value:.3f}" if c.p_value < 0.01 else f"={c.p_value:.2f}"
    return f"{test} p{p}"


def _recommend(
    task: str,
    views: dict[str, list[ResultView]],
    alt: dict[str, ResultView],
    comparisons: Sequence[JudgeComparison],
    health: Mapping[str, Mapping[str, Any]],
) -> str:
    primary = _primary(views)
    ranked = _best(views, primary[0]) if primary else []
    symbol = primary[1] if primary else ""
    passing = [j for j, v in alt.items() if v.verdict == "pass"]

    def cost_key(j: str) -> float:
        c = (health.get(j) or {}).get("cost_per_100")
        return math.inf if c is None else float(c)

    sentence: str
    pick: str | None = None
    if passing:
        pick = min(passing, key=lambda j: (cost_key(j), -(alt[j].advantage or 0.0)))
        eps = alt[pick].epsilon
        sentence = (
            f"{pick} is as good as your annotators (alt-test pass, ε={eps:.2f})"
            f"{_at_cost(health.get(pick))}"
        )
        others = [j for j in passing if j != pick]
        if others:
            sentence += f"; {', '.join(others)} also pass{'es' if len(others) == 1 else ''}"
        failing = [j for j, v in alt.items() if v.verdict == "fail"]
        if failing:
            sentence += f"; {', '.join(failing)} fail{'s' if len(failing) == 1 else ''} it"
    elif alt and all(v.verdict == "insufficient_data" for v in alt.values()):
        sentence = "There is not enough data for the alt-test (too few items per human)"
    elif alt:
        eps = next(iter(alt.values())).epsilon
        sentence = (
            f"No judge passes the alt-test at ε={eps:.2f}: none can yet replace your annotators"
        )
    else:
        sentence = "No alt-test was run, so no judge is certified as a stand-in for your annotators"
    if ranked:
        best, best_view = ranked[0]
        ceiling = best_view.ceiling
        ceil_text = f", human ceiling {ceiling:.2f}" if ceiling is not None else ""
        cmp_symbol = _COMPARISON_SYMBOL.get(symbol)
        if pick is None:
            sentence += f"; the best on {symbol} is {best} ({best_view.value:.2f}{ceil_text})"
            if len(ranked) > 1 and cmp_symbol:
                second = ranked[1][0]
                c = _find(comparisons, task, cmp_symbol, best, second)
                if c is not None and math.isfinite(c.p_value):
                    sig = "significantly" if c.significant else "but not significantly"
                    sentence += f", {sig} ahead of {second} ({_p_text(c)})"
        elif best != pick:
            c = _find(comparisons, task, cmp_symbol, best, pick) if cmp_symbol else None
            sentence += f"; {best} is better on {symbol}"
            if c is not None and math.isfinite(c.p_value):
                sentence += (
                    f" and the difference is significant ({_p_text(c)})"
                    if c.significant
                    else f" but the difference is not significant ({_p_text(c)})"
                )
        elif len(ranked) > 1 and cmp_symbol:
            second, second_view = ranked[1]
            c = _find(comparisons, task, cmp_symbol, best, second)
            if c is not None and math.isfinite(c.p_value):
                sig = "significantly" if c.significant else "not significantly"
                sentence += (
                    f"; {best} also leads on {symbol} ({best_view.value:.2f} vs {second} "
                    f"{second_view.value:.2f}, {sig}: {_p_text(c)})"
                )
    return sentence + "."


def task_verdicts(
    results: Sequence[BaseScoringResult],
    views: Sequence[ResultView],
    comparisons: Sequence[JudgeComparison],
    health: Mapping[str, Mapping[str, Any]],
) -> list[TaskVerdict]:
    """The verdict blocks, one per task in order of first appearance."""
    tasks = list(dict.fromkeys(v.task for v in views))
    out = []
    for task in tasks:
        judges = list(dict.fromkeys(v.judge for v in views if v.task == task))
        per: dict[str, list[ResultView]] = {j: [] for j in judges}
        alt: dict[str, ResultView] = {}
        for v in views:
            if v.task != task:
                continue
            if v.epsilon is not None:
                alt.setdefault(v.judge, v)
            else:
                per[v.judge].append(v)
        out.append(
            TaskVerdict(
                task=task,
                judges=judges,
                views=per,
                alt=alt,
                recommendation=_recommend(task, per, alt, comparisons, health),
            )
        )
    return out


def _band_mark(view: ResultView, band: tuple[float, float] | None) -> str:
    if band is None:
        return ""
    low, high = band
    ci = view.ci or (view.value, view.value)
    if not math.isfinite(view.value):
        return ""
    if view.higher_is_better:
        above, below = ci[0] > high, ci[1] < low
    else:
        above, below = ci[1] < low, ci[0] > high
    band_text = f"{low:.2f}" if low == high else f"{low:.2f}\u2013{high:.2f}"
    if above:
        cls, word = "pass", "above"
    elif below:
        cls, word = "fail", "below"
    else:
        cls, word = "unknown", "at"
    return (
        f'<span class="band {cls}" title="human ceiling band {_e(band_text)}">'
        f"{word} humans ({_e(band_text)})</span>"
    )


def _short_label(view: ResultView) -> str:
    """The config label without the task (the verdict block already names it)."""
    parts = [p for p in view.label.split(" · ") if p != view.task]
    return " · ".join(parts) or view.label


def _number(view: ResultView, band: tuple[float, float] | None) -> str:
    ci = (
        f' <span class="ci-inline">[{_num(view.ci[0], 2)}, {_num(view.ci[1], 2)}]</span>'
        if view.ci
        else ""
    )
    warn = (
        ' <span class="warn-mark" title="see the warnings in the metric section">⚠</span>'
        if (view.warnings or view.error)
        else ""
    )
    return (
        f'<span class="kv"><span class="k">{_e(_short_label(view))}</span> '
        f"<b>{_num(view.value, 2)}</b>{ci}{_band_mark(view, band)}{warn}</span>"
    )


_VERDICT_BADGE = {
    "pass": '<span class="badge pass">PASS</span>',
    "fail": '<span class="badge fail">FAIL</span>',
    "insufficient_data": '<span class="badge unknown">NOT ENOUGH DATA</span>',
}


def verdict_section(
    verdicts: Sequence[TaskVerdict],
    results: Sequence[BaseScoringResult],
    health: Mapping[str, Mapping[str, Any]],
) -> str:
    """The "Verdict" section at the top of the page."""
    if not verdicts:
        return ""
    index = {(r.judge_id, config_name(r)): r for r in results}
    blocks = []
    for tv in verdicts:
        lines = []
        for judge in tv.judges:
            numbers = []
            for view in tv.views.get(judge, []):
                result = index.get((judge, view.config))
                band = _ceiling_band(result, view) if result is not None else None
                numbers.append(_number(view, band))
            alt = tv.alt.get(judge)
            alt_html = ""
            if alt is not None:
                badge = _VERDICT_BADGE.get(
                    alt.verdict or "", '<span class="badge unknown">n/a</span>'
                )
                adv = _num(alt.advantage, 2) if alt.advantage is not None else _DASH
                eps = f"{alt.epsilon:.2f}" if alt.epsilon is not None else _DASH
                alt_html = (
                    f'<span class="alt">alt-test {badge} at ε={_e(eps)} · advantage '
                    f"probability {adv}</span>"
                )
            h = health.get(judge) or {}
            tokens = ""
            if h.get("input_tokens") is not None:
                tokens = f" · {h['input_tokens'] + (h.get('output_tokens') or 0):,} tokens"
            cost = f'<span class="cost">{_e(_cost_text(h))}{_e(tokens)}</span>'
            lines.append(
                f'<li><span class="judge">{_e(judge)}</span>{alt_html}'
                f'<span class="numbers">{"".join(numbers)}</span>{cost}</li>'
            )
        blocks.append(
            f'<section class="verdict"><h3>task: {_e(tv.task)}</h3>'
            f'<p class="recommendation">{_e(tv.recommendation)}</p>'
            f'<ul class="judges">{"".join(lines)}</ul></section>'
        )
    return (
        '<h2 id="verdict">Verdict</h2>'
        + "".join(blocks)
        + '<p class="meta">Numbers: score [95% CI] and where the interval lies against the human '
        "ceiling band (how well each human agrees with the other humans): above / at / below "
        "humans. The alt-test verdict decides whether a judge can stand in for your annotators.</p>"
    )
