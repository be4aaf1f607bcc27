from __future__ import annotations

import pytest

from meta_evaluator.scores.base_scoring_result import BaseScoringResult

ACC = "accuracy_1tasks_aaaa1111_single"
KAPPA = "cohens_kappa_1tasks_bbbb2222_single"
ALT = "alt_test_1tasks_cccc3333_single"
EPSILONS = ("0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30")


def _rates(values: list[float]) -> dict[str, float]:
    return dict(zip(EPSILONS, values, strict=True))


def make_results() -> list[BaseScoringResult]:
    """Three judges; j3 has accuracy only; j1's kappa is nan; alt-test read at epsilon 0.15."""
    return [
        BaseScoringResult(
            scorer_name="accuracy",
            task_name="rejection",
            judge_id="j1",
            scores={"accuracy": 0.87},
            metadata={
                "metric_config": ACC,
                "ci_low": 0.80,
                "ci_high": 0.93,
                "human_ceiling": 0.91,
                "per_human": {"h1": 0.9, "h2": 0.84},
                "per_human_ceiling": {"h1": 0.92, "h2": 0.90},
                "n_items": 100,
                "n_humans": 2,
            },
            num_comparisons=200,
        ),
        BaseScoringResult(
            scorer_name="accuracy",
            task_name="rejection",
            judge_id="j2",
            scores={"accuracy": 0.82},
            metadata={"metric_config": ACC, "ci_low": 0.74, "ci_high": 0.89, "human_ceiling": 0.91},
            num_comparisons=200,
            failed_comparisons=3,
        ),
        BaseScoringResult(
            scorer_name="accuracy",
            task_name="rejection",
            judge_id="j3",
            scores={"accuracy": 0.60},
            metadata={"metric_config": ACC},
        ),
        BaseScoringResult(
            scorer_name="cohens_kappa",
            task_name="rejection",
            judge_id="j1",
            scores={"kappa": float("nan")},
            metadata={
                "metric_config": KAPPA,
                "warnings": ["judge gave a single label: kappa undefined"],
            },
        ),
        BaseScoringResult(
            scorer_name="cohens_kappa",
            task_name="rejection",
            judge_id="j2",
            scores={"kappa": 0.55},
            metadata={"metric_config": KAPPA, "interpretation": "moderate"},
        ),
        BaseScoringResult(
            scorer_name="alt_test",
            task_name="rejection",
            judge_id="j1",
            scores={
                "winning_rate": _rates([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0]),
                "advantage_probability": 0.70,
            },
            metadata={
                "metric_config": ALT,
                "epsilon": 0.15,
                "human_advantage_probabilities": {"h1": [0.7, 0.6], "h2": [0.72, 0.65]},
            },
        ),
        BaseScoringResult(
            scorer_name="alt_test",
            task_name="rejection",
            judge_id="j2",
            scores={
                "winning_rate": _rates([0.0, 0.0, 0.2, 0.4, 0.6, 0.6, 0.8]),
                "advantage_probability": 0.75,
            },
            metadata={
                "metric_config": ALT,
                "epsilon": 0.15,
                "human_advantage_probabilities": {"h1": [0.74, 0.6], "h2": [0.76, 0.65]},
            },
        ),
    ]


@pytest.fixture
def results() -> list[BaseScoringResult]:
    return make_results()


@pytest.fixture(scope="session")
def page() -> str:
    """The HTML of the standard results with judge info (charts render once per session)."""
    from meta_evaluator.report import ScoreReport

    info = {
        "j1": {
            "model": "gpt-4o-mini",
            "client": "openai",
            "status_counts": {"success": 98, "parsing_error": 2},
            "input_tokens": 12345.0,
            "cost_usd": 0.0123,
        }
    }
    return ScoreReport(
        make_results(), project_name="demo", judge_info=info, annotation_info={"items": 3}
    ).to_html()
