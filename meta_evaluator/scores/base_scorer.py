"""BaseScorer: the interface every scorer (built-in or custom) implements.

A scorer receives, for one judge and one task (or task combination):

* ``judge_data``: columns ``original_id``, ``label``
* ``human_data``: columns ``original_id``, ``human_id``, ``label``

and returns a :class:`~meta_evaluator.scores.base_scoring_result.BaseScoringResult`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from meta_evaluator.scores.base_scoring_result import BaseScoringResult
    from meta_evaluator.scores.enums import TaskAggregationMode

__all__ = ["BaseScorer"]


class BaseScorer(ABC):
    """Base class of all scorers.

    Subclasses call ``super().__init__(scorer_name="...")`` and implement
    :meth:`can_score_task` and :meth:`compute_score_async`; :meth:`aggregate_results`
    (charts across judges) is optional.

    Class attributes:
        is_agreement_metric: True for metrics that measure agreement between individual raters
            (kappa, alt-test, alpha). They do not support ``majority_vote``: a warning is logged
            and ``individual_average`` is used instead.
        primary_score: The key of ``scores`` shown in summaries (None = every numeric key).
        higher_is_better: Whether a higher primary score is better (for highlighting).
    """

    is_agreement_metric: bool = False
    primary_score: str | None = None
    higher_is_better: bool = True

    def __init__(self, scorer_name: str) -> None:
        self.scorer_name = scorer_name
        self.logger = logging.getLogger(f"meta_evaluator.scores.{scorer_name}")

    @abstractmethod
    def can_score_task(self, sample_label: Any) -> bool:
        """Return True if this scorer can score labels like ``sample_label``."""

    @abstractmethod
    async def compute_score_async(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame,
        task_name: str,
        judge_id: str,
        aggregation_mode: TaskAggregationMode,
        annotator_aggregation: str = "individual_average",
    ) -> BaseScoringResult:
        """Score one judge against all humans.

        Args:
            judge_data: One judge's labels (columns ``original_id``, ``label``).
            human_data: Human labels (columns ``original_id``, ``human_id``, ``label``).
            task_name: The task (or "+"-joined tasks) being scored.
            judge_id: The judge being scored.
            aggregation_mode: How tasks were combined.
            annotator_aggregation: The config's ``"individual_average"`` or ``"majority_vote"``
                (the original's sixth argument). The driver passes it only to scorers whose
                ``compute_score_async`` takes a sixth argument, so five-argument scorers (the
                seed's ``MyCustomScorer``) keep working.

        Returns:
            The scoring result.
        """

    def aggregate_results(
        self,
        results: list[BaseScoringResult],
        scores_dir: str,
        unique_name: str = "",
    ) -> None:
        """Optionally write charts that compare all judges (default: nothing).

        Args:
            results: The results of every judge for one metric config.
            scores_dir: The project's ``scores/`` folder (as the original passes it); this
                config's folder is ``<scores_dir>/<scorer_name>/<unique_name>/``.
            unique_name: The metric config's unique name (its folder name).
        """
        return None

    def label(self) -> str:
        """A short readable name with the options that change the number (e.g. ``kappa(linear)``).

        It starts the derived name of a metric config
        (:meth:`~meta_evaluator.scores.MetricConfig.label`); the default is ``scorer_name``.
        """
        return self.scorer_name

    def config_params(self) -> dict[str, Any]:
        """Constructor parameters that identify this scorer's configuration (for hashing/state).

        The default returns public instance attributes holding plain values.
        """
        return {
            k: v
            for k, v in sorted(vars(self).items())
            if not k.startswith("_")
            and k not in ("logger", "scorer_name")
            and isinstance(v, str | int | float | bool | tuple | list | type(None))
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config_params().items())
        return f"{type(self).__name__}({params})"
