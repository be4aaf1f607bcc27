"""Shared machinery of the built-in scorers.

Every built-in scorer derives from :class:`BuiltinScorer`, which

* answers :meth:`~meta_evaluator.scores.base_scorer.BaseScorer.can_score_task` from a
  ``supported_kinds`` class attribute (the config validator consults it first, so a categorical
  scorer rejects a free-text task even though its sample label is a string);
* reads the :class:`~meta_evaluator.scores._context.TaskContext` set by the driver (schema
  order, annotator aggregation; absent -> inferred kinds, sorted order, ``individual_average``);
* logs and falls back to ``individual_average`` when an agreement metric is asked for
  ``majority_vote`` (``metadata["aggregation_fallback"]``);
* turns the kernels' :class:`~meta_evaluator.errors.UndefinedMetricWarning` into entries of
  ``metadata["warnings"]`` (and log records), so a degenerate input gives ``nan`` with an
  explanation in the result rather than a Python warning.

:class:`PairwiseScorer` adds the judge-vs-each-human flow shared by accuracy, classification,
kappa and the similarity scorers, with the human ceiling and an item-level bootstrap CI.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from meta_evaluator._checks import check_choice as _check_choice
from meta_evaluator._checks import to_float
from meta_evaluator.errors import ConfigError, ScoringError
from meta_evaluator.scores._consensus import consensus_table
from meta_evaluator.scores._context import TaskContext, current_task_context, infer_kind
from meta_evaluator.scores._tables import LabelTable, build_table
from meta_evaluator.scores._unified import UNIFIED_AGGREGATIONS, unified_table
from meta_evaluator.scores.base_scorer import BaseScorer
from meta_evaluator.scores.base_scoring_result import BaseScoringResult, Verdict
from meta_evaluator.stats.kernels import (
    SumStatistic,
    bootstrap_resamples,
    bootstrap_sums,
    percentile_ci,
)

if TYPE_CHECKING:
    import polars as pl

    from meta_evaluator.scores.enums import TaskAggregationMode

__all__ = ["BuiltinScorer", "Outcome", "PairwiseScorer", "check_choice", "nanmean"]

CONFIDENCE = 0.95
"""Confidence level of every bootstrap interval."""
BOOTSTRAP_SEED = 0
"""Seed of every bootstrap (results are reproducible)."""


def check_choice(owner: str, param: str, value: Any, allowed: tuple[Any, ...]) -> None:
    """Raise ConfigError unless ``value`` is one of ``allowed`` (:func:`meta_evaluator._checks.check_choice`).

    Example:
        >>> check_choice("CohensKappaScorer", "weights", "quad", ("linear", "quadratic", None))
        Traceback (most recent call last):
        ...
        meta_evaluator.errors.ConfigError: The 'weights' parameter of CohensKappaScorer must be one of 'linear', 'quadratic' or None; got 'quad'.
    """  # noqa: E501
    _check_choice(value, allowed, param=param, owner=owner)


def check_resamples(owner: str, n_resamples: Any) -> int:
    """Validate ``n_resamples`` (0 disables the bootstrap)."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 0:
        raise ConfigError(
            f"The 'n_resamples' parameter of {owner} must be an integer >= 0 (0 = no bootstrap "
            f"CI); got {n_resamples!r}."
        )
    return n_resamples


def nanmean(values: Any) -> float:
    """Mean of the finite values, nan when there are none (no numpy warning).

    Example:
        >>> nanmean([1.0, float("nan"), 0.0]), nanmean([])
        (0.5, nan)
    """
    arr = np.asarray(list(values), dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else float("nan")


def _ci_metadata(ci: tuple[float, float, str] | None, n_resamples: int) -> dict[str, Any]:
    """A result's CI metadata: bounds, method, level and resamples (nan / "none" / 0 without)."""
    return {
        "ci_low": ci[0] if ci else float("nan"),
        "ci_high": ci[1] if ci else float("nan"),
        "ci_method": ci[2] if ci else "none",
        "ci_level": CONFIDENCE,
        "n_resamples": n_resamples if ci else 0,
    }


@dataclass
class Outcome:
    """What a scorer's ``_score`` returns before it is wrapped in a result."""

    scores: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    num_comparisons: int = 0
    failed_comparisons: int = 0


class BuiltinScorer(BaseScorer):
    """Base class of the built-in scorers (see the module docstring).

    Class attributes:
        supported_kinds: Task kinds the scorer accepts ("categorical", "numeric", "text",
            "multilabel" = a ``MultiLabelSchema`` task).
        multilabel_strategy_kinds: Kinds of the tasks it accepts combined by the ``multilabel``
            strategy (empty = the strategy is not supported).
        registry_name: The scorer's name in the registry (state.json restores it by that name);
            set it on every public scorer class.
        chart_kind: "score" (bar chart of the headline) or "alt_test" (winning rates and
            advantage probabilities); the writer in ``report/`` draws them.
    """

    supported_kinds: ClassVar[frozenset[str]] = frozenset({"categorical", "numeric", "multilabel"})
    multilabel_strategy_kinds: ClassVar[frozenset[str]] = frozenset({"categorical", "numeric"})
    registry_name: ClassVar[str | None] = None
    """Name in the scorer registry (set on each public scorer class; see ``scores._registry``)."""
    chart_kind: ClassVar[str] = "score"
    """Which charts the report's writer draws for a config (see :mod:`meta_evaluator.report`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("registry_name")
        if name:
            from meta_evaluator.scores._registry import register_scorer

            register_scorer(name, cls)

    def __init__(self, scorer_name: str, *, n_resamples: int = 1000) -> None:
        super().__init__(scorer_name=scorer_name)
        self.n_resamples = check_resamples(type(self).__name__, n_resamples)

    # ------------------------------------------------------------------ capability
    def can_score_task(self, sample_label: Any) -> bool:
        """Return True if labels like ``sample_label`` can be scored.

        Strings count as categorical labels, or as free text for a text scorer; numbers as a
        rating scale; lists as multi-label sets.

        Args:
            sample_label: A representative label.

        Returns:
            Whether the scorer accepts it.
        """
        kind = infer_kind(sample_label)
        if kind == "categorical" and "text" in self.supported_kinds:
            return True
        if kind == "multilabel":
            return "multilabel" in self.supported_kinds or bool(self.multilabel_strategy_kinds)
        return kind in self.supported_kinds

    def unsupported_reason(self, kinds: list[str], strategy: str) -> str | None:
        """Why this scorer cannot score tasks of these kinds with this strategy (None = it can).

        Args:
            kinds: Kind of each task of the config, in order.
            strategy: "single", "multitask" or "multilabel".

        Returns:
            A human-readable reason, or None.
        """
        if strategy == "multilabel":
            bad = [k for k in kinds if k not in self.multilabel_strategy_kinds]
            if bad:
                ok = sorted(self.multilabel_strategy_kinds) or "none"
                return (
                    f"the multilabel strategy of {type(self).__name__} combines tasks of kind "
                    f"{ok!r}; got {sorted(set(bad))!r}"
                )
            return None
        bad = [k for k in kinds if k not in self.supported_kinds]
        if bad:
            return (
                f"{type(self).__name__} scores tasks of kind {sorted(self.supported_kinds)!r}; got "
                f"{sorted(set(bad))!r}"
            )
        return None

    # ------------------------------------------------------------------ scoring
    async def compute_score_async(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame,
        task_name: str,
        judge_id: str,
        aggregation_mode: TaskAggregationMode,
        annotator_aggregation: str | None = None,
    ) -> BaseScoringResult:
        """Score one judge against all humans (see the scorer's class docstring).

        Args:
            judge_data: Columns ``original_id``, ``label``.
            human_data: Columns ``original_id``, ``human_id``, ``label``.
            task_name: The task (or "+"-joined tasks).
            judge_id: The judge.
            aggregation_mode: How tasks were combined.
            annotator_aggregation: "individual_average" or "majority_vote" (default: the
                running config's, else individual_average).

        Returns:
            The result; undefined statistics are nan with the reason in
            ``metadata["warnings"]``.
        """
        await self._prefetch(judge_data, human_data)
        ctx = current_task_context()
        aggregation = annotator_aggregation or (
            ctx.annotator_aggregation if ctx is not None else "individual_average"
        )
        extra: dict[str, Any] = {"annotator_aggregation": aggregation}
        notes: list[str] = []
        if aggregation != "individual_average" and self.is_agreement_metric:
            msg = (
                f"{self.scorer_name} is an agreement metric: {aggregation} would erase the "
                "disagreement between humans it measures; using individual_average instead"
            )
            self.logger.warning("%s (judge %r, task %r)", msg, judge_id, task_name)
            notes.append(msg)
            extra["aggregation_fallback"] = "individual_average"
            aggregation = "individual_average"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = self._score(judge_data, human_data, ctx, aggregation)
        for w in caught:
            text = str(w.message)
            if text not in notes:
                notes.append(text)
            # DEBUG: one record per caught warning (per pair/resample); the deduplicated
            # text is kept in metadata["warnings"] and shown in the report.
            self.logger.debug("judge %r, task %r: %s", judge_id, task_name, text)
        metadata = {**extra, **out.metadata}
        metadata["warnings"] = [*notes, *metadata.get("warnings", [])]
        return BaseScoringResult(
            scorer_name=self.scorer_name,
            task_name=task_name,
            judge_id=judge_id,
            scores=out.scores,
            metadata=metadata,
            aggregation_mode=aggregation_mode,
            num_comparisons=out.num_comparisons,
            failed_comparisons=out.failed_comparisons,
            **self.typed_fields(out.scores, metadata),
        )

    def headline_key(self) -> str:
        """The entry of ``scores`` a summary table shows (default: ``primary_score``)."""
        return self.primary_score or "score"

    def typed_fields(self, scores: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
        """The typed :class:`BaseScoringResult` fields read from finished scores and metadata.

        Args:
            scores: The result's ``scores``.
            metadata: The result's ``metadata`` (``ci_low``, ``ci_high``, ``human_ceiling``,
                ``warnings``).

        Returns:
            Keyword arguments ``headline``, ``headline_key``, ``higher_is_better``, ``ci_low``,
            ``ci_high``, ``human_ceiling``, ``verdict`` and ``warnings``.
        """
        key = self.headline_key()
        low, high = _float(metadata.get("ci_low")), _float(metadata.get("ci_high"))
        has_ci = math.isfinite(low) and math.isfinite(high)
        ceiling = metadata.get("human_ceiling")
        return {
            "headline": _float(scores.get(key)),
            "headline_key": key,
            "higher_is_better": bool(self.higher_is_better),
            "ci_low": low if has_ci else None,
            "ci_high": high if has_ci else None,
            "human_ceiling": None if ceiling is None else _float(ceiling),
            "verdict": self.verdict(scores, metadata),
            "warnings": [str(w) for w in metadata.get("warnings", [])],
        }

    def verdict(self, scores: dict[str, Any], metadata: dict[str, Any]) -> Verdict | None:
        """``"pass"`` / ``"fail"`` / ``"insufficient_data"`` where a test decides (default None)."""
        return None

    def nan_scores(self) -> dict[str, Any]:
        """The ``scores`` of a result whose computation failed (every score nan)."""
        return {self.headline_key(): float("nan")}

    async def _prefetch(self, judge_data: pl.DataFrame, human_data: pl.DataFrame) -> None:
        """Await what scoring needs from the network (e.g. embeddings); default: nothing."""
        return None

    def _score(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame,
        ctx: TaskContext | None,
        aggregation: str,
    ) -> Outcome:
        raise NotImplementedError

    # ------------------------------------------------------------------ charts
    def aggregate_results(
        self,
        results: list[BaseScoringResult],
        scores_dir: str,
        unique_name: str = "",
    ) -> None:
        """Write this scorer's charts for ``results`` into ``scores_dir`` (the seed's hook).

        The comparison driver does not call this for built-in scorers: the writer in
        :mod:`meta_evaluator.report` draws their charts (``chart_kind``) once per config. It is
        kept for code that calls it directly.

        Args:
            results: Every judge's result for one metric config.
            scores_dir: The project's ``scores/`` folder; the chart goes to the config's folder
                ``<scores_dir>/<scorer_name>/<unique_name>/``.
            unique_name: The metric config's unique name (folder and chart title).
        """
        from meta_evaluator.report._writer import write_charts

        write_charts(
            results, Path(scores_dir) / self.scorer_name / unique_name, scorer_name=self.scorer_name
        )


def _float(x: Any) -> float:
    return to_float(x)


# --------------------------------------------------------------------------- pairwise flow
class PairwiseScorer(BuiltinScorer):
    """Judge vs each human (or vs the consensus), the human ceiling and a bootstrap CI.

    Subclasses set ``primary_score`` and implement :meth:`_encoding`, :meth:`_pair` (the metric
    of a candidate row against a reference row on their shared items) and, for the CI, either
    :meth:`_item_values` (per-item values whose mean is the metric) or :meth:`_sum_features`
    (per-item additive features and the statistic of their sums); both run the one vectorised
    item bootstrap of :mod:`meta_evaluator.stats`. With neither there is no CI.
    """

    consensus_method: ClassVar[str] = (
        "per-item majority of the humans (ties: the first label in sorted order)"
    )

    def _encoding(self, ctx: TaskContext | None, sample: Any) -> str:
        return "codes"

    def _consensus(self, table: LabelTable) -> LabelTable:
        return consensus_table(table)

    def _prepare(self, table: LabelTable, ctx: TaskContext | None) -> LabelTable:
        return table

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        raise NotImplementedError

    def _item_values(
        self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray
    ) -> np.ndarray | None:
        return None

    def _extra_metadata(self, table: LabelTable) -> dict[str, Any]:
        return {}

    def _bootstrap(self, table: LabelTable) -> tuple[float, float, str] | None:
        """Item-level CI of the mean-over-humans score; default: per-item values or a loop."""
        n = table.n_items
        if self.n_resamples == 0 or n == 0:
            return None
        rows = [
            self._item_values(table, table.humans[i], table.judge) for i in range(table.n_humans)
        ]
        if all(r is not None for r in rows) and rows:
            from meta_evaluator.stats.kernels import bootstrap_mean_ci

            vals = np.vstack([np.asarray(r, dtype=np.float64) for r in rows])
            mask = np.isfinite(vals)
            lo, hi = bootstrap_mean_ci(
                np.where(mask, vals, 0.0).T,
                mask.T,
                n_resamples=self.n_resamples,
                confidence=CONFIDENCE,
                seed=BOOTSTRAP_SEED,
            )
            return float(lo), float(hi), "percentile bootstrap over items (mean over humans)"
        method = "percentile bootstrap over items (mean over humans)"
        spec = self._sum_features(table)
        if spec is not None:
            return _sums_ci(spec, self.n_resamples, method)

        def statistic(idx: np.ndarray) -> float:
            return nanmean(
                self._pair(table, table.humans[i, idx], table.judge[idx])
                for i in range(table.n_humans)
                if (table.humans_valid[i, idx] & table.judge_valid[idx]).any()
            )

        return _resampled_ci(statistic, n, self.n_resamples, method)

    def _sum_features(self, table: LabelTable) -> tuple[Any, SumStatistic] | None:
        """Per-item additive features and the statistic over their sums (None = no CI)."""
        return None

    def _score(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame,
        ctx: TaskContext | None,
        aggregation: str,
    ) -> Outcome:
        sample = judge_data.get_column("label").drop_nulls().head(1).to_list()
        table = build_table(
            judge_data,
            human_data,
            encoding=self._encoding(ctx, sample[0] if sample else None),  # type: ignore[arg-type]
            context=ctx,
        )
        table = self._prepare(table, ctx)
        key = self.primary_score or "score"
        meta: dict[str, Any] = {}
        scored = table
        if aggregation == "majority_vote":
            scored = self._consensus(table)
            meta["consensus"] = self.consensus_method
        elif aggregation in UNIFIED_AGGREGATIONS:
            scored = unified_table(table, aggregation)
            meta["consensus"] = f"per-item {aggregation} of the humans' labels"
        paired = scored.humans_valid & scored.judge_valid[None, :]
        per_human: dict[str, float] = {}
        per_n: dict[str, int] = {}
        failed = 0
        for i, h in enumerate(scored.human_ids):
            n_i = int(paired[i].sum())
            per_n[h] = n_i
            if n_i == 0:
                per_human[h] = float("nan")
                failed += 1
                continue
            per_human[h] = self._pair(scored, scored.humans[i], scored.judge)
        score = nanmean(per_human.values())
        if not per_human or not any(math.isfinite(v) for v in per_human.values()):
            reason = (
                "no item is labelled by both the judge and a human"
                if not paired.any()
                else "the metric is undefined for every human"
            )
            meta.setdefault("warnings", []).append(f"{self.scorer_name} is nan: {reason}")
        ci = self._bootstrap(scored) if math.isfinite(score) else None
        ceiling, per_ceiling = self._ceiling(table)
        meta.update(
            {
                "n_items": int(paired.any(axis=0).sum()),
                "n_humans": len(table.human_ids),
                "n_items_per_human": per_n,
                "per_human": per_human,
                "human_ceiling": ceiling,
                "per_human_ceiling": per_ceiling,
                **_ci_metadata(ci, self.n_resamples),
            }
        )
        if table.n_duplicates:
            meta.setdefault("warnings", []).append(
                f"dropped {table.n_duplicates} duplicate (sample, human) rows (kept the first)"
            )
        meta.update(self._extra_metadata(scored))
        return Outcome(
            scores={key: score},
            metadata=meta,
            num_comparisons=int(paired.sum()),
            failed_comparisons=failed,
        )

    def _ceiling(self, table: LabelTable) -> tuple[float, dict[str, float]]:
        """Each human against every other human on their shared items; mean over the others."""
        per: dict[str, float] = {}
        if table.n_humans < 2:
            return float("nan"), {h: float("nan") for h in table.human_ids}
        for i, h in enumerate(table.human_ids):
            vals = []
            for g in range(table.n_humans):
                if g == i:
                    continue
                if not (table.humans_valid[g] & table.humans_valid[i]).any():
                    continue
                vals.append(self._pair(table, table.humans[g], table.humans[i]))
            per[h] = nanmean(vals)
        return nanmean(per.values()), per


def require_encoding_kind(owner: str, ctx: TaskContext | None, allowed: set[str]) -> None:
    """Raise ScoringError when the task context's kind is not in ``allowed``."""
    if ctx is not None and ctx.kind not in allowed and not ctx.positional:
        raise ScoringError(f"{owner} cannot score {ctx.kind!r} labels")


# --------------------------------------------------------------------------- panel flow
class PanelScorer(BuiltinScorer):
    """A reliability coefficient over a panel of raters, with the judge as one more rater.

    The headline score is the coefficient over the judge plus all humans; ``human_ceiling`` is
    the coefficient over the humans alone (what the judge would need to match).
    ``per_human`` is the coefficient of the judge with each human alone and
    ``per_human_ceiling`` the mean of each human's pairwise coefficient with the other humans.
    Subclasses implement :meth:`_encoding` and :meth:`_stat` (raters x items -> float).
    """

    is_agreement_metric = True

    def _encoding(self, ctx: TaskContext | None) -> str:
        return "codes"

    def _stat(self, table: LabelTable, ratings: np.ndarray) -> float:
        raise NotImplementedError

    def _panel_metadata(self, table: LabelTable, panel: np.ndarray) -> dict[str, Any]:
        return {}

    def _panel(self, table: LabelTable) -> np.ndarray:
        return np.vstack([table.judge[None, :], table.humans])

    def _score(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame,
        ctx: TaskContext | None,
        aggregation: str,
    ) -> Outcome:
        table = build_table(
            judge_data,
            human_data,
            encoding=self._encoding(ctx),  # type: ignore[arg-type]
            context=ctx,
        )
        key = self.primary_score or "score"
        meta: dict[str, Any] = {}
        panel = self._panel(table)
        score = self._stat(table, panel) if table.n_items else float("nan")
        if not table.n_items:
            meta["warnings"] = [f"{self.scorer_name} is nan: no item labelled by judge and human"]
        ceiling = self._stat(table, table.humans) if table.n_humans >= 2 else float("nan")
        per_human: dict[str, float] = {}
        per_n: dict[str, int] = {}
        failed = 0
        for i, h in enumerate(table.human_ids):
            n_i = int((table.humans_valid[i] & table.judge_valid).sum())
            per_n[h] = n_i
            if n_i == 0:
                per_human[h] = float("nan")
                failed += 1
            else:
                per_human[h] = self._stat(table, panel[[0, i + 1]])
        per_ceiling: dict[str, float] = {}
        for i, h in enumerate(table.human_ids):
            vals = [
                self._stat(table, table.humans[[i, g]])
                for g in range(table.n_humans)
                if g != i and (table.humans_valid[i] & table.humans_valid[g]).any()
            ]
            per_ceiling[h] = nanmean(vals)
        ci = self._bootstrap(table, panel) if math.isfinite(score) else None
        meta.update(
            {
                "n_items": table.n_items,
                "n_humans": table.n_humans,
                "n_items_per_human": per_n,
                "per_human": per_human,
                f"{key}_with_judge": score,
                f"{key}_humans_only": ceiling,
                "human_ceiling": ceiling,
                "per_human_ceiling": per_ceiling,
                **_ci_metadata(ci, self.n_resamples),
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta.update(self._panel_metadata(table, panel))
        return Outcome(
            scores={key: score},
            metadata=meta,
            num_comparisons=int((table.humans_valid & table.judge_valid[None, :]).sum()),
            failed_comparisons=failed,
        )

    def _panel_features(
        self, table: LabelTable, panel: np.ndarray
    ) -> tuple[Any, SumStatistic] | None:
        """Per-item additive features of the with-judge coefficient (None = no CI)."""
        return None

    def _bootstrap(self, table: LabelTable, panel: np.ndarray) -> tuple[float, float, str] | None:
        """Percentile bootstrap over items of the with-judge coefficient (vectorised)."""
        if self.n_resamples == 0 or table.n_items == 0:
            return None
        method = "percentile bootstrap over items (with the judge)"
        spec = self._panel_features(table, panel)
        if spec is not None:
            return _sums_ci(spec, self.n_resamples, method)
        return _resampled_ci(
            lambda idx: self._stat(table, panel[:, idx]), table.n_items, self.n_resamples, method
        )


def _sums_ci(
    spec: tuple[Any, SumStatistic] | None, n_resamples: int, method: str
) -> tuple[float, float, str] | None:
    """CI of :func:`~meta_evaluator.stats.bootstrap_sums` replicates (None without features)."""
    if spec is None or n_resamples == 0:
        return None
    features, statistic = spec
    samples = bootstrap_sums(features, statistic, n_resamples=n_resamples, seed=BOOTSTRAP_SEED)
    return _percentile(samples, method)


def _resampled_ci(
    statistic: Callable[[np.ndarray], float], n_items: int, n_resamples: int, method: str
) -> tuple[float, float, str] | None:
    """CI of a statistic with no additive features (``stats.kernels.bootstrap_resamples``)."""
    if n_resamples == 0 or n_items == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        samples = bootstrap_resamples(
            statistic, n_items, n_resamples=n_resamples, seed=BOOTSTRAP_SEED
        )
    return _percentile(samples, method)


def _percentile(samples: np.ndarray, method: str) -> tuple[float, float, str] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lo, hi = percentile_ci(samples, confidence=CONFIDENCE)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return float(lo), float(hi), method
