"""The alternative annotator test (alt-test) as a scorer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from meta_evaluator._checks import to_float
from meta_evaluator.errors import ConfigError, ScoringError
from meta_evaluator.scores._context import TaskContext, infer_kind
from meta_evaluator.scores._tables import Encoding, build_table
from meta_evaluator.scores._trust import callable_import_path, callable_state
from meta_evaluator.scores.base_scoring_result import Verdict
from meta_evaluator.scores.metrics._base import BuiltinScorer, Outcome, check_choice

if TYPE_CHECKING:
    import polars as pl

    from meta_evaluator.stats.kernels import AltTestResult

__all__ = ["AltTestScorer"]

DEFAULT_EPSILONS = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30)
_SCORINGS = ("auto", "accuracy", "neg_rmse", "jaccard", "jaccard_macro")
_ENCODING: dict[str, Encoding] = {"accuracy": "codes", "neg_rmse": "values", "jaccard": "bitmask"}


class AltTestScorer(BuiltinScorer):
    """Can the judge replace a human? The alt-test of Calderon, Reichart & Dror (2025).

    Leave one human out; on each item that human labelled, score the judge and the human against
    the remaining humans (``scoring_function``); advantage indicators ``W^f = 1[S(judge) >=
    S(human)]`` and ``W^h = 1[S(human) >= S(judge)]``; a one-sided paired t-test (or Wilcoxon) of
    ``H0: rho^h - rho^f >= epsilon`` per human (multiplicative: ``rho^f <= (1 - epsilon)
    rho^h``); Benjamini-Yekutieli at ``q_fdr``. ``scores["winning_rate"]`` maps each epsilon in
    ``epsilons`` ("0.00".."0.30") to the share of humans whose null is rejected: the judge passes
    at ``epsilon`` iff that share is >= 0.5 (``metadata["passed"]``).
    ``scores["advantage_probability"]`` = mean over tested humans of ``rho^f`` (0..1; 0.5 = on
    par with a human). See :func:`meta_evaluator.stats.alt_test` for every convention.

    ``scoring_function="auto"`` picks "accuracy" for categorical tasks, "neg_rmse" for numeric
    scales and "jaccard" for list-valued labels. For the ``multilabel`` strategy the Jaccard is
    over the set of (task, value) **pairs**, i.e. positional: plain value sets would collapse
    "yes"/"no" answers of different tasks into the same element. With ``T`` tasks of which ``m``
    agree it is ``m / (2T - m)``: it depends only on which tasks agree, not on how their labels
    are spelled, and it is the set Jaccard the alt-test paper uses for multi-label annotations.

    ``scoring_function="jaccard_macro"`` (``multilabel`` strategy only) reproduces the original
    meta-evaluator's numbers: sklearn's macro Jaccard over the vector of task labels
    (:func:`meta_evaluator.stats._similarity.macro_jaccard`), each label *value* a class pooled
    across tasks, with the original's arithmetic (the judge's and the human's scores compared as
    floating-point means, so rounding can turn a mathematical tie into a win for one side). It is
    not the default because (1) the same agreement scores differently with different label
    spellings (with yes/no tasks, 2 of 3 tasks agreeing scores 1/3 or 1/2 depending on which
    answers agree; with task-specific labels always 1/2), so relabelling a task without changing
    any annotation changes the winning rate; and (2) its ties depend on summation order. The
    default is invariant to label spelling and task order, and treats exact ties as ties.

    ``scoring_function`` may also be a callable ``similarity(a, b) -> float`` (higher = more
    alike) applied to raw labels, e.g. ``difflib`` ratio for free-text tasks; it works for every
    task kind. A callable is stored in the project state by its import path (``module.name``); a
    lambda cannot be restored after ``load=True`` (re-add the metrics config).

    Humans with fewer than ``min_instances_per_human`` usable items are skipped and listed in
    ``metadata["skipped_humans"]`` with the reason in ``metadata["warnings"]``; with none left the
    scores are nan and the warnings say why. ``majority_vote`` is not supported (the test needs
    individual humans): a warning is logged and ``individual_average`` is used.

    Every option is an attribute that may be changed after construction, e.g.
    ``scorer.min_instances_per_human = 30``.

    Reference: Calderon, N., Reichart, R. & Dror, R. (2025). The Alternative Annotator Test for
    LLM-as-a-Judge. ACL 2025. arXiv:2501.10970.

    Args:
        epsilon: Margin of the verdict (``passed``), in [0, 1).
        epsilons: Margins reported in ``scores["winning_rate"]``.
        multiplicative_epsilon: Use the multiplicative null hypothesis.
        q_fdr: Benjamini-Yekutieli false discovery rate.
        min_instances_per_human: Items a human needs to be tested (the paper uses 30).
        min_humans_per_instance: Human labels an item needs to be kept (>= 2).
        scoring_function: "auto", "accuracy", "neg_rmse", "jaccard", "jaccard_macro" (the
            original meta-evaluator's multilabel scoring), or a callable similarity of two labels.
        test: "ttest" (the paper's) or "wilcoxon".

    Example:
        >>> s = AltTestScorer(multiplicative_epsilon=True)
        >>> s.min_instances_per_human = 10
        >>> s.scorer_name, s.min_instances_per_human
        ('alt_test', 10)
    """

    registry_name: ClassVar[str | None] = "alt_test"

    is_agreement_metric = True
    primary_score = None
    chart_kind: ClassVar[str] = "alt_test"
    supported_kinds: ClassVar[frozenset[str]] = frozenset({"categorical", "numeric", "multilabel"})
    multilabel_strategy_kinds: ClassVar[frozenset[str]] = frozenset({"categorical", "numeric"})

    def __init__(
        self,
        *,
        epsilon: float = 0.2,
        epsilons: tuple[float, ...] | list[float] = DEFAULT_EPSILONS,
        multiplicative_epsilon: bool = False,
        q_fdr: float = 0.05,
        min_instances_per_human: int = 30,
        min_humans_per_instance: int = 2,
        scoring_function: Literal["auto", "accuracy", "neg_rmse", "jaccard", "jaccard_macro"]
        | Callable[[Any, Any], float] = "auto",
        test: Literal["ttest", "wilcoxon"] = "ttest",
        n_resamples: int = 1000,
    ) -> None:
        # n_resamples: item-level bootstrap of the advantage probability (0 = no CI); the
        # verdict itself rests on the per-human p-values, not on this interval.
        super().__init__(scorer_name="alt_test", n_resamples=n_resamples)
        self.epsilon = epsilon
        self.epsilons = tuple(epsilons)
        self.multiplicative_epsilon = multiplicative_epsilon
        self.q_fdr = q_fdr
        self.min_instances_per_human = min_instances_per_human
        self.min_humans_per_instance = min_humans_per_instance
        self.scoring_function: Any = _resolve_callable(scoring_function)
        self.test = test
        self._validate()

    def _validate(self) -> None:
        from meta_evaluator.stats.kernels import check_alt_test_options

        if not callable(self.scoring_function):
            check_choice(type(self).__name__, "scoring_function", self.scoring_function, _SCORINGS)
        check_alt_test_options(**self._test_options())

    def _test_options(self) -> dict[str, Any]:
        """The options this scorer hands to the alt-test kernel (and validates)."""
        return {
            "epsilon": self.epsilon,
            "epsilons": tuple(self.epsilons),
            "multiplicative_epsilon": self.multiplicative_epsilon,
            "q_fdr": self.q_fdr,
            "min_instances_per_human": self.min_instances_per_human,
            "min_humans_per_instance": self.min_humans_per_instance,
            "test": self.test,
        }

    def unsupported_reason(self, kinds: list[str], strategy: str) -> str | None:
        """A callable similarity scores any kind of label; built-ins as the base class says."""
        if callable(self.scoring_function) and strategy != "multilabel":
            return None
        if self.scoring_function == "jaccard_macro" and strategy != "multilabel":
            return (
                "scoring_function='jaccard_macro' is the original meta-evaluator's scoring of "
                "task_strategy='multilabel'; use it with that strategy"
            )
        return super().unsupported_reason(kinds, strategy)

    def config_params(self) -> dict[str, Any]:
        """Constructor parameters; a callable ``scoring_function`` as ``"callable:module.name"``."""
        params = super().config_params()
        if callable(self.scoring_function):
            params["scoring_function"] = callable_state(self.scoring_function)
        return params

    def headline_key(self) -> str:
        """``advantage_probability``: the number with a CI; the winning rate decides the verdict."""
        return "advantage_probability"

    def verdict(self, scores: dict[str, Any], metadata: dict[str, Any]) -> Verdict | None:
        """``pass`` iff the winning rate at ``epsilon`` is >= 0.5; nan -> ``insufficient_data``.

        The rate is read from ``scores["winning_rate"]`` at ``metadata["epsilon"]`` (default:
        this scorer's ``epsilon``), so a multitask mean over tasks gets a verdict too.
        """
        eps = _num(metadata.get("epsilon", self.epsilon))
        rates = scores.get("winning_rate")
        rate = _num(rates.get(f"{eps:.2f}")) if isinstance(rates, dict) else float("nan")
        return _verdict(rate)

    def nan_scores(self) -> dict[str, Any]:
        """Failed computation: no winning rates and a nan advantage probability."""
        return {"winning_rate": {}, "advantage_probability": float("nan")}

    def label(self) -> str:
        """``alt_test(ε=0.2)``, plus the options that change the verdict when not the defaults."""
        opts = [f"ε={float(self.epsilon):g}"]
        if self.multiplicative_epsilon:
            opts.append("multiplicative")
        if callable(self.scoring_function):
            opts.append(getattr(self.scoring_function, "__name__", "custom"))
        elif self.scoring_function != "auto":
            opts.append(str(self.scoring_function))
        if self.test != "ttest":
            opts.append(str(self.test))
        if float(self.q_fdr) != 0.05:
            opts.append(f"q={float(self.q_fdr):g}")
        return f"alt_test({', '.join(opts)})"

    def _resolve_scoring(self, ctx: TaskContext | None, sample: Any) -> str:
        if self.scoring_function != "auto":
            return str(self.scoring_function)
        kind = ctx.kind if ctx is not None else infer_kind(sample)
        if kind == "numeric":
            return "neg_rmse"
        if kind == "multilabel":
            return "jaccard"
        return "accuracy"

    def _score(
        self,
        judge_data: pl.DataFrame,
        human_data: pl.DataFrame,
        ctx: TaskContext | None,
        aggregation: str,
    ) -> Outcome:
        from meta_evaluator.stats.kernels import alt_test

        self._validate()
        sample = judge_data.get_column("label").drop_nulls().head(1).to_list()
        scoring: Any
        if callable(self.scoring_function):
            scoring = self.scoring_function
        else:
            scoring = self._resolve_scoring(ctx, sample[0] if sample else None)
        scoring_name = scoring if isinstance(scoring, str) else None
        if scoring == "jaccard_macro":
            from meta_evaluator.stats._similarity import macro_jaccard

            scoring = macro_jaccard  # a similarity of two label vectors, on raw labels
        if scoring == "neg_rmse" and ctx is not None and ctx.kind != "numeric":
            raise ScoringError(
                f"AltTestScorer: scoring_function='neg_rmse' needs a numeric task; this task is "
                f"{ctx.kind!r}. Use scoring_function='auto'."
            )
        table = build_table(
            judge_data,
            human_data,
            encoding=_ENCODING.get(scoring, "text") if isinstance(scoring, str) else "text",
            context=ctx,
        )
        res = alt_test(
            table.judge,
            table.humans,
            human_ids=table.human_ids,
            mask=table.humans_valid,
            judge_mask=table.judge_valid,
            scoring=scoring,
            **self._test_options(),
            float_ties=scoring_name == "jaccard_macro",  # the original's arithmetic, see doc
        )
        nan = float("nan")
        hap = {
            h: [res.llm_advantage.get(h, nan), res.human_advantage.get(h, nan)]
            for h in table.human_ids
        }
        meta: dict[str, Any] = {
            "n_items": res.n_instances_used,
            "n_humans": table.n_humans,
            "n_items_per_human": dict(res.n_instances),
            "per_human": {h: res.llm_advantage.get(h, nan) for h in table.human_ids},
            "passed": res.passed,
            "winning_rate_at_epsilon": res.winning_rate,
            "llm_advantage": dict(res.llm_advantage),
            "human_advantage": dict(res.human_advantage),
            "human_advantage_probabilities": hap,
            "p_values": dict(res.p_values),
            "p_values_by_epsilon": dict(res.p_values_by_epsilon),
            "rejected": dict(res.rejected),
            "skipped_humans": list(res.skipped_humans),
            "scoring_function": scoring_name or getattr(scoring, "__name__", repr(scoring)),
            "epsilon": float(self.epsilon),
            "epsilons": [float(e) for e in self.epsilons],
            "multiplicative_epsilon": bool(self.multiplicative_epsilon),
            "q_fdr": float(self.q_fdr),
            "min_instances_per_human": int(self.min_instances_per_human),
            "min_humans_per_instance": int(self.min_humans_per_instance),
            "test": res.test,
            "ground_truth_method": "alt_test_procedure",
            **self._advantage_ci(res),
            "warnings": list(res.warnings),
        }
        verdict = _verdict(res.winning_rate)
        meta["verdict"] = verdict
        if verdict == "insufficient_data":
            meta["verdict_reason"] = next(
                (w for w in reversed(res.warnings) if "undefined" in w),
                "the alt-test could not run: no human could be tested",
            )
        tested = len(res.llm_advantage)
        return Outcome(
            scores={
                "winning_rate": dict(res.winning_rates),
                "advantage_probability": res.advantage_probability,
            },
            metadata=meta,
            num_comparisons=int(sum(res.n_instances.get(h, 0) for h in res.llm_advantage)),
            failed_comparisons=table.n_humans - tested,
        )

    def _advantage_ci(self, res: AltTestResult) -> dict[str, Any]:
        """Item-level percentile bootstrap CI of the advantage probability.

        rho = mean over tested humans of the share of their items where the judge's alignment
        is >= theirs; resampling items re-weights every human's indicators at once
        (:func:`~meta_evaluator.stats.bootstrap_mean_ci`). The winning rate has no CI: it is a
        multiple-testing verdict whose uncertainty is the per-human p-values.
        """
        from meta_evaluator.stats.kernels import bootstrap_mean_ci

        nan = float("nan")
        none = {"ci_low": nan, "ci_high": nan, "ci_method": "none", "n_resamples": 0}
        if self.n_resamples == 0 or res.judge_win_indicators is None:
            return none
        human_idx, item_idx, wins = res.judge_win_indicators
        if wins.size == 0:
            return none
        # the distinct items in ascending order and each indicator's index among them (what
        # np.unique(item_idx, return_inverse=True) gives), by counting instead of sorting
        present = np.bincount(item_idx) > 0
        items = np.flatnonzero(present)
        inverse = (np.cumsum(present) - 1)[item_idx]
        n_tested = int(human_idx.max()) + 1
        values = np.zeros((items.size, n_tested))
        mask = np.zeros((items.size, n_tested), dtype=bool)
        values[inverse, human_idx] = wins
        mask[inverse, human_idx] = True
        low, high = bootstrap_mean_ci(values, mask, n_resamples=self.n_resamples, seed=0)
        return {
            "ci_low": low,
            "ci_high": high,
            "ci_method": "item-level percentile bootstrap of advantage_probability",
            "ci_score": "advantage_probability",
            "ci_level": 0.95,
            "n_resamples": self.n_resamples,
        }


def _resolve_callable(value: Any) -> Any:
    """Turn a stored ``"callable:module.name"`` back into the function (state round trip)."""
    path = callable_import_path(value)
    if path is None:
        return value
    import importlib

    module, _, name = path.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(
            f"AltTestScorer: cannot restore scoring_function {path!r} ({exc}). Define it as a "
            "module-level function, or re-add the metrics config after loading the project."
        ) from exc
    if not callable(fn):
        raise ConfigError(f"AltTestScorer: scoring_function {path!r} is not callable.")
    return fn


def _verdict(rate: float) -> Verdict:
    if not np.isfinite(rate):
        return "insufficient_data"
    return "pass" if rate >= 0.5 else "fail"


def _num(x: Any) -> float:
    return to_float(x)
