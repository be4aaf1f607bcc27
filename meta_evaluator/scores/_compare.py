"""The comparison driver: every metric config x every judge -> results on disk and charts.

Layout written under ``scores_dir`` (by the writer in :mod:`meta_evaluator.report._writer`,
once per config; scorers themselves touch no file)::

    <scorer_name>/<unique_name>/<judge_id>_result.json   one BaseScoringResult per judge
    <scorer_name>/<unique_name>/*.png                     the config's charts

A scorer that fails for one judge does not stop the comparison: the error is logged and the
judge gets a result with nan scores and ``metadata["error"]``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from meta_evaluator._compat import accepts_annotator_aggregation
from meta_evaluator._sync import run_sync
from meta_evaluator.columns import ANNOTATOR_ID, HUMAN_ID, LABEL, ORIGINAL_ID
from meta_evaluator.errors import ColumnError
from meta_evaluator.scores._config import config_labels
from meta_evaluator.scores._context import context_for, task_context
from meta_evaluator.scores._tables import shared_tables
from meta_evaluator.scores.base_scoring_result import BaseScoringResult, ScoreError
from meta_evaluator.scores.enums import TaskAggregationMode

if TYPE_CHECKING:
    from meta_evaluator.eval_task import EvalTask
    from meta_evaluator.scores._config import MetricConfig, MetricsConfig
    from meta_evaluator.scores.base_scorer import BaseScorer

__all__ = ["compare_async", "run_sync"]

logger = logging.getLogger("meta_evaluator.scores")

T = TypeVar("T")


# --------------------------------------------------------------------------- frames
def _check_columns(frame: pl.DataFrame, needed: list[str], what: str, hint: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ColumnError(f"{what} lacks column(s) {missing!r}; it has {frame.columns!r}. {hint}")


def _labels(
    frame: pl.DataFrame, tasks: list[str], *, positional: bool, keep: list[str]
) -> pl.DataFrame:
    """Select ``keep`` + a ``label`` column (one task, or a list of the tasks' labels)."""
    if not positional:
        out = frame.select(*keep, pl.col(tasks[0]).alias(LABEL))
        return out.filter(pl.col(LABEL).is_not_null())
    out = frame.filter(pl.all_horizontal(pl.col(t).is_not_null() for t in tasks))
    dtypes = {out.schema[t] for t in tasks}
    cols = (
        [pl.col(t) for t in tasks] if len(dtypes) == 1 else [pl.col(t).cast(pl.Utf8) for t in tasks]
    )
    return out.select(*keep, pl.concat_list(cols).alias(LABEL))


class _LabelFrames:
    """Label frames (``keep`` + ``label``) per (tasks, strategy), built once per comparison.

    Configs that score the same tasks the same way get the same frame objects, so the label
    table of a (judge frame, human frame) pair is aligned and encoded once for all of them
    (:func:`~meta_evaluator.scores._tables.build_table` caches per frame pair).
    """

    def __init__(self, frame: pl.DataFrame, *, humans: bool) -> None:
        ids = [pl.col(ORIGINAL_ID).cast(pl.Utf8)]
        if humans:
            ids.append(pl.col(ANNOTATOR_ID).cast(pl.Utf8).alias(HUMAN_ID))
        self._frame = frame.with_columns(ids)
        self._keep = [ORIGINAL_ID, HUMAN_ID] if humans else [ORIGINAL_ID]
        self._frames: dict[tuple[tuple[str, ...], bool], pl.DataFrame] = {}

    def get(self, config: MetricConfig, tasks: list[str]) -> pl.DataFrame:
        positional = config.task_strategy == "multilabel"
        key = (tuple(tasks), positional)
        if key not in self._frames:
            self._frames[key] = _labels(self._frame, tasks, positional=positional, keep=self._keep)
        return self._frames[key]


# --------------------------------------------------------------------------- results
def _nan_like(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _nan_like(v) for k, v in value.items()}
    return float("nan")


def _error_result(
    scorer: BaseScorer,
    task_name: str,
    judge_id: str,
    mode: TaskAggregationMode,
    exc: BaseException,
) -> BaseScoringResult:
    nan_scores = getattr(scorer, "nan_scores", None)
    scores: dict[str, Any] = (
        nan_scores()
        if callable(nan_scores)
        else {getattr(scorer, "primary_score", None) or "score": float("nan")}
    )
    error = ScoreError.from_exception(exc)
    return BaseScoringResult(
        scorer_name=scorer.scorer_name,
        task_name=task_name,
        judge_id=judge_id,
        scores=scores,
        metadata={"error": str(error), "warnings": []},
        aggregation_mode=mode,
        num_comparisons=0,
        failed_comparisons=1,
        headline=float("nan"),
        headline_key=_headline_key(scorer, scores),
        higher_is_better=bool(getattr(scorer, "higher_is_better", True)),
        error=error,
    )


def _headline_key(scorer: BaseScorer, scores: Mapping[str, Any]) -> str | None:
    """The scorer's headline key, or the only score of a custom scorer that names none."""
    key = getattr(scorer, "headline_key", None)
    if callable(key):
        return str(key())
    primary = getattr(scorer, "primary_score", None)
    if isinstance(primary, str):
        return primary
    numeric = [k for k, v in scores.items() if _is_number(v)]
    return numeric[0] if len(numeric) == 1 else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finish(result: BaseScoringResult, scorer: BaseScorer, label: str) -> None:
    """Fill the typed fields a custom scorer left empty (headline, label), in place."""
    result.config_label = label
    if result.headline_key is None:
        key = _headline_key(scorer, result.scores)
        if key is not None and key in result.scores:
            result.headline_key = key
            value = result.scores[key]
            result.headline = float(value) if _is_number(value) else float("nan")


async def _score_one(
    scorer: BaseScorer,
    judge_data: pl.DataFrame,
    human_data: pl.DataFrame,
    *,
    task_name: str,
    judge_id: str,
    mode: TaskAggregationMode,
    aggregation: str,
) -> BaseScoringResult:
    try:
        args: tuple[Any, ...] = (judge_data, human_data, task_name, judge_id, mode)
        if accepts_annotator_aggregation(scorer):  # the sixth argument the original passes
            args = (*args, aggregation)
        result = await scorer.compute_score_async(*args)
        if not isinstance(result, BaseScoringResult):
            raise TypeError(
                f"compute_score_async returned {type(result).__name__}, not BaseScoringResult"
            )
        return result
    except Exception as exc:
        logger.error(
            "scorer %r failed for judge %r on %r: %s", scorer.scorer_name, judge_id, task_name, exc
        )
        return _error_result(scorer, task_name, judge_id, mode, exc)


def _mean_scores(values: list[Any]) -> Any:
    """Mean over tasks, key by key for dicts (winning rates); nan-aware."""
    first = next((v for v in values if v is not None), None)
    if isinstance(first, Mapping):
        keys = [k for v in values if isinstance(v, Mapping) for k in v]
        return {
            k: _mean_scores([v.get(k) for v in values if isinstance(v, Mapping)])
            for k in dict.fromkeys(keys)
        }
    nums = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(f):
            nums.append(f)
    return sum(nums) / len(nums) if nums else float("nan")


def _combine_multitask(
    scorer: BaseScorer, per_task: dict[str, BaseScoringResult], judge_id: str
) -> BaseScoringResult:
    results = list(per_task.values())
    keys = list(dict.fromkeys(k for r in results for k in r.scores))
    scores = {k: _mean_scores([r.scores.get(k) for r in results]) for k in keys}
    ceilings = [r.metadata.get("human_ceiling") for r in results]
    warnings_: list[str] = []
    for t, r in per_task.items():
        warnings_ += [f"{t}: {w}" for w in r.metadata.get("warnings", [])]
        if "error" in r.metadata:
            warnings_.append(f"{t}: {r.metadata['error']}")
    errors = [str(r.error) for r in results if r.error is not None]
    meta: dict[str, Any] = {
        "per_task": {
            t: {
                "scores": r.scores,
                "metadata": r.metadata,
                "num_comparisons": r.num_comparisons,
                "failed_comparisons": r.failed_comparisons,
            }
            for t, r in per_task.items()
        },
        "task_combination": "mean over tasks of each score (nan tasks left out)",
        "n_tasks": len(results),
        "warnings": warnings_,
    }
    if any(c is not None for c in ceilings):
        meta["human_ceiling"] = _mean_scores(ceilings)
    for k in ("n_humans",):
        vals = [v for r in results if (v := r.metadata.get(k)) is not None]
        if vals:
            meta[k] = max(vals)
    ns = [v for r in results if (v := r.metadata.get("n_items")) is not None]
    if ns:
        meta["n_items"] = int(sum(ns))
    for k in ("aggregation_fallback",):
        if any(k in r.metadata for r in results):
            meta[k] = next(r.metadata[k] for r in results if k in r.metadata)
    typed: dict[str, Any] = {}
    typed_fields = getattr(scorer, "typed_fields", None)
    if callable(typed_fields):
        eps = next((r.metadata["epsilon"] for r in results if "epsilon" in r.metadata), None)
        typed = typed_fields(scores, {**meta, **({"epsilon": eps} if eps is not None else {})})
        typed["warnings"] = warnings_
    return BaseScoringResult(
        scorer_name=scorer.scorer_name,
        task_name="+".join(per_task),
        judge_id=judge_id,
        scores=scores,
        metadata=meta,
        aggregation_mode=TaskAggregationMode.MULTITASK,
        num_comparisons=sum(r.num_comparisons for r in results),
        failed_comparisons=sum(r.failed_comparisons for r in results),
        error=ScoreError(type="ScoringError", message="; ".join(errors))
        if errors and len(errors) == len(results)
        else None,
        **typed,
    )


class _Writer:
    """Writes each scored config (result files, charts) on one background thread.

    The next config is scored while the previous one's charts render (numpy and polars
    release the GIL); one thread keeps matplotlib single-threaded. Leaving the ``with`` block
    waits for every write and re-raises the first failure.
    """

    def __init__(self, scores_dir: Path | None) -> None:
        self._dir = scores_dir
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future[Path]] = []

    def __enter__(self) -> _Writer:
        if self._dir is not None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="me-writer")
        return self

    def submit(self, config: MetricConfig, results: list[BaseScoringResult]) -> None:
        if self._pool is None or self._dir is None:
            return
        from meta_evaluator.report._writer import write_config_results

        self._pending.append(
            self._pool.submit(
                write_config_results, self._dir, config.scorer, config.unique_name(), results
            )
        )

    def __exit__(self, *exc: object) -> None:
        if self._pool is None:
            return
        self._pool.shutdown(wait=True)
        if exc[0] is None:
            for fut in self._pending:
                fut.result()


# --------------------------------------------------------------------------- driver
async def _run_config(
    config: MetricConfig,
    task: EvalTask,
    judges: Mapping[str, _LabelFrames],
    humans: _LabelFrames,
    label: str,
) -> list[BaseScoringResult]:
    scorer = config.scorer
    uname = config.unique_name()
    strategy = config.task_strategy
    mode = TaskAggregationMode(strategy)
    results: list[BaseScoringResult] = []
    if strategy == "multitask":
        humans_by_task = {t: humans.get(config, [t]) for t in config.task_names}
    else:
        humans_all = humans.get(config, config.task_names)
    for judge_id, jframe in judges.items():
        if strategy == "multitask":
            per_task: dict[str, BaseScoringResult] = {}
            for t in config.task_names:
                jd, hd = jframe.get(config, [t]), humans_by_task[t]
                ctx = context_for(task, [t], annotator_aggregation=config.annotator_aggregation)
                with task_context(ctx):
                    per_task[t] = await _score_one(
                        scorer,
                        jd,
                        hd,
                        task_name=t,
                        judge_id=judge_id,
                        mode=TaskAggregationMode.SINGLE,
                        aggregation=config.annotator_aggregation,
                    )
            result = _combine_multitask(scorer, per_task, judge_id)
        else:
            positional = strategy == "multilabel"
            jd, hd = jframe.get(config, config.task_names), humans_all
            ctx = context_for(
                task,
                config.task_names,
                positional=positional,
                annotator_aggregation=config.annotator_aggregation,
            )
            with task_context(ctx):
                result = await _score_one(
                    scorer,
                    jd,
                    hd,
                    task_name="+".join(config.task_names),
                    judge_id=judge_id,
                    mode=mode,
                    aggregation=config.annotator_aggregation,
                )
        _finish(result, scorer, label)
        result.metadata["metric_config"] = uname
        result.metadata["task_strategy"] = strategy
        result.metadata["annotator_aggregation"] = config.annotator_aggregation
        result.metadata["task_names"] = list(config.task_names)
        results.append(result)
    return results


async def compare_async(
    metrics_config: MetricsConfig,
    *,
    task: EvalTask,
    judge_labels: Mapping[str, pl.DataFrame],
    human_labels: pl.DataFrame,
    scores_dir: Path | None,
    while_writing: Callable[[list[BaseScoringResult]], object] | None = None,
) -> list[BaseScoringResult]:
    """Score every judge with every metric config and write the results.

    Every config is validated against the task before any scoring. For each config and judge
    the driver builds ``judge_data`` (``original_id``, ``label``) and ``human_data``
    (``original_id``, ``human_id``, ``label``) without null labels (the ``multilabel`` strategy
    keeps rows where every task is labelled, the label being the list of the tasks' labels in
    ``task_names`` order), sets the :class:`~meta_evaluator.scores._context.TaskContext`,
    calls the scorer, sets ``config_label`` (the readable, project-unique name of
    :func:`~meta_evaluator.scores._config.config_labels`), records ``metadata["metric_config"]``
    (the unique name),
    ``task_strategy`` and ``annotator_aggregation``. Scorers touch no file: once a config is
    scored for every judge, the writer
    (:func:`meta_evaluator.report._writer.write_config_results`) writes
    ``scores_dir/<scorer_name>/<unique_name>/<judge_id>_result.json`` and the config's charts
    (a custom scorer's through its ``aggregate_results`` hook). ``multitask`` runs the scorer
    on each task and averages the scores (per-task results in ``metadata["per_task"]``).

    Args:
        metrics_config: The configs to run.
        task: The evaluation task (schemas).
        judge_labels: Judge id -> frame with ``original_id`` and one column per task.
        human_labels: Frame with ``original_id``, ``annotator_id`` and one column per task.
        scores_dir: Where to write results and charts; None = write nothing.
        while_writing: Called with the results once every config is scored, while the writer
            may still be drawing the last configs' charts (the project builds its HTML page
            here: charts it asks for that are being drawn are waited for, not drawn twice).

    Returns:
        The results, config by config, judge by judge.

    Raises:
        MetricConfigError: A config does not fit the task.
        ColumnError: A frame lacks a needed column.
    """
    metrics_config.validate_against(task)
    needed = sorted({t for m in metrics_config.metrics for t in m.task_names})
    _check_columns(
        human_labels,
        [ORIGINAL_ID, ANNOTATOR_ID, *needed],
        "human_labels",
        "Add the human annotations for these tasks (one column per task).",
    )
    for judge_id, frame in judge_labels.items():
        _check_columns(
            frame,
            [ORIGINAL_ID, *needed],
            f"the labels of judge {judge_id!r}",
            "Re-run the judge on these tasks, or drop the tasks from the metrics config.",
        )
    labels = config_labels(metrics_config.metrics)
    humans = _LabelFrames(human_labels, humans=True)
    judges = {
        judge_id: _LabelFrames(frame, humans=False) for judge_id, frame in judge_labels.items()
    }
    out: list[BaseScoringResult] = []
    with shared_tables(), _Writer(scores_dir) as writer:
        for config in metrics_config.metrics:
            results = await _run_config(config, task, judges, humans, labels[config.unique_name()])
            writer.submit(config, results)
            out.extend(results)
        if while_writing is not None:
            while_writing(out)
    return out
