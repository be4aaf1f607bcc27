"""Cohen's kappa (judge vs each human) and Fleiss' kappa (judge as one more rater)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from meta_evaluator.scores._aggregation import LabelTable
from meta_evaluator.scores.metrics._base import (
    BOOTSTRAP_SEED,
    CONFIDENCE,
    PairwiseScorer,
    PanelScorer,
    check_choice,
    nanmean,
)

__all__ = ["CohensKappaScorer", "FleissKappaScorer"]


def agreement_parts(
    reference: np.ndarray, candidate: np.ndarray, n_labels: int, weights: str | None
) -> tuple[float, float]:
    """Observed and chance agreement ``(p_o, p_e)`` behind a (weighted) kappa.

    With disagreement weights ``w`` scaled to a maximum of 1: ``p_o = 1 - sum(w O) / n`` and
    ``p_e = 1 - sum(w E) / n`` (``E = outer(rows, cols) / n``), so that
    ``kappa = (p_o - p_e) / (1 - p_e)``. nan when no item is paired.

    Example:
        >>> # O = [[2, 0], [1, 1]]: p_o = 3/4; rows (2, 2), cols (3, 1): p_e = (6 + 2) / 16
        >>> agreement_parts(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 0]), 2, None)
        (0.75, 0.5)
    """
    keep = (reference >= 0) & (candidate >= 0)
    n = int(keep.sum())
    k = max(n_labels, 1)
    if n == 0:
        return float("nan"), float("nan")
    conf = np.bincount(reference[keep] * k + candidate[keep], minlength=k * k).reshape(k, k)
    idx = np.arange(k, dtype=np.float64)
    diff = np.abs(idx[:, None] - idx[None, :])
    if weights is None:
        w = (diff > 0).astype(np.float64)
    elif weights == "linear":
        w = diff
    else:
        w = diff**2
    if w.max() > 0:
        w = w / w.max()
    expected = np.outer(conf.sum(axis=1), conf.sum(axis=0)) / n
    return float(1.0 - (w * conf).sum() / n), float(1.0 - (w * expected).sum() / n)


class CohensKappaScorer(PairwiseScorer):
    """Cohen's kappa of the judge against each human on their shared items, then the mean.

    ``kappa = (p_o - p_e) / (1 - p_e)`` (``p_o`` observed agreement, ``p_e`` agreement expected
    by chance from the two raters' label frequencies); weighted kappa uses linear or quadratic
    disagreement weights over the task's **schema order** (the order of the labels in
    ``task_schemas``, or of a numeric scale). Range -1..1: 1 perfect, 0 chance level, < 0 worse
    than chance; ``metadata["interpretation"]`` gives the Landis & Koch band of the score and
    ``observed_agreement`` / ``expected_agreement`` the mean ``p_o`` / ``p_e`` over humans.
    Kappa is undefined (nan, reason in ``metadata["warnings"]``) when the pair shares no item or
    both use one and the same label everywhere. ``majority_vote`` is not supported (an agreement
    metric): a warning is logged and ``individual_average`` is used.

    ``human_ceiling``: each human's kappa against the other humans (mean), for comparison.
    CI: item-level percentile bootstrap of the mean-over-humans kappa (seed 0).

    Reference: Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement* 20(1), 37-46; weighted: Cohen, J. (1968), *Psychological Bulletin*
    70(4), 213-220.

    Args:
        weights: None (nominal), "linear" or "quadratic".
        n_resamples: Bootstrap resamples for the CI (0 = no CI).

    Example:
        >>> CohensKappaScorer(weights="quadratic")
        CohensKappaScorer(n_resamples=1000, weights='quadratic')
    """

    is_agreement_metric = True
    primary_score = "kappa"
    ylabel: ClassVar[str] = "Cohen's kappa"

    def __init__(
        self,
        weights: Literal["linear", "quadratic"] | None = None,
        *,
        n_resamples: int = 1000,
    ) -> None:
        check_choice(type(self).__name__, "weights", weights, ("linear", "quadratic", None))
        super().__init__(scorer_name="cohens_kappa", n_resamples=n_resamples)
        self.weights = weights

    def label(self) -> str:
        """``kappa``, or ``kappa(linear)`` / ``kappa(quadratic)`` for weighted kappa."""
        return f"kappa({self.weights})" if self.weights else "kappa"

    def unsupported_reason(self, kinds: list[str], strategy: str) -> str | None:
        """See :meth:`BuiltinScorer.unsupported_reason`; weights need an ordered scalar label."""
        reason = super().unsupported_reason(kinds, strategy)
        if (
            reason is None
            and self.weights is not None
            and (strategy == "multilabel" or "multilabel" in kinds)
        ):
            return (
                f"weighted kappa (weights={self.weights!r}) needs ordered single labels; "
                "list-valued labels have no order. Use weights=None"
            )
        return reason

    def _pair(self, table: LabelTable, reference: np.ndarray, candidate: np.ndarray) -> float:
        from meta_evaluator.stats._agreement import cohen_kappa

        return cohen_kappa(
            reference, candidate, n_labels=max(table.n_labels, 1), weights=self.weights
        )

    def _bootstrap(self, table: LabelTable) -> tuple[float, float, str] | None:
        if self.n_resamples == 0 or table.n_items == 0:
            return None
        from meta_evaluator.stats._bootstrap import bootstrap_kappa_ci

        lo, hi = bootstrap_kappa_ci(
            table.judge,
            table.humans,
            n_labels=max(table.n_labels, 1),
            weights=self.weights,
            n_resamples=self.n_resamples,
            confidence=CONFIDENCE,
            seed=BOOTSTRAP_SEED,
        )
        return float(lo), float(hi), "percentile bootstrap over items (mean kappa over humans)"

    def _extra_metadata(self, table: LabelTable) -> dict[str, Any]:
        from meta_evaluator.stats._agreement import kappa_interpretation

        parts = [
            agreement_parts(table.humans[i], table.judge, table.n_labels, self.weights)
            for i in range(table.n_humans)
        ]
        score = nanmean(v for v in (self._pair_safe(table, i) for i in range(table.n_humans)))
        return {
            "interpretation": kappa_interpretation(score),
            "observed_agreement": nanmean(p for p, _ in parts),
            "expected_agreement": nanmean(e for _, e in parts),
            "weights": self.weights,
        }

    def _pair_safe(self, table: LabelTable, i: int) -> float:
        if not ((table.humans[i] >= 0) & (table.judge >= 0)).any():
            return float("nan")
        return self._pair(table, table.humans[i], table.judge)


class FleissKappaScorer(PanelScorer):
    """Fleiss' kappa over the humans plus the judge as one more rater.

    With ``N`` items each rated by ``n`` raters and ``n_ij`` raters choosing category ``j``:
    ``P_i = (sum_j n_ij^2 - n) / (n (n - 1))``, ``p_j = sum_i n_ij / (N n)`` and
    ``kappa = (mean P_i - sum p_j^2) / (1 - sum p_j^2)``. Range -1..1 (1 perfect, 0 chance).
    ``metadata["human_ceiling"]`` (= ``kappa_humans_only``) is the humans' own Fleiss kappa:
    a judge that rates like one more human keeps ``kappa`` near that ceiling.

    Fleiss' kappa needs the same number of ratings on every item: with sparse annotations the
    items carrying the most common number of ratings are kept and the others are dropped
    (``metadata["n_items_dropped"]``); use :class:`KrippendorffAlphaScorer` when many are
    missing. Undefined cases (one category only, fewer than 2 ratings) give nan with the reason
    in ``metadata["warnings"]``. List labels are compared as whole lists.

    Reference: Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin* 76(5), 378-382.

    Args:
        n_resamples: Bootstrap resamples for the CI of the with-judge kappa (0 = no CI; each
            resample recomputes kappa, so the default is 200).

    Example:
        >>> FleissKappaScorer().scorer_name
        'fleiss_kappa'
    """

    primary_score = "kappa"
    ylabel: ClassVar[str] = "Fleiss' kappa"

    def __init__(self, *, n_resamples: int = 200) -> None:
        super().__init__(scorer_name="fleiss_kappa", n_resamples=n_resamples)

    def _stat(self, table: LabelTable, ratings: np.ndarray) -> float:
        from meta_evaluator.stats._fleiss import fleiss_kappa, ratings_to_counts

        counts = ratings_to_counts(ratings, n_labels=max(table.n_labels, 1))
        m = counts.sum(axis=1)
        rated = m[m > 0]
        if rated.size:
            mode = int(np.bincount(rated).argmax())
            counts = counts[m == mode]
        return fleiss_kappa(counts)

    def _panel_metadata(self, table: LabelTable, panel: np.ndarray) -> dict[str, Any]:
        from meta_evaluator.stats._agreement import kappa_interpretation
        from meta_evaluator.stats._fleiss import ratings_to_counts

        m = ratings_to_counts(panel, n_labels=max(table.n_labels, 1)).sum(axis=1)
        rated = m[m > 0]
        mode = int(np.bincount(rated).argmax()) if rated.size else 0
        return {
            "n_raters_per_item": mode,
            "n_items_dropped": int((m != mode).sum()),
            "interpretation": kappa_interpretation(self._stat(table, panel))
            if table.n_items
            else "undefined",
        }
