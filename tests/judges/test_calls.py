"""Per-row call rules (judges/_calls.py): retry budget, auth failures stop a judge, attempts."""

from __future__ import annotations

import logging

import pytest

from meta_evaluator import columns as C
from meta_evaluator.errors import JudgeCallError
from meta_evaluator.judges import JudgeSpec, run_judges_async
from meta_evaluator.testing import FakeLLMServer, recorded_waits

from .conftest import answer, make_data
from .test_runner import Factory, run, spec


async def test_retry_after_beyond_the_budget_warns_and_stops_waiting(task, tmp_path, caplog):
    def handler(messages, settings):
        raise JudgeCallError("rate limited", status_code=429, retry_after=1000.0)

    s = spec(timeout_s=2.0, max_retries=3)  # budget 6 s per row
    with (
        recorded_waits() as waits,
        caplog.at_level(logging.WARNING, logger="meta_evaluator.judges"),
    ):
        res = await run([s], make_data(3), tmp_path, Factory(handler), task=task)
    df = res["j"].results_data
    assert waits == []  # never slept 300 s (the cap) three times per row
    assert df[C.STATUS].to_list() == [C.STATUS_LLM_ERROR] * 3
    assert (
        df[C.ERROR_MESSAGE]
        .str.contains(
            r"asked to wait 1000 s \(Retry-After\) but only 6 s of the row's retry budget"
        )
        .all()
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per judge and run, the other rows at DEBUG
    assert "1000 s" in warnings[0].getMessage()


async def test_waits_per_row_never_exceed_timeout_times_retries(task, tmp_path):
    waits: dict[str, float] = {}

    def handler(messages, settings):
        raise JudgeCallError("busy", status_code=429, retry_after=1.5)

    # backoff_base_s=0: no jitter on top of Retry-After, so each wait is exactly 1.5 s
    s = spec(timeout_s=1.0, max_retries=4, backoff_base_s=0.0)  # budget 4 s; asks 1.5 s each time
    with recorded_waits() as total:
        res = await run([s], make_data(1), tmp_path, Factory(handler), task=task)
    waits["row"] = sum(total)
    assert waits["row"] <= 4.0
    assert total == [1.5, 1.5]  # the third wait (1.5 s > 1 s left) is refused, and said so
    assert "retry budget" in res["j"].results_data[C.ERROR_MESSAGE][0]


async def test_401_on_first_rows_stops_the_judge(task, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ME_FAKE_API_KEY", "sk-wrong")
    n = 60
    async with FakeLLMServer(require_api_key="sk-right") as server:
        j = JudgeSpec.create(
            id="oa",
            llm_client="openai",
            model="gpt-4o-mini",
            prompt="Q: {prompt}\nA: {llm_response}",
            base_url=server.base_url,
            api_key_env="ME_FAKE_API_KEY",
            max_concurrency=4,
        )
        with caplog.at_level(logging.WARNING, logger="meta_evaluator.judges"):
            res = await run_judges_async(
                [j],
                task=task,
                data=make_data(n),
                results_dir=tmp_path / "results",
                cache_dir=None,
                progress=False,
            )
        calls = len(server.request_log)
    df = res["oa"].results_data
    assert calls <= j.max_concurrency  # only the calls already in flight; today: 60
    assert df[C.STATUS].to_list() == [C.STATUS_LLM_ERROR] * n
    assert df[C.CALLS].sum() == calls
    not_called = df.filter(df[C.CALLS] == 0)
    assert not_called.height >= n - j.max_concurrency
    assert (
        not_called[C.ERROR_MESSAGE]
        .str.contains(r"not called: judge 'oa' stopped after HTTP 401 on its first call")
        .all()
    )
    assert any("HTTP 401 on its first call" in r.getMessage() for r in caplog.records)


async def test_401_after_successes_does_not_stop_the_judge(task, tmp_path):
    def handler(messages, settings):
        i = int(messages[-1]["content"].rsplit("answer ", 1)[1])
        if i == 3:
            raise JudgeCallError("forbidden content", status_code=403, retryable=False)
        return answer()

    f = Factory(handler)
    res = await run([spec(max_concurrency=1)], make_data(8), tmp_path, f, task=task)
    assert res["j"].status_counts() == {"success": 7, "llm_error": 1}
    assert f.calls == 8


@pytest.mark.parametrize("n", [1, 3])
async def test_attempts_count_tries_not_samples(task, tmp_path, n):
    seen: dict[str, int] = {}

    def handler(messages, settings):
        key = messages[-1]["content"]
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:  # the first call of each row fails once
            raise JudgeCallError("busy", status_code=500)
        return answer()

    res = await run([spec(consistency=n)], make_data(2), tmp_path, Factory(handler), task=task)
    df = res["j"].results_data
    # one sample of each row needed a retry: 2 tries; every other sample one call
    assert df[C.ATTEMPTS].to_list() == [2, 2]
    assert df[C.CALLS].to_list() == [n + 1, n + 1]


def test_old_results_without_calls_column_still_load(tmp_path):
    import json

    import polars as pl

    from meta_evaluator.judges import JudgeResults

    old = pl.DataFrame({"original_id": ["1"], "status": ["success"], "attempts": [3]})
    old.write_parquet(tmp_path / "results.parquet")
    (tmp_path / "state.json").write_text(json.dumps({"judge_id": "j", "task_names": []}))
    res = JudgeResults.load(tmp_path)
    assert res.results_data[C.ATTEMPTS].to_list() == [3]
    assert res.results_data[C.CALLS].to_list() == [None]
