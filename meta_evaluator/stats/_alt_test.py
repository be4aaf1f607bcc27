"""The alternative annotator test (alt-test) for LLM-as-a-judge.

Reference: N. Calderon, R. Reichart and R. Dror, "The Alternative Annotator Test for LLM-as-a-Judge:
How to Statistically Justify Replacing Human Annotators with LLMs", ACL 2025 (arXiv:2501.10970).
The procedure follows the authors' reference notebook (github.com/nitaytech/AltTest,
``alt_test_example.ipynb``) step by step; the kernel below computes the same numbers with array
operations instead of per-instance Python loops.

Procedure, for a judge ``f`` and humans ``h_1..h_m``:

1. Keep the items the judge labelled that carry at least ``min_humans_per_instance`` human
   labels.
2. Leave one human ``j`` out. On every kept item ``i`` that ``j`` labelled, score the judge and
   ``j`` against the *remaining* humans ``H_{-j}(i)`` with an alignment score ``S``: the mean over
   those humans of a per-pair score (``accuracy``: ``1[x == y]``; ``neg_rmse``:
   ``-sqrt(mean (x - y)^2)``; ``jaccard`` or a callable: the mean similarity). Advantage
   indicators: ``W^f_i = 1[S(f, i) >= S(h_j, i)]`` and ``W^h_i = 1[S(h_j, i) >= S(f, i)]`` (a tie
   counts for both).
3. Humans with fewer than ``min_instances_per_human`` such items are skipped (and reported).
4. Advantage probabilities ``rho^f_j = mean_i W^f_i`` and ``rho^h_j = mean_i W^h_i``.
5. One-sided test per human on the paired differences ``d_i = W^h_i - W^f_i``: additive
   ``H0: rho^h_j - rho^f_j >= eps`` (``d`` against ``eps``, alternative "less"), or multiplicative
   ``H0: rho^f_j <= (1 - eps) * rho^h_j``, tested as ``d_i = W^h_i - W^f_i / (1 - eps)`` against 0.
   Rejecting ``H0`` means the judge "wins" against human ``j``.
6. Benjamini-Yekutieli step-up at level ``q_fdr`` over the tested humans. Winning rate
   ``omega`` = share of tested humans whose null is rejected; the judge passes iff
   ``omega >= 0.5``. Advantage probability ``rho`` = mean of ``rho^f_j`` over the tested humans.

The multiplicative form is the one of the meta-evaluator API this package replaces
(``AltTestScorer(multiplicative_epsilon=True)``): ``d_i = W^h_i - W^f_i / (1 - eps)`` against 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from meta_evaluator.errors import ConfigError, UndefinedMetricWarning
from meta_evaluator.stats._similarity import jaccard_bitmask

__all__ = ["AltTestResult", "alt_test", "check_alt_test_options"]

_FUNC = "alt_test"
_DEFAULT_EPSILONS = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30)
_BUILTIN_SCORINGS = ("accuracy", "neg_rmse", "jaccard")
_TESTS = ("ttest", "wilcoxon")
_RTOL_TIE = 1e-9
"""Relative tolerance under which two float alignment scores are a tie (neg_rmse, similarities)."""

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Similarity = Callable[[Any, Any], float]


@dataclass(frozen=True, kw_only=True)
class AltTestResult:
    """Outcome of :func:`alt_test` for one judge against a pool of human annotators."""

    epsilon: float
    """The cost-benefit margin the verdict (``passed``, ``winning_rate``, ``rejected``) uses."""
    passed: bool
    """``winning_rate >= 0.5`` at ``epsilon``; False when the winning rate is undefined (nan)."""
    winning_rate: float
    """Share of tested humans whose null hypothesis is rejected after BY at ``epsilon`` (0..1)."""
    winning_rates: dict[str, float] = field(default_factory=dict)
    """Winning rate for every margin in ``epsilons``, keyed ``f"{eps:.2f}"`` ("0.00".."0.30")."""
    advantage_probability: float
    """``rho``: mean over tested humans of ``rho^f_j`` (the judge's advantage probability)."""
    llm_advantage: dict[str, float] = field(default_factory=dict)
    """``rho^f_j`` per tested human: share of j's items where the judge scores ``>=`` human j."""
    human_advantage: dict[str, float] = field(default_factory=dict)
    """``rho^h_j`` per tested human: share of j's items where human j scores ``>=`` the judge."""
    p_values: dict[str, float] = field(default_factory=dict)
    """Raw one-sided p-value per tested human at ``epsilon`` (before BY; nan when undefined)."""
    p_values_by_epsilon: dict[str, dict[str, float]] = field(default_factory=dict)
    """Raw p-values per human for every margin in ``epsilons``, keyed like ``winning_rates``."""
    rejected: dict[str, bool] = field(default_factory=dict)
    """Per tested human at ``epsilon``: null rejected after BY (the judge wins against them)."""
    n_instances: dict[str, int] = field(default_factory=dict)
    """Per human (tested or skipped): number of kept items that human labelled."""
    skipped_humans: list[str] = field(default_factory=list)
    """Humans with fewer than ``min_instances_per_human`` kept items (not tested)."""
    n_instances_used: int
    """Items with a judge label and at least ``min_humans_per_instance`` human labels."""
    warnings: list[str] = field(default_factory=list)
    """Human-readable notes: dropped items, skipped humans, undefined p-values, undefined rates."""
    test: str
    """The per-human test used: ``"ttest"`` (one-sample t-test) or ``"wilcoxon"`` (signed-rank)."""
    judge_win_indicators: tuple[IntArray, IntArray, BoolArray] | None = field(
        default=None, repr=False, compare=False
    )
    """``(human_index, item_index, W^f)`` for every kept annotation of a tested human: the raw
    material of ``advantage_probability`` (its item-level bootstrap uses it)."""


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


def alt_test(
    judge: Any,
    humans: Any,
    *,
    human_ids: Sequence[str] | None = None,
    mask: Any = None,
    judge_mask: Any = None,
    scoring: Literal["accuracy", "neg_rmse", "jaccard"] | Similarity = "accuracy",
    epsilon: float = 0.2,
    epsilons: Sequence[float] = _DEFAULT_EPSILONS,
    multiplicative_epsilon: bool = False,
    q_fdr: float = 0.05,
    min_instances_per_human: int = 30,
    min_humans_per_instance: int = 2,
    test: Literal["ttest", "wilcoxon"] = "ttest",
    float_ties: bool = False,
) -> AltTestResult:
    r"""Run the alternative annotator test (alt-test) of Calderon, Reichart & Dror (2025).

    Leave-one-annotator-out: for each human ``j`` and each item ``i`` that ``j`` labelled, the judge
    ``f`` and human ``j`` are scored against the other humans ``H_{-j}(i)``,
    ``S(x, i) = mean_{k in H_{-j}(i)} s(x, h_k(i))``, giving advantage indicators
    ``W^f_i = 1[S(f,i) >= S(h_j,i)]`` and ``W^h_i = 1[S(h_j,i) >= S(f,i)]``;
    ``rho^f_j = mean W^f``, ``rho^h_j = mean W^h``. A one-sided paired test per human rejects
    ``H0: rho^h_j - rho^f_j >= eps`` (additive) or ``H0: rho^f_j <= (1 - eps) rho^h_j``
    (multiplicative, tested as ``mean(W^h - W^f / (1 - eps)) >= 0``); Benjamini-Yekutieli at
    ``q_fdr`` corrects for the number of humans. Winning rate ``omega`` = rejected / tested, in
    [0, 1]; the judge *passes* (may replace the humans) iff ``omega >= 0.5``. Advantage probability
    ``rho = mean_j rho^f_j`` in [0, 1] ranks judges (higher is better; 0.5 = on par with a human).

    Per-pair scores ``s``: ``"accuracy"`` ``1[x == y]``; ``"neg_rmse"`` the alignment score is
    ``-sqrt(mean_k (x - h_k)^2)`` (the authors' negative RMSE over the remaining humans);
    ``"jaccard"`` ``|x & y| / |x | y|`` on label sets (two empty sets score 1); a callable
    ``similarity(pred, annotation) -> float``, averaged over the remaining humans (the authors'
    ``sim``). Exact-integer scores (accuracy, integer ratings) are compared exactly; float scores
    within a relative ``1e-9`` are a tie, so that summation order never decides a win.

    Edge cases: items without a judge label or with fewer than ``min_humans_per_instance``
    humans are dropped; humans with fewer than ``min_instances_per_human`` kept items are skipped
    and listed in ``skipped_humans`` (with a note in ``warnings``). t-test with zero variance:
    scipy's convention (``p = 0`` if the constant difference lies below the null value, ``1``
    above it, nan when equal, e.g. all ties at ``eps = 0``); fewer than 2 instances gives nan.
    Wilcoxon: scipy's default ``zero_method="wilcox"`` drops zero differences (ties at
    ``eps = 0``); all differences zero gives nan. A nan p-value is never rejected but still counts
    in BY's ``m`` and in the winning-rate denominator, as in the authors' code. No testable human:
    winning rates and ``rho`` are nan, ``passed`` is False, and
    :class:`~meta_evaluator.errors.UndefinedMetricWarning` is emitted.

    Args:
        judge: Judge labels, shape ``(n_items,)``. ``"accuracy"``: integer codes, ``-1`` = missing;
            ``"neg_rmse"``: floats, ``nan`` = missing; ``"jaccard"``: int64 bitmasks (bit k =
            label k); callable: an object array. A missing judge label drops the item.
        humans: Human labels, shape ``(n_humans, n_items)``, encoded like ``judge``.
        human_ids: Names of the humans (rows of ``humans``); default ``"h0", "h1", ...``.
        mask: Optional bool array ``(n_humans, n_items)``, True where the human labelled the item.
            Required to mark missing labels for ``"jaccard"`` and callables; combined (AND) with the
            encoding's own missing marker for ``"accuracy"`` and ``"neg_rmse"``.
        judge_mask: Optional bool array ``(n_items,)``, True where the judge labelled the item.
        scoring: ``"accuracy"``, ``"neg_rmse"``, ``"jaccard"`` or a similarity callable.
        epsilon: The margin for the verdict, in [0, 1). Suggested: 0.2 experts, 0.15 skilled
            annotators, 0.1 crowd-workers.
        epsilons: Margins for ``winning_rates`` (each in [0, 1)).
        multiplicative_epsilon: Use the multiplicative null ``rho^f <= (1 - eps) rho^h``.
        q_fdr: False discovery rate for the Benjamini-Yekutieli correction, in (0, 1).
        min_instances_per_human: Minimum kept items for a human to be tested (>= 1).
        min_humans_per_instance: Minimum human labels for an item to be kept (>= 2).
        test: ``"ttest"`` (one-sample t-test, the paper's choice) or ``"wilcoxon"`` (signed-rank,
            recommended by the authors below 30 instances).
        float_ties: Callable scoring only: compare the judge's and the human's scores as
            ``float(np.mean(...))`` values exactly, as the original meta-evaluator does (rounding
            can then split a mathematical tie); default False treats ties within a relative
            ``1e-9`` as ties.

    Returns:
        An :class:`AltTestResult`.

    Raises:
        ConfigError: An option is out of range, or the arrays have the wrong shape or dtype.

    Examples:
        Three humans and a judge on 6 items; the judge copies the majority label everywhere.

        >>> import numpy as np
        >>> judge = np.array([0, 1, 1, 0, 1, 0])
        >>> humans = np.array([[0, 1, 1, 0, 1, 0],
        ...                    [0, 1, 0, 0, 1, 0],
        ...                    [0, 1, 1, 0, 1, 1]])
        >>> res = alt_test(judge, humans, min_instances_per_human=3)
        >>> res.advantage_probability  # the judge is never worse than the left-out human
        1.0
        >>> res.human_advantage  # h1 and h2 each disagree with the others once: 5/6
        {'h0': 1.0, 'h1': 0.8333333333333334, 'h2': 0.8333333333333334}

        Six items are too few to reject ``rho^h - rho^f >= 0.2`` for h1 and h2 after BY (their
        p = 0.0395 exceeds the BY thresholds 0.0182 and 0.0273 for m = 3); h0 ties everywhere.

        >>> res.winning_rate, res.passed
        (0.3333333333333333, False)
        >>> res.winning_rates["0.30"]
        1.0
    """
    scoring_name = _check_scoring(scoring)
    check_alt_test_options(
        epsilon=epsilon,
        epsilons=epsilons,
        multiplicative_epsilon=multiplicative_epsilon,
        q_fdr=q_fdr,
        min_instances_per_human=min_instances_per_human,
        min_humans_per_instance=min_humans_per_instance,
        test=test,
    )
    f, a, present, judge_ok = _prepare_arrays(judge, humans, mask, judge_mask, scoring_name)
    n_humans, n_items = a.shape
    ids = _check_human_ids(human_ids, n_humans)
    eps_keys = [f"{float(e):.2f}" for e in epsilons]

    notes: list[str] = []
    n_per_item = present.sum(axis=0)
    keep = judge_ok & (n_per_item >= min_humans_per_instance)
    n_no_judge = int((~judge_ok & (n_per_item > 0)).sum())
    n_few = int((judge_ok & (n_per_item > 0) & (n_per_item < min_humans_per_instance)).sum())
    if n_no_judge:
        notes.append(f"dropped {n_no_judge} items without a judge label")
    if n_few:
        notes.append(
            f"dropped {n_few} items with fewer than {min_humans_per_instance} human annotations"
        )
    present = present & keep[None, :]
    rows, cols = np.nonzero(present)

    if scoring_name == "accuracy":
        wf, wh = _indicators_accuracy(f, a, rows, cols)
    elif scoring_name == "neg_rmse":
        wf, wh = _indicators_neg_rmse(f, a, rows, cols, n_items)
    elif scoring_name == "jaccard":
        wf, wh = _indicators_jaccard(f, a, present, rows, cols)
    else:
        assert callable(scoring)
        wf, wh = _indicators_callable(f, a, present, rows, cols, scoring, float_ties=float_ties)

    # per-human counts of strict judge wins, strict human wins, and ties
    n_inst = np.bincount(rows, minlength=n_humans)
    n_fw = np.bincount(rows[wf & ~wh], minlength=n_humans)
    n_hw = np.bincount(rows[wh & ~wf], minlength=n_humans)
    n_tie = np.bincount(rows[wf & wh], minlength=n_humans)

    tested = n_inst >= min_instances_per_human
    skipped = [ids[j] for j in range(n_humans) if not tested[j]]
    for j in range(n_humans):
        if not tested[j]:
            notes.append(
                f"skipped human {ids[j]!r}: {int(n_inst[j])} instances < "
                f"min_instances_per_human={min_instances_per_human}"
            )
    t_idx = np.flatnonzero(tested)
    t_ids = [ids[j] for j in t_idx]
    counts = (n_fw[t_idx], n_hw[t_idx], n_tie[t_idx])
    n_t = n_inst[t_idx]

    if t_idx.size == 0:
        msg = (
            f"alt_test: no human has at least min_instances_per_human={min_instances_per_human} "
            f"instances (on {int(keep.sum())} items with a judge label and >= "
            f"{min_humans_per_instance} humans); winning rate and advantage probability are "
            "undefined (nan)"
        )
        notes.append(msg)
        warnings.warn(msg, UndefinedMetricWarning, stacklevel=2)
        nan = float("nan")
        return AltTestResult(
            epsilon=float(epsilon),
            passed=False,
            winning_rate=nan,
            winning_rates=dict.fromkeys(eps_keys, nan),
            advantage_probability=nan,
            p_values_by_epsilon={k: {} for k in eps_keys},
            n_instances={ids[j]: int(n_inst[j]) for j in range(n_humans)},
            skipped_humans=skipped,
            n_instances_used=int(keep.sum()),
            warnings=notes,
            test=test,
        )

    rho_f = (counts[0] + counts[2]) / n_t
    rho_h = (counts[1] + counts[2]) / n_t

    def evaluate(eps: float) -> tuple[FloatArray, BoolArray]:
        if test == "ttest":
            p = _ttest_pvalues(*counts, eps=eps, multiplicative=multiplicative_epsilon)
        else:
            p = _wilcoxon_pvalues(*counts, eps=eps, multiplicative=multiplicative_epsilon)
        return p, _by_reject(p, q_fdr)

    p_main, rej_main = evaluate(float(epsilon))
    for name, pv in zip(t_ids, p_main, strict=True):
        if math.isnan(pv):
            notes.append(
                f"p-value undefined (nan) for human {name!r} at epsilon {float(epsilon):.2f} "
                "(constant or empty differences); counted as not rejected"
            )
    winning_rates: dict[str, float] = {}
    p_by_eps: dict[str, dict[str, float]] = {}
    for key, eps in zip(eps_keys, epsilons, strict=True):
        p, rej = (p_main, rej_main) if float(eps) == float(epsilon) else evaluate(float(eps))
        winning_rates[key] = float(rej.sum() / rej.size)
        p_by_eps[key] = {name: float(v) for name, v in zip(t_ids, p, strict=True)}

    winning_rate = float(rej_main.sum() / rej_main.size)
    return AltTestResult(
        epsilon=float(epsilon),
        passed=bool(winning_rate >= 0.5),
        winning_rate=winning_rate,
        winning_rates=winning_rates,
        advantage_probability=float(np.mean(rho_f)),
        llm_advantage={name: float(v) for name, v in zip(t_ids, rho_f, strict=True)},
        human_advantage={name: float(v) for name, v in zip(t_ids, rho_h, strict=True)},
        p_values={name: float(v) for name, v in zip(t_ids, p_main, strict=True)},
        p_values_by_epsilon=p_by_eps,
        rejected={name: bool(v) for name, v in zip(t_ids, rej_main, strict=True)},
        n_instances={ids[j]: int(n_inst[j]) for j in range(n_humans)},
        skipped_humans=skipped,
        n_instances_used=int(keep.sum()),
        warnings=notes,
        test=test,
        judge_win_indicators=_tested_indicators(rows, cols, wf, tested),
    )


def _tested_indicators(
    rows: IntArray, cols: IntArray, wf: BoolArray, tested: BoolArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """The (human, item, W^f) triples of tested humans, humans re-indexed 0..n_tested-1."""
    keep = tested[rows]
    new_index = np.cumsum(tested) - 1
    return new_index[rows[keep]], cols[keep], wf[keep]


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _check_scoring(scoring: Any) -> str:
    if callable(scoring):
        return "callable"
    if isinstance(scoring, str) and scoring in _BUILTIN_SCORINGS:
        return scoring
    raise ConfigError(
        f"The 'scoring' parameter of {_FUNC} must be one of 'accuracy', 'neg_rmse', 'jaccard' or a "
        f"callable similarity(pred, annotation) -> float; got {scoring!r}."
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _check_eps(value: Any, *, param: str) -> None:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (0.0 <= float(value) < 1.0):
        raise ConfigError(
            f"The {param!r} parameter of {_FUNC} must be a number in [0, 1) (the cost-benefit "
            f"margin, e.g. 0.2 for experts); got {value!r}."
        )


def check_alt_test_options(
    *,
    epsilon: Any,
    epsilons: Any,
    multiplicative_epsilon: Any,
    q_fdr: Any,
    min_instances_per_human: Any,
    min_humans_per_instance: Any,
    test: Any,
) -> None:
    """Validate the alt-test options of :func:`alt_test` (one message format, ``ConfigError``).

    Raises:
        ConfigError: An option is out of range or of the wrong type.
    """
    _check_eps(epsilon, param="epsilon")
    if isinstance(epsilons, str) or not isinstance(epsilons, Sequence | np.ndarray):
        raise ConfigError(
            f"The 'epsilons' parameter of {_FUNC} must be a sequence of numbers in [0, 1), e.g. "
            f"(0.0, 0.05, 0.1); got {epsilons!r}."
        )
    for e in epsilons:
        _check_eps(e, param="epsilons")
    keys = [f"{float(e):.2f}" for e in epsilons]
    if len(set(keys)) != len(keys):
        raise ConfigError(
            f"The 'epsilons' parameter of {_FUNC} must hold distinct values at two decimals (they "
            f"key the winning rates as f'{{eps:.2f}}'); got {list(epsilons)!r}."
        )
    if not isinstance(multiplicative_epsilon, bool | np.bool_):
        raise ConfigError(
            f"The 'multiplicative_epsilon' parameter of {_FUNC} must be True or False; got "
            f"{multiplicative_epsilon!r}."
        )
    q_ok = isinstance(q_fdr, int | float | np.integer | np.floating) and not isinstance(q_fdr, bool)
    if not q_ok or not (0.0 < float(q_fdr) < 1.0):
        raise ConfigError(
            f"The 'q_fdr' parameter of {_FUNC} must be a number in the open interval (0, 1), e.g. "
            f"0.05; got {q_fdr!r}."
        )
    if not _is_int(min_instances_per_human) or min_instances_per_human < 1:
        raise ConfigError(
            f"The 'min_instances_per_human' parameter of {_FUNC} must be a positive integer (the "
            f"paper uses 30); got {min_instances_per_human!r}."
        )
    if not _is_int(min_humans_per_instance) or min_humans_per_instance < 2:
        raise ConfigError(
            f"The 'min_humans_per_instance' parameter of {_FUNC} must be an integer >= 2 (the "
            f"left-out human needs at least one other human to be compared with); got "
            f"{min_humans_per_instance!r}."
        )
    if test not in _TESTS:
        raise ConfigError(
            f"The 'test' parameter of {_FUNC} must be one of 'ttest' or 'wilcoxon'; got {test!r}."
        )


def _check_human_ids(human_ids: Sequence[str] | None, n_humans: int) -> list[str]:
    if human_ids is None:
        return [f"h{j}" for j in range(n_humans)]
    ids = list(human_ids)
    if len(ids) != n_humans or not all(isinstance(h, str) for h in ids):
        raise ConfigError(
            f"The 'human_ids' parameter of {_FUNC} must be {n_humans} strings, one per row of "
            f"'humans'; got {human_ids!r}."
        )
    if len(set(ids)) != len(ids):
        dup = sorted({h for h in ids if ids.count(h) > 1})
        raise ConfigError(
            f"The 'human_ids' parameter of {_FUNC} must hold distinct names; {dup!r} repeat."
        )
    return ids


def _bool_array(x: Any, shape: tuple[int, ...], *, param: str) -> BoolArray:
    arr = np.asarray(x)
    if arr.shape != shape or arr.dtype.kind != "b":
        raise ConfigError(
            f"The {param!r} parameter of {_FUNC} must be a bool array of shape {shape!r} (True = "
            f"labelled); got dtype {arr.dtype} and shape {arr.shape!r}."
        )
    return arr.astype(bool, copy=False)


def _prepare_arrays(
    judge: Any, humans: Any, mask: Any, judge_mask: Any, scoring: str
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], BoolArray, BoolArray]:
    """Validate shapes/dtypes; return (judge, humans, human-present mask, judge-present mask)."""
    f = np.asarray(judge, dtype=object if scoring == "callable" else None)
    a = np.asarray(humans, dtype=object if scoring == "callable" else None)
    if f.ndim != 1:
        raise ConfigError(
            f"The 'judge' parameter of {_FUNC} must be a 1-D array with one label per item; got "
            f"shape {f.shape!r}."
        )
    if a.ndim != 2 or a.shape[1] != f.shape[0]:
        raise ConfigError(
            f"The 'humans' parameter of {_FUNC} must be a 2-D array of shape (n_humans, n_items) "
            f"= (n_humans, {f.shape[0]}) to match 'judge'; got shape {a.shape!r}."
        )
    present = (
        np.ones(a.shape, dtype=bool) if mask is None else _bool_array(mask, a.shape, param="mask")
    )
    judge_ok = (
        np.ones(f.shape, dtype=bool)
        if judge_mask is None
        else _bool_array(judge_mask, f.shape, param="judge_mask")
    )
    if scoring == "accuracy":
        for name, arr in (("judge", f), ("humans", a)):
            if arr.size and arr.dtype.kind not in "iu":
                raise ConfigError(
                    f"The {name!r} parameter of {_FUNC} must hold integer label codes (-1 = "
                    f"missing) for scoring='accuracy'; got dtype {arr.dtype}. Map labels to codes."
                )
            if arr.size and arr.min() < -1:
                raise ConfigError(
                    f"The {name!r} parameter of {_FUNC} must hold codes >= 0 or -1 (missing) for "
                    f"scoring='accuracy'; found {int(arr.min())!r}."
                )
        f = f.astype(np.int64)
        a = a.astype(np.int64)
        present = present & (a != -1)
        judge_ok = judge_ok & (f != -1)
    elif scoring == "neg_rmse":
        for name, arr in (("judge", f), ("humans", a)):
            if arr.size and arr.dtype.kind not in "iuf":
                raise ConfigError(
                    f"The {name!r} parameter of {_FUNC} must hold numbers (nan = missing) for "
                    f"scoring='neg_rmse'; got dtype {arr.dtype}."
                )
        f = f.astype(np.float64)
        a = a.astype(np.float64)
        if np.isinf(f).any() or np.isinf(a).any():
            raise ConfigError(
                f"The ratings passed to {_FUNC} must be finite (nan = missing) for "
                "scoring='neg_rmse'; found an infinite value."
            )
        present = present & ~np.isnan(a)
        judge_ok = judge_ok & ~np.isnan(f)
    elif scoring == "jaccard":
        for name, arr in (("judge", f), ("humans", a)):
            if arr.size and arr.dtype.kind not in "iu":
                raise ConfigError(
                    f"The {name!r} parameter of {_FUNC} must hold int64 label-set bitmasks for "
                    f"scoring='jaccard' (missing given by 'mask'); got dtype {arr.dtype}."
                )
        f = f.astype(np.int64).view(np.uint64)
        a = a.astype(np.int64).view(np.uint64)
    return f, a, present, judge_ok


# --------------------------------------------------------------------------------------------
# advantage indicators W^f, W^h for every kept (human, item) annotation
# --------------------------------------------------------------------------------------------


def _indicators_accuracy(
    f: IntArray, a: IntArray, rows: IntArray, cols: IntArray
) -> tuple[BoolArray, BoolArray]:
    """Accuracy: compare agreement counts with the other humans (same denominator, exact ints)."""
    if rows.size == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    lab = a[rows, cols]
    flab = f[cols]
    lo = min(int(lab.min()), int(flab.min()))
    hi = max(int(lab.max()), int(flab.max()))
    if lo >= 0 and hi < 4096:  # already small dense codes (the scorers' encoding): use as is
        n_codes = hi + 1
        key_h = cols.astype(np.int64) * n_codes + lab
        key_f = cols.astype(np.int64) * n_codes + flab
    else:  # dense re-coding keeps item * n_codes + code far from int64 overflow
        _, codes = np.unique(np.concatenate([lab, flab]), return_inverse=True)
        n_codes = int(codes.max()) + 1
        key_h = cols.astype(np.int64) * n_codes + codes[: lab.size]
        key_f = cols.astype(np.int64) * n_codes + codes[lab.size :]
    n_bins = (int(cols.max()) + 1) * n_codes
    if n_bins <= 8 * lab.size + 1_000_000:  # per-item label counts as one dense bincount
        table = np.bincount(key_h, minlength=n_bins)
        c_h, c_f = table[key_h], table[key_f]
    else:  # many labels: count only the (item, label) pairs that occur
        ukeys, inverse, cnt = np.unique(key_h, return_inverse=True, return_counts=True)
        c_h = cnt[inverse]
        pos = np.minimum(np.searchsorted(ukeys, key_f), ukeys.size - 1)
        c_f = np.where(ukeys[pos] == key_f, cnt[pos], 0)
    # c_h: humans on the item with human j's label (j included); c_f: with the judge's label
    same = lab == flab
    agree_f = c_f - same  # other humans agreeing with the judge
    agree_h = c_h - 1  # other humans agreeing with human j
    return agree_f >= agree_h, agree_h >= agree_f


def _indicators_neg_rmse(
    f: FloatArray, a: FloatArray, rows: IntArray, cols: IntArray, n_items: int
) -> tuple[BoolArray, BoolArray]:
    """Negative RMSE via sums: with b_k = h_k - f, SS_h - SS_f = b_j (n_o b_j - 2 sum_{k!=j} b_k).

    The judge's alignment score is higher (RMSE lower) iff SS_f <= SS_h, the sums of squared errors
    over the other humans; the sqrt and the common 1/n_o do not change the order.
    """
    b = a[rows, cols] - f[cols]
    n_o = np.bincount(cols, minlength=n_items)[cols] - 1
    s_o = np.bincount(cols, weights=b, minlength=n_items)[cols] - b
    abs_o = np.bincount(cols, weights=np.abs(b), minlength=n_items)[cols] - np.abs(b)
    diff = b * (n_o * b - 2.0 * s_o)  # SS_h - SS_f over the other humans
    scale = n_o * b * b + 2.0 * np.abs(b) * abs_o
    diff = np.where(np.abs(diff) <= _RTOL_TIE * scale, 0.0, diff)
    return diff >= 0, diff <= 0


def _compare_sums(
    sum_f: FloatArray, sum_h: FloatArray, scale: FloatArray
) -> tuple[BoolArray, BoolArray]:
    diff = sum_f - sum_h
    diff = np.where(np.abs(diff) <= _RTOL_TIE * np.maximum(scale, 1.0), 0.0, diff)
    return diff >= 0, diff <= 0


def _indicators_jaccard(
    f: npt.NDArray[np.uint64],
    a: npt.NDArray[np.uint64],
    present: BoolArray,
    rows: IntArray,
    cols: IntArray,
) -> tuple[BoolArray, BoolArray]:
    """Mean Jaccard similarity to the other humans; pairwise per left-out human (O(H^2 N))."""
    n_humans = a.shape[0]
    j_f = np.where(present, jaccard_bitmask(a, f[None, :]), 0.0)  # (H, N) judge vs each human
    tot_f = j_f.sum(axis=0)
    sum_h = np.zeros(a.shape, dtype=np.float64)
    for j in range(n_humans):
        sims = np.where(present, jaccard_bitmask(a, a[j][None, :]), 0.0)
        sum_h[j] = sims.sum(axis=0) - sims[j]
    sum_f = tot_f[cols] - j_f[rows, cols]
    scale = present.sum(axis=0)[cols] - 1.0
    wf, wh = _compare_sums(sum_f, sum_h[rows, cols], scale)
    return wf, wh


def _indicators_callable(
    f: npt.NDArray[Any],
    a: npt.NDArray[Any],
    present: BoolArray,
    rows: IntArray,
    cols: IntArray,
    similarity: Similarity,
    *,
    float_ties: bool = False,
) -> tuple[BoolArray, BoolArray]:
    """Slow path: pairwise Python calls of ``similarity(pred, annotation)`` per kept item.

    ``float_ties``: compare the two scores as ``float(np.mean(...))`` values, exactly (the
    original meta-evaluator's arithmetic, where rounding can split a mathematical tie).
    """
    if float_ties:
        return _indicators_float_means(f, a, present, rows, cols, similarity)
    sum_f = np.zeros(a.shape, dtype=np.float64)
    sum_h = np.zeros(a.shape, dtype=np.float64)
    scale = np.zeros(a.shape, dtype=np.float64)

    def call(x: Any, y: Any) -> float:
        value = float(similarity(x, y))
        if not math.isfinite(value):
            raise ConfigError(
                f"The 'scoring' callable of {_FUNC} must return finite floats; it returned "
                f"{value!r} for ({x!r}, {y!r})."
            )
        return value

    for i, j, vals_f, s_h in _leave_one_out(f, a, present, cols, call):
        sum_f[j, i] = math.fsum(vals_f)
        sum_h[j, i] = math.fsum(s_h)
        scale[j, i] = math.fsum(abs(v) for v in vals_f) + math.fsum(abs(v) for v in s_h)
    return _compare_sums(sum_f[rows, cols], sum_h[rows, cols], scale[rows, cols])


def _leave_one_out(
    f: npt.NDArray[Any],
    a: npt.NDArray[Any],
    present: BoolArray,
    cols: IntArray,
    call: Callable[[Any, Any], float],
) -> Iterator[tuple[int, int, list[float], list[float]]]:
    """The leave-one-annotator-out similarities of the callable paths, item by item.

    For each kept item ``i`` (once, in ``np.unique(cols)`` order) and each annotator ``j``
    present on it: ``call(judge, annotation_k)`` and ``call(annotation_j, annotation_k)`` over
    the other annotators ``k`` present on ``i``. The judge's similarities are computed once per
    item; the calls run in the same order whatever the caller does with them.

    Args:
        f: ``(n_items,)`` judge predictions.
        a: ``(n_humans, n_items)`` annotations.
        present: ``(n_humans, n_items)`` where an annotation exists.
        cols: Item index of every kept (annotator, item) pair.
        call: The similarity, as a float.

    Yields:
        ``(i, j, judge_vs_others, j_vs_others)``.
    """
    for i in np.unique(cols):
        idx = np.flatnonzero(present[:, i])
        s_f = {k: call(f[i], a[k, i]) for k in idx}
        for j in idx:
            others = [k for k in idx if k != j]
            yield int(i), int(j), [s_f[k] for k in others], [call(a[j, i], a[k, i]) for k in others]


def _indicators_float_means(
    f: npt.NDArray[Any],
    a: npt.NDArray[Any],
    present: BoolArray,
    rows: IntArray,
    cols: IntArray,
    similarity: Similarity,
) -> tuple[BoolArray, BoolArray]:
    wf = np.zeros(a.shape, dtype=bool)
    wh = np.zeros(a.shape, dtype=bool)

    def call(x: Any, y: Any) -> float:
        return float(similarity(x, y))

    for i, j, vals_f, s_h in _leave_one_out(f, a, present, cols, call):
        llm = float(np.mean(vals_f))
        human = float(np.mean(s_h))
        wf[j, i], wh[j, i] = llm >= human, human >= llm
    return wf[rows, cols], wh[rows, cols]


# --------------------------------------------------------------------------------------------
# per-human tests and the Benjamini-Yekutieli step-up
# --------------------------------------------------------------------------------------------


def _diff_values(eps: float, multiplicative: bool) -> tuple[float, float, float, float]:
    """Values of d for (judge strict win, human strict win, tie) and the null value."""
    if multiplicative:
        scale = 1.0 / (1.0 - eps)
        return 0.0 - scale, 1.0, 1.0 - scale, 0.0
    return -1.0, 1.0, 0.0, eps


def _ttest_pvalues(
    n_fw: IntArray, n_hw: IntArray, n_tie: IntArray, *, eps: float, multiplicative: bool
) -> FloatArray:
    """``scipy.stats.ttest_1samp(d, popmean, alternative="less")`` from category counts."""
    v_f, v_h, v_t, popmean = _diff_values(eps, multiplicative)
    c = np.stack([n_fw, n_hw, n_tie]).astype(np.float64)  # (3, n_tested)
    v = np.array([v_f, v_h, v_t])[:, None]
    n = c.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (c * v).sum(axis=0) / n
        var = (c * (v - mean) ** 2).sum(axis=0) / (n - 1)
        t = (mean - popmean) / np.sqrt(var / n)
        p = special.stdtr(n - 1, t)
    # zero variance: the differences are constant, so their mean is that value exactly
    constant = (c > 0).sum(axis=0) == 1
    if constant.any():
        value = v[np.argmax(c > 0, axis=0), 0]
        delta = value - popmean
        p_const = np.where(delta < 0, 0.0, np.where(delta > 0, 1.0, np.nan))
        p = np.where(constant, p_const, p)
    return np.where(n < 2, np.nan, p)


def _wilcoxon_pvalues(
    n_fw: IntArray, n_hw: IntArray, n_tie: IntArray, *, eps: float, multiplicative: bool
) -> FloatArray:
    """``scipy.stats.wilcoxon(d - popmean, alternative="less")`` (zero_method="wilcox")."""
    v_f, v_h, v_t, popmean = _diff_values(eps, multiplicative)
    out = np.full(n_fw.shape, np.nan)
    for k in range(n_fw.size):
        x = np.repeat([v_f - popmean, v_h - popmean, v_t - popmean], [n_fw[k], n_hw[k], n_tie[k]])
        if np.all(x == 0):
            continue  # scipy returns nan (with a RuntimeWarning) when every difference is zero
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[k] = float(stats.wilcoxon(x, alternative="less").pvalue)
    return out


def _by_reject(p: FloatArray, q: float) -> BoolArray:
    """Benjamini-Yekutieli step-up (as statsmodels ``multipletests(method="fdr_by")``).

    nan p-values sort last, are never rejected, and still count in ``m``.
    """
    m = p.size
    order = np.argsort(p, kind="stable")
    c_m = np.sum(1.0 / np.arange(1, m + 1))
    thresholds = np.arange(1, m + 1) / m * q / c_m
    below = p[order] <= thresholds
    reject = np.zeros(m, dtype=bool)
    if below.any():
        k = int(np.flatnonzero(below)[-1])
        reject[order[: k + 1]] = True
    return reject
