"""Rating and chance-robust scorers: Gwet's AC1, correlations, MAE and RMSE.

* :class:`GwetAC1Scorer` is a panel coefficient (the judge as one more rater), like
  :class:`~meta_evaluator.scores.metrics.FleissKappaScorer`.
* :class:`CorrelationScorer`, :class:`MAEScorer` and :class:`RMSEScorer` compare the judge with
  each human on their shared items (then the mean over humans), like
  :class:`~meta_evaluator.scores.metrics.CohensKappaScorer`.

Numeric tasks (a ``[1, 2, 3, 4, 5]`` scale) are scored on their values; categorical tasks on the
position of each label in the schema order (``["low", "mid", "high"]`` -> 0, 1, 2), so an
ordered label set can be scored as a rating.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar, Literal

import numpy as np

from meta_evaluator.scores._aggregation import LabelTable, TaskContext
from meta_evaluator.scores.metrics._base import PairwiseScorer, PanelScorer, check_choice

__all__ = ["CorrelationScorer", "GwetAC1Scorer", "MAEScorer", "RMSEScorer"]

_METHODS = ("pearson", "spearman", "kendall")


class GwetAC1Scorer(PanelScorer):
    """Gwet's AC1 over the humans plus the judge as one more rater.

    ``AC1 = (p_a - p_e) / (1 - p_e)`` with ``p_a`` the mean share of agreeing rater pairs per item
    and ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)`` over the task's ``q`` schema labels (see
    :func:`meta_evaluator.stats.gwet_ac1`). Unlike kappa, AC1 stays high when raters agree on a
    dominant label (kappa's "paradox"), so it suits skewed tasks such as rare-harm flags. Missing
    ratings are fine. Range about -1..1; read it with the Landis & Koch bands
    (``metadata["interpretation"]``).

    ``scores["ac1"]`` is AC1 **with** the judge; ``metadata["human_ceiling"]`` (=
    ``ac1_humans_only``) is the humans' own AC1. ``per_human`` is AC1 of the judge with each
    human alone. No item with two ratings gives nan (reason in ``metadata["warnings"]``). List
    labels are compared as whole lists.

    Reference: Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. *British Journal of Mathematical and Statistical Psychology*
    61(1), 29-48. doi:10.1348/000711006X126600.

    Args:
        n_resamples: Bootstrap resamples for the CI of the with-judge AC1 (0 = no CI).

    Example:
        >>> GwetAC1Scorer().scorer_name
        'gwet_ac1'
    """

    primary_score = "ac1"
    ylabel: ClassVar[str] = "Gwet's AC1"

    def __init__(self, *, n_resamples: int = 200) -> None:
        super().__init__(scorer_name="gwet_ac1", n_resamples=n_resamples)

    def label(self) -> str:
        """``ac1``."""
        return "ac1"

    def _stat(self, table: LabelTable, ratings: np.ndarray) -> float:
        from meta_evaluator.stats._fleiss import _counts
        from meta_evaluator.stats._reliability import _ac1_from_counts

        q = max(table.n_labels, 1)
        return _ac1_from_counts(_counts(ratings, q).astype(np.float64), q, func="gwet_ac1")

    def _panel_metadata(self, table: LabelTable, panel: np.ndarray) -> dict[str, Any]:
        from meta_evaluator.stats._agreement import kappa_interpretation

        value = self._stat(table, panel) if table.n_items else float("nan")
        return {"interpretation": kappa_interpretation(value), "n_categories": table.n_labels}


class _NumericPairScorer(PairwiseScorer):
    """Judge vs each human on values: numeric labels, or schema positions of categories."""

    supported_kinds: ClassVar[frozenset[str]] = frozenset({"categorical", "numeric"})
    multilabel_strategy_kinds: ClassVar[frozenset[str]] = frozenset()
    consensus_method: ClassVar[str] = (
        "per-item majority of the humans' values (ties: the smallest value)"
    )

    def _encoding(self, ctx: TaskContext | None, sample: Any) -> str:
        if ctx is not None:
            return "values" if ctx.kind == "numeric" else "codes"
        is_number = isinstance(sample, int | float) and not isinstance(sample, bool)
        return "values" if is_number else "codes"

    def _prepare(self, table: LabelTable, ctx: TaskContext | None) -> LabelTable:
        if table.encoding == "values":
            return table
        # schema position of each category as its value
        judge = np.where(table.judge_valid, table.judge, np.nan).astype(np.float64)
        humans = np.where(table.humans_valid, table.humans, np.nan).astype(np.float64)
        return replace(table, encoding="values", judge=judge, humans=humans)

    def _extra_metadata(self, table: LabelTable) -> dict[str, Any]:
        return {"scale": "values" if not table.labels else "schema positions"}


class CorrelationScorer(_NumericPairScorer):
    """Correlation of the judge's ratings with each human's, then the mean over humans.

    ``method="pearson"`` (linear), ``"spearman"`` (rank; any monotone relation) or ``"kendall"``
    (tau-b; robust to ties, typical of 1-5 scales); see :func:`meta_evaluator.stats.pearson`,
    :func:`~meta_evaluator.stats.spearman` and :func:`~meta_evaluator.stats.kendall_tau`. Range
    -1..1, higher is better. A correlation ignores a constant offset (a judge that always rates one
    point higher correlates perfectly), so read :class:`MAEScorer` beside it.

    ``metadata["per_human"]`` / ``per_human_pvalue`` give each pair's coefficient and two-sided
    p-value; ``human_ceiling`` is the mean human-vs-human correlation. A constant rater, or fewer
    than two shared items, gives nan for that pair (reason in ``metadata["warnings"]``).
    CI: item-level percentile bootstrap of the mean over humans.

    Args:
        method: ``"pearson"`` (default), ``"spearman"`` or ``"kendall"``.
        n_resamples: Bootstrap resamples for the CI (0 = no CI; each resample recomputes every
            pair, so the default is 200).

    Example:
        >>> CorrelationScorer(method="spearman").label()
        'correlation(spearman)'
    """

    primary_score = "correlation"
    ylabel: ClassVar[str] = "correlation"

    def __init__(
        self,
        method: Literal["pearson", "spearman", "kendall"] = "pearson",
        *,
        n_resamples: int = 200,
    ) -> None:
        check_choice(type(self).__name__, "method", method, _METHODS)
        super().__init__(scorer_name="correlation", n_resamples=n_resamples)
        self.method = method

    def label(self) -> str:
        """``correlation(pearson)``, ``correlation(spearman)`` or ``correlation(kendall)``."""
        return f"correlation({self.method})"

    def _result(self, reference: np.ndarray, candidate: np.ndarray) -> Any:
        from meta_evaluator.stats import kendall_tau, pearson, spearman

        func = {"pearson": pearson, "spearman": spearman, "kendall": kendall_tau}[self.method]
        return func(reference, candidate)

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        return float(self._result(reference, candidate).statistic)

    def _extra_metadata(self, table: LabelTable) -> dict[str, Any]:
        pvalues: dict[str, float] = {}
        for i, h in enumerate(table.human_ids):
            if (table.humans_valid[i] & table.judge_valid).sum() >= 2:
                pvalues[h] = float(self._result(table.humans[i], table.judge).pvalue)
            else:
                pvalues[h] = float("nan")
        return {
            **super()._extra_metadata(table),
            "method": self.method,
            "per_human_pvalue": pvalues,
        }


class MAEScorer(_NumericPairScorer):
    """Mean absolute error of the judge's ratings against each human's, then the mean.

    ``mae = mean |judge_i - human_i|`` over the items both rated (see
    :func:`meta_evaluator.stats.mae`), in the rating's units; 0 = identical, **lower is better**.
    ``human_ceiling`` is the mean human-vs-human MAE: a judge at or below it errs no more than a
    human does. ``majority_vote`` compares with the per-item majority rating. CI: item-level
    percentile bootstrap of the mean over humans.

    Args:
        n_resamples: Bootstrap resamples for the CI (0 = no CI).

    Example:
        >>> MAEScorer().higher_is_better
        False
    """

    primary_score = "mae"
    higher_is_better = False
    ylabel: ClassVar[str] = "mean absolute error"

    def __init__(self, *, n_resamples: int = 1000) -> None:
        super().__init__(scorer_name="mae", n_resamples=n_resamples)

    def _item_values(
        self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray
    ) -> np.ndarray:
        out: np.ndarray = np.abs(candidate - reference)
        return out

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats import mae

        return mae(reference, candidate)


class RMSEScorer(_NumericPairScorer):
    """Root mean squared error of the judge's ratings against each human's, then the mean.

    ``rmse = sqrt(mean (judge_i - human_i)**2)`` over the shared items (see
    :func:`meta_evaluator.stats.rmse`); it punishes large misses more than :class:`MAEScorer`.
    **Lower is better**; ``human_ceiling`` is the mean human-vs-human RMSE. CI: item-level
    percentile bootstrap of the mean over humans.

    Args:
        n_resamples: Bootstrap resamples for the CI (0 = no CI; each resample recomputes every
            pair, so the default is 200).

    Example:
        >>> RMSEScorer().scorer_name
        'rmse'
    """

    primary_score = "rmse"
    higher_is_better = False
    ylabel: ClassVar[str] = "root mean squared error"

    def __init__(self, *, n_resamples: int = 200) -> None:
        super().__init__(scorer_name="rmse", n_resamples=n_resamples)

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats import rmse

        return rmse(reference, candidate)
