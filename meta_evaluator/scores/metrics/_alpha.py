"""Krippendorff's alpha with the judge as one more rater."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from meta_evaluator.scores._aggregation import LabelTable, TaskContext
from meta_evaluator.scores.metrics._base import PanelScorer, check_choice

__all__ = ["KrippendorffAlphaScorer"]

_LEVELS = ("nominal", "ordinal", "interval", "ratio")


class KrippendorffAlphaScorer(PanelScorer):
    """Krippendorff's alpha over the humans plus the judge as one more rater.

    ``alpha = 1 - D_o / D_e`` (observed over expected disagreement, from the coincidence matrix
    of all pairable values; see :func:`meta_evaluator.stats._alpha.krippendorff_alpha`). It
    handles missing ratings and any number of raters. Range: 1 perfect reliability, 0 chance
    level, < 0 systematic disagreement; Krippendorff suggests relying on data with alpha >= 0.8.

    ``scores["alpha"]`` is alpha **with** the judge; ``metadata["human_ceiling"]`` (=
    ``alpha_humans_only``) is the humans' own alpha, the ceiling a judge that rates like one
    more human keeps. ``per_human`` is alpha of the judge paired with each human. Levels:
    "nominal" (categories), "ordinal" (the task's schema order), "interval" and "ratio" (numeric
    scales; for a categorical task the schema position is used as the value). All pairable values
    identical -> 1.0 by convention; no item with two ratings -> nan (reason in
    ``metadata["warnings"]``). List labels are compared as whole lists (nominal only).

    Reference: Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
    https://repository.upenn.edu/asc_papers/43

    Args:
        level: "nominal" (default), "ordinal", "interval" or "ratio".
        n_resamples: Bootstrap resamples for the CI of the with-judge alpha (0 = no CI; each
            resample recomputes alpha, so the default is 200).

    Example:
        >>> KrippendorffAlphaScorer(level="ordinal").level
        'ordinal'
    """

    primary_score = "alpha"
    ylabel: ClassVar[str] = "Krippendorff's alpha"

    def __init__(
        self,
        level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
        *,
        n_resamples: int = 200,
    ) -> None:
        check_choice(type(self).__name__, "level", level, _LEVELS)
        super().__init__(scorer_name="krippendorff_alpha", n_resamples=n_resamples)
        self.level = level

    def label(self) -> str:
        """``alpha(nominal)``, ``alpha(ordinal)``, ...: the level changes the number."""
        return f"alpha({self.level})"

    def unsupported_reason(self, kinds: list[str], strategy: str) -> str | None:
        """See the base class; only nominal alpha can compare list-valued labels."""
        reason = super().unsupported_reason(kinds, strategy)
        if (
            reason is None
            and self.level != "nominal"
            and (strategy == "multilabel" or "multilabel" in kinds)
        ):
            return (
                f"alpha at level {self.level!r} needs ordered single labels; list-valued "
                "labels are only comparable at level='nominal'"
            )
        return reason

    def _encoding(self, ctx: TaskContext | None) -> str:
        if self.level in ("interval", "ratio") and ctx is not None and ctx.kind == "numeric":
            return "values"
        if self.level in ("interval", "ratio") and ctx is None:
            return "values"
        return "codes"

    def _stat(self, table: LabelTable, ratings: np.ndarray) -> float:
        from meta_evaluator.stats._alpha import krippendorff_alpha

        if table.encoding == "codes":
            if self.level in ("interval", "ratio"):
                vals = np.where(ratings >= 0, ratings.astype(np.float64), np.nan)
                return krippendorff_alpha(vals, level=self.level)
            return krippendorff_alpha(ratings, level=self.level, n_labels=max(table.n_labels, 1))
        return krippendorff_alpha(ratings, level=self.level)
