"""Cost of calls (judges/_cost.py): litellm's map, Claude API names, and why a cost is unknown."""

from __future__ import annotations

import pytest

from meta_evaluator.judges import JudgeSpec, run_judges_async
from meta_evaluator.judges._cost import CLAUDE_PRICES, cost_unknown_reason, estimate_cost
from meta_evaluator.testing import FakeLLMServer

from .conftest import make_data


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # 1000 input + 100 output tokens at (input, output) USD per million tokens
        ("claude-3-5-haiku-latest", 1000 * 0.80e-6 + 100 * 4.0e-6),  # 0.0012
        ("claude-3-5-haiku-20241022", 1000 * 0.80e-6 + 100 * 4.0e-6),
        ("claude-sonnet-4-20250514", 1000 * 3.0e-6 + 100 * 15.0e-6),  # 0.0045
        ("claude-sonnet-4-0", 1000 * 3.0e-6 + 100 * 15.0e-6),
        ("anthropic/claude-sonnet-4-20250514", 1000 * 3.0e-6 + 100 * 15.0e-6),
        ("claude-opus-4-1", 1000 * 15.0e-6 + 100 * 75.0e-6),  # 0.0225
        ("claude-opus-4-20250514", 1000 * 15.0e-6 + 100 * 75.0e-6),
        ("claude-3-7-sonnet-latest", 1000 * 3.0e-6 + 100 * 15.0e-6),
        ("claude-3-haiku-20240307", 1000 * 0.25e-6 + 100 * 1.25e-6),
    ],
)
def test_current_claude_models_are_priced(model, expected):
    assert estimate_cost(model, 1000, 100, provider="anthropic") == pytest.approx(
        expected, abs=1e-15
    )
    assert cost_unknown_reason(model, provider="anthropic") is None


def test_our_table_agrees_with_litellm_where_both_price_a_model():
    for family in ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"):
        cin, cout = CLAUDE_PRICES[family]
        assert estimate_cost(family, 10**6, 10**6) == pytest.approx(cin + cout, abs=1e-9)


def test_reasons_for_unknown_cost():
    assert estimate_cost("my-finetune", 10, 10) is None
    assert "no price for model 'my-finetune'" in cost_unknown_reason("my-finetune")
    assert cost_unknown_reason("m", provider="local") == "local judge: no provider cost"
    assert cost_unknown_reason("gpt-4o", has_tokens=False) == (
        "the provider reported no token counts"
    )


async def test_run_summary_has_cost_or_the_reason(task, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-fake")
    async with FakeLLMServer() as server:
        specs = [
            JudgeSpec.create(
                id=jid,
                llm_client="anthropic",
                model=model,
                prompt="Q: {prompt}\nA: {llm_response}",
                base_url=server.anthropic_base_url,
            )
            for jid, model in (("haiku", "claude-3-5-haiku-latest"), ("odd", "claude-custom"))
        ]
        res = await run_judges_async(
            specs,
            task=task,
            data=make_data(3),
            results_dir=tmp_path / "results",
            cache_dir=None,
            progress=False,
        )
    haiku = res["haiku"].info
    assert haiku["cost_usd"] == pytest.approx(
        haiku["input_tokens"] * 0.8e-6 + haiku["output_tokens"] * 4e-6, abs=1e-15
    )
    assert haiku["cost_note"] is None
    assert res["odd"].info["cost_usd"] is None
    assert "no price for model 'claude-custom'" in res["odd"].info["cost_note"]
