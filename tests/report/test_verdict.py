"""The one-sentence recommendation of the verdict section."""

from __future__ import annotations

from meta_evaluator.report._compare_judges import JudgeComparison
from meta_evaluator.report._verdict import task_verdicts
from meta_evaluator.report._view import result_view
from meta_evaluator.scores.base_scoring_result import BaseScoringResult

RATES = ("0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30")


def _kappa(judge: str, value: float) -> BaseScoringResult:
    return BaseScoringResult(
        scorer_name="cohens_kappa",
        task_name="t",
        judge_id=judge,
        scores={"kappa": value},
        metadata={"metric_config": "kappa_cfg", "human_ceiling": 0.7},
    )


def _alt(judge: str, verdict: str, adv: float) -> BaseScoringResult:
    rate = 1.0 if verdict == "pass" else 0.0
    return BaseScoringResult(
        scorer_name="alt_test",
        task_name="t",
        judge_id=judge,
        scores={"winning_rate": dict.fromkeys(RATES, rate), "advantage_probability": adv},
        metadata={"metric_config": "alt_cfg", "epsilon": 0.2},
        verdict=verdict,
    )


def _cmp(a: str, b: str, p: float) -> JudgeComparison:
    return JudgeComparison(
        task="t",
        metric="kappa vs each human",
        symbol="κ",
        judge_a=a,
        judge_b=b,
        n_items=100,
        value_a=0.8,
        value_b=0.7,
        difference=0.1,
        ci_low=-0.02,
        ci_high=0.2,
        p_value=p,
        test="paired bootstrap",
    )


def _sentence(results, comparisons=(), health=None) -> str:
    views = [result_view(r) for r in results]
    (verdict,) = task_verdicts(results, views, list(comparisons), health or {})
    return verdict.recommendation


def test_cheapest_passing_judge_and_a_better_but_not_significant_one():
    results = [
        _kappa("good", 0.8),
        _kappa("mid", 0.7),
        _alt("good", "pass", 0.9),
        _alt("mid", "pass", 0.85),
    ]
    health = {"good": {"cost_per_100": 0.5}, "mid": {"cost_per_100": 0.012}}
    text = _sentence(results, [_cmp("good", "mid", 0.31)], health)
    assert text.startswith(
        "mid is as good as your annotators (alt-test pass, ε=0.20) at $0.0120 per 100 samples"
    )
    assert "good also passes" in text
    assert (
        "good is better on κ but the difference is not significant (paired bootstrap p=0.31)"
        in text
    )


def test_no_pass_names_the_best_on_the_main_metric():
    results = [_kappa("a", 0.5), _kappa("b", 0.6), _alt("a", "fail", 0.7), _alt("b", "fail", 0.8)]
    text = _sentence(results, [_cmp("b", "a", 0.004)])
    assert text.startswith("No judge passes the alt-test at ε=0.20")
    assert "the best on κ is b (0.60, human ceiling 0.70), significantly ahead of a" in text
    assert "p=0.004" in text


def test_not_enough_data():
    text = _sentence([_kappa("a", 0.5), _alt("a", "insufficient_data", 0.7)])
    assert text.startswith("There is not enough data for the alt-test")
