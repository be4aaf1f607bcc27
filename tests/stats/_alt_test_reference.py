"""A deliberately simple alt-test, written from the paper's definitions, for cross-checking.

Calderon, Reichart & Dror (2025), "The Alternative Annotator Test for LLM-as-a-Judge", Sec. 3:
one Python loop per left-out human and per instance over dicts ``{instance: label}``; scipy for the
per-human test and statsmodels' ``multipletests(method="fdr_by")`` for the FDR step. Nothing here is
vectorised or shared with ``meta_evaluator.stats._alt_test``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.stats import ttest_1samp, wilcoxon
from statsmodels.stats.multitest import multipletests

Score = Callable[[Any, list[Any]], Any]


def score_accuracy(pred: Any, annotations: list[Any]) -> float:
    """Share of the other humans whose label equals ``pred`` (the authors' ``accuracy``)."""
    return float(np.mean([pred == ann for ann in annotations]))


def score_neg_rmse(pred: float, annotations: list[float]) -> float:
    """Minus the root mean squared error against the other humans (the authors' ``neg_rmse``)."""
    return -1 * float(np.sqrt(np.mean([(pred - ann) ** 2 for ann in annotations])))


def score_jaccard(pred: frozenset[int], annotations: list[frozenset[int]]) -> Fraction:
    """Mean Jaccard similarity to the other humans, in exact rational arithmetic."""

    def jac(a: frozenset[int], b: frozenset[int]) -> Fraction:
        union = a | b
        return Fraction(1) if not union else Fraction(len(a & b), len(union))

    return sum((jac(pred, ann) for ann in annotations), Fraction(0)) / len(annotations)


def score_from_similarity(similarity: Callable[[Any, Any], float]) -> Score:
    """The authors' ``sim``: mean of ``similarity(pred, ann)`` over the other humans (exact sum)."""

    def score(pred: Any, annotations: list[Any]) -> Fraction:
        total = sum((Fraction(similarity(pred, ann)) for ann in annotations), Fraction(0))
        return total / len(annotations)

    return score


def _pvalue(diffs: list[float], popmean: float, test: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on constant / all-zero input
        if test == "ttest":
            return float(ttest_1samp(diffs, popmean, alternative="less").pvalue)
        return float(wilcoxon(np.asarray(diffs) - popmean, alternative="less").pvalue)


def reference_alt_test(
    llm: dict[Hashable, Any],
    humans: dict[str, dict[Hashable, Any]],
    score: Score,
    *,
    epsilon: float,
    epsilons: tuple[float, ...] = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30),
    multiplicative: bool = False,
    q: float = 0.05,
    min_humans_per_instance: int = 2,
    min_instances_per_human: int = 30,
    test: str = "ttest",
) -> dict[str, Any]:
    """Return the alt-test quantities as a plain dict (fields named as in AltTestResult)."""
    annotators_of: dict[Hashable, list[str]] = {}
    for h, anns in humans.items():
        for i in anns:
            annotators_of.setdefault(i, []).append(h)
    kept = {i for i, hs in annotators_of.items() if len(hs) >= min_humans_per_instance and i in llm}

    n_instances: dict[str, int] = {}
    skipped: list[str] = []
    diffs_of: dict[str, tuple[list[int], list[int]]] = {}
    for h in humans:
        instances = [i for i in humans[h] if i in kept]
        n_instances[h] = len(instances)
        if len(instances) < min_instances_per_human:
            skipped.append(h)
            continue
        w_llm, w_hum = [], []
        for i in instances:
            others = [humans[k][i] for k in annotators_of[i] if k != h]
            s_llm = score(llm[i], others)
            s_hum = score(humans[h][i], others)
            w_llm.append(1 if s_llm >= s_hum else 0)
            w_hum.append(1 if s_hum >= s_llm else 0)
        diffs_of[h] = (w_llm, w_hum)

    tested = list(diffs_of)
    out: dict[str, Any] = {
        "n_instances": n_instances,
        "skipped_humans": skipped,
        "n_instances_used": len(kept),
        "llm_advantage": {h: float(np.mean(diffs_of[h][0])) for h in tested},
        "human_advantage": {h: float(np.mean(diffs_of[h][1])) for h in tested},
    }
    if not tested:
        out["advantage_probability"] = math.nan
        return out
    out["advantage_probability"] = float(np.mean([out["llm_advantage"][h] for h in tested]))

    def at(eps: float) -> tuple[dict[str, float], dict[str, bool]]:
        p_values = {}
        for h in tested:
            w_llm, w_hum = diffs_of[h]
            if multiplicative:
                d = [wh - wl / (1 - eps) for wl, wh in zip(w_llm, w_hum, strict=True)]
                p_values[h] = _pvalue(d, 0.0, test)
            else:
                d = [wh - wl for wl, wh in zip(w_llm, w_hum, strict=True)]
                p_values[h] = _pvalue(d, eps, test)
        reject = multipletests([p_values[h] for h in tested], alpha=q, method="fdr_by")[0]
        return p_values, {h: bool(r) for h, r in zip(tested, reject, strict=True)}

    out["p_values"], out["rejected"] = at(epsilon)
    out["winning_rate"] = sum(out["rejected"].values()) / len(tested)
    out["winning_rates"] = {}
    out["p_values_by_epsilon"] = {}
    for eps in epsilons:
        p_values, rejected = at(eps)
        out["winning_rates"][f"{eps:.2f}"] = sum(rejected.values()) / len(tested)
        out["p_values_by_epsilon"][f"{eps:.2f}"] = p_values
    out["passed"] = out["winning_rate"] >= 0.5
    return out


def _close(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= tol
    return bool(a == b)


def assert_matches(result: Any, ref: dict[str, Any], *, tol: float = 1e-9) -> None:
    """Assert that every field of an AltTestResult equals the reference dict (floats to ``tol``)."""
    for name, expected in ref.items():
        got = getattr(result, name)
        if isinstance(expected, dict):
            assert list(got) == list(expected), f"{name}: keys {list(got)} != {list(expected)}"
            for key, value in expected.items():
                if isinstance(value, dict):
                    assert list(got[key]) == list(value), f"{name}[{key}] keys differ"
                    for k2, v2 in value.items():
                        assert _close(got[key][k2], v2, tol), (
                            f"{name}[{key}][{k2}]: {got[key][k2]} != {v2}"
                        )
                else:
                    assert _close(got[key], value, tol), f"{name}[{key}]: {got[key]} != {value}"
        else:
            assert _close(got, expected, tol), f"{name}: {got} != {expected}"
