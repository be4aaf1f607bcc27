"""The score writer: each config's result files and charts, written once by the driver.

Scorers compute and touch no file; after a metric config has been scored for every judge, the
comparison driver calls :func:`write_config_results` once. It writes one
``<judge_id>_result.json`` per judge and the config's charts into
``scores/<scorer_name>/<unique_name>/``:

* built-in scorers (``chart_kind`` ``"score"``): ``<scorer_name>_scores.png``, the headline per
  judge with its 95% CI and the human ceiling;
* the alt-test (``chart_kind`` ``"alt_test"``): ``aggregate_winning_rates.png``,
  ``aggregate_advantage_probabilities.png`` and ``aggregate_human_vs_llm_advantage.png``;
* any other scorer: whatever its ``aggregate_results`` hook writes (the seed's API).

Charts are rendered through :func:`~meta_evaluator.report._charts.chart_png`, whose cache the
HTML report shares: a chart drawn for a file is not drawn again for the page. matplotlib is
imported only when a chart is drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_evaluator._io import atomic_write_bytes
from meta_evaluator.report._table import (
    ADVANTAGE_PROBABILITY,
    WINNING_RATE,
    ScoreColumn,
    ScoreTable,
    as_float,
    build_table,
    is_alt_test,
    result_epsilon,
)
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

if TYPE_CHECKING:
    from meta_evaluator.scores.base_scorer import BaseScorer

__all__ = [
    "ALT_TEST_CHARTS",
    "advantages",
    "bar_chart_args",
    "config_chart_pngs",
    "winning_rate_args",
    "write_charts",
    "write_config_results",
]

logger = logging.getLogger("meta_evaluator.scores")

ALT_TEST_CHARTS = (
    "aggregate_winning_rates.png",
    "aggregate_advantage_probabilities.png",
    "aggregate_human_vs_llm_advantage.png",
)
"""The alt-test's chart files, in the order :func:`config_chart_pngs` returns them."""


def _float_dict(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    out = {}
    for k, v in value.items():
        number = as_float(v)
        if number is not None:
            out[str(k)] = number
    return out


def advantages(
    results: Sequence[BaseScoringResult],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Per judge, per human LLM / human advantage probabilities from alt-test metadata.

    The human side is dropped (``{}``) unless every judge has one, so the chart is either a
    scatter for all judges or bars for all.
    """
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


def winning_rate_args(results: Sequence[BaseScoringResult]) -> dict[str, Any]:
    """Arguments of the winning-rate chart of one alt-test config."""
    alt = [r for r in results if is_alt_test(r)]
    return {
        "winning_rates": {r.judge_id: dict(r.scores[WINNING_RATE]) for r in alt},
        "epsilon": result_epsilon(alt[0]),
    }


def bar_chart_args(config: str, table: ScoreTable, column: ScoreColumn) -> dict[str, Any]:
    """Arguments of the bar chart of one summary-table column (value, CI, ceiling per judge)."""
    values = {
        j: table.values[(j, column.name)] for j in table.judges if (j, column.name) in table.values
    }
    return {
        "values": values,
        "title": config,
        "ylabel": column.score_key,
        "ci": {j: table.ci[(j, column.name)] for j in values if (j, column.name) in table.ci},
        "ceiling": table.ceilings.get(column.name),
    }


def config_chart_pngs(
    results: Sequence[BaseScoringResult], *, scorer_name: str
) -> dict[str, bytes]:
    """The chart files of one metric config: file name -> PNG bytes.

    Args:
        results: Every judge's result for one config.
        scorer_name: Names the bar chart file (``<scorer_name>_scores.png``).

    Returns:
        The charts (empty when there are no results).
    """
    from meta_evaluator.report._charts import chart_png

    if not results:
        return {}
    table = build_table(results)
    config = table.columns[0].config if table.columns else results[0].scorer_name
    if any(is_alt_test(r) for r in results):
        adv = {
            r.judge_id: as_float(r.scores.get(ADVANTAGE_PROBABILITY))
            for r in results
            if is_alt_test(r)
        }
        llm, human = advantages(results)
        return dict(
            zip(
                ALT_TEST_CHARTS,
                (
                    chart_png("winning_rate", **winning_rate_args(results)),
                    chart_png(
                        "score_bar",
                        values=adv,
                        title=config,
                        ylabel="advantage probability",
                        ceiling=0.5,
                    ),
                    chart_png("advantage", llm_adv=llm, human_adv=human or None),
                ),
                strict=True,
            )
        )
    out: dict[str, bytes] = {}
    for column in table.columns:
        name = (
            f"{scorer_name}_scores.png"
            if len(table.columns) == 1
            else f"{scorer_name}_{column.score_key}_scores.png"
        )
        out[name] = chart_png("score_bar", **bar_chart_args(config, table, column))
    return out


def write_charts(
    results: Sequence[BaseScoringResult], out_dir: str | Path, *, scorer_name: str
) -> list[Path]:
    """Write the charts of :func:`config_chart_pngs` into ``out_dir``; return their paths."""
    paths = []
    for name, data in config_chart_pngs(results, scorer_name=scorer_name).items():
        path = Path(out_dir) / name
        atomic_write_bytes(path, data)
        paths.append(path)
    return paths


def write_config_results(
    scores_dir: str | Path,
    scorer: BaseScorer,
    unique_name: str,
    results: Sequence[BaseScoringResult],
) -> Path:
    """Write one config's result JSON files and charts (see the module docstring).

    A chart that fails is logged, never raised: the results are already on disk.

    Args:
        scores_dir: The project's ``scores/`` directory.
        scorer: The config's scorer (its ``scorer_name``, ``chart_kind`` or ``aggregate_results``).
        unique_name: The config's folder name.
        results: Every judge's result for the config.

    Returns:
        The config's folder.
    """
    out_dir = Path(scores_dir) / scorer.scorer_name / unique_name
    out_dir.mkdir(parents=True, exist_ok=True)
    for result in results:
        result.save_state(out_dir / f"{result.judge_id}_result.json")
    if not results:
        return out_dir
    try:
        if getattr(scorer, "chart_kind", None) is not None:
            write_charts(results, out_dir, scorer_name=scorer.scorer_name)
        else:  # the seed's hook: the project's scores/ folder and the config's folder name
            scorer.aggregate_results(list(results), str(scores_dir), unique_name)
    except Exception as exc:
        logger.error("charts of %r failed: %s", unique_name, exc)
    return out_dir
