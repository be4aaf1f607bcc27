"""The async runner with FakeClient: statuses, retries, cache, journal, consistency, limits."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from meta_evaluator import columns as C
from meta_evaluator.errors import JudgeCallError, JudgeConfigError
from meta_evaluator.judges import (
    Completion,
    FakeClient,
    JudgeResults,
    JudgeSpec,
    run_judges,
    run_judges_async,
)
from meta_evaluator.judges._progress import RunProgress

from .conftest import answer, make_data


def spec(jid: str = "j", **kw: Any) -> JudgeSpec:
    fields = {
        "id": jid,
        "llm_client": "fake",
        "model": "m",
        "prompt": "Q: {prompt}\nA: {llm_response}",
        "backoff_base_s": 0.001,
        "max_retries": 3,
        **kw,
    }
    return JudgeSpec.create(**fields)


def row_index(messages) -> int:
    return int(messages[-1]["content"].rsplit("answer ", 1)[1])


class Factory:
    """Builds FakeClients around one handler and remembers them."""

    def __init__(self, handler) -> None:
        self.handler = handler
        self.clients: list[FakeClient] = []

    def __call__(self, llm_client: str, **_: Any) -> FakeClient:
        client = FakeClient(self.handler)
        self.clients.append(client)
        return client

    @property
    def calls(self) -> int:
        return sum(len(c.calls) for c in self.clients)


async def run(specs, data, tmp_path: Path, factory, **kw) -> dict[str, JudgeResults]:
    return await run_judges_async(
        specs,
        task=kw.pop("task"),
        data=data,
        results_dir=tmp_path / "results",
        cache_dir=kw.pop("cache_dir", tmp_path / "cache"),
        client_factory=factory,
        progress=False,
        **kw,
    )


async def test_basic_run_saves_in_input_order(task, tmp_path):
    data = make_data(20)
    f = Factory(
        lambda m, s: Completion(text=answer(), input_tokens=10, output_tokens=3, cost_usd=0.001)
    )
    # identical definitions would share cache entries: give b its own params
    res = await run([spec("a"), spec("b", temperature=0.5)], data, tmp_path, f, task=task)
    assert set(res) == {"a", "b"}
    for jid, r in res.items():
        df = r.results_data
        assert df[C.ORIGINAL_ID].to_list() == data.data["original_id"].to_list()
        assert set(df[C.STATUS]) == {C.STATUS_SUCCESS}
        assert df["rejection"].to_list() == ["rejection"] * 20
        assert df[C.ATTEMPTS].sum() == 20
        assert df[C.INPUT_TOKENS].sum() == 200
        assert r.info["cost_usd"] == pytest.approx(0.02)
        loaded = JudgeResults.load(tmp_path / "results" / jid)
        assert loaded.results_data.equals(df)
        lines = (tmp_path / "results" / jid / "journal.jsonl").read_text().splitlines()
        assert len(lines) == 20  # compacted: one line per row
    assert f.calls == 40
    # the user message is the rendered template; the system message carries the format
    msgs, settings = f.clients[0].calls[0]
    assert msgs[1]["content"].startswith("Q: question")
    assert '"rejection", "not rejection"' in msgs[0]["content"]
    assert settings.response_schema == task.output_json_schema()


async def test_cache_makes_second_run_free(task, tmp_path):
    data = make_data(10)
    f = Factory(lambda m, s: answer())
    await run([spec()], data, tmp_path, f, task=task)
    assert f.calls == 10
    res = await run([spec()], data, tmp_path, f, task=task, skip_duplicates=False)
    assert f.calls == 10  # every answer came from the cache
    assert res["j"].info["cache_hits"] == 10
    assert res["j"].results_data[C.ATTEMPTS].sum() == 0
    # without a cache the same run calls again
    await run([spec()], data, tmp_path, f, task=task, skip_duplicates=False, cache_dir=None)
    assert f.calls == 20


async def test_retry_on_429_then_success(task, tmp_path):
    seen: Counter[int] = Counter()

    def handler(messages, settings):
        i = row_index(messages)
        seen[i] += 1
        if seen[i] <= 2:
            raise JudgeCallError("rate limited", status_code=429, retry_after=0.001)
        return answer()

    res = await run([spec()], make_data(5), tmp_path, Factory(handler), task=task)
    df = res["j"].results_data
    assert set(df[C.STATUS]) == {C.STATUS_SUCCESS}
    assert df[C.ATTEMPTS].to_list() == [3] * 5


async def test_non_retryable_error_fails_at_once(task, tmp_path):
    def handler(messages, settings):
        raise JudgeCallError("bad request", status_code=400, retryable=False)

    res = await run([spec()], make_data(3), tmp_path, Factory(handler), task=task)
    df = res["j"].results_data
    assert set(df[C.STATUS]) == {C.STATUS_LLM_ERROR}
    assert df[C.ATTEMPTS].to_list() == [1, 1, 1]
    assert df[C.ERROR_MESSAGE][0] == "bad request (HTTP 400) (after 1 call)"


async def test_malformed_answer_is_retried_then_recorded(task, tmp_path):
    res = await run(
        [spec(max_retries=2)], make_data(2), tmp_path, Factory(lambda m, s: "no idea"), task=task
    )
    df = res["j"].results_data
    assert set(df[C.STATUS]) == {C.STATUS_PARSING_ERROR}
    assert df[C.ATTEMPTS].to_list() == [3, 3]  # first call + max_retries
    assert "no usable labels" in df[C.ERROR_MESSAGE][0]
    assert df[C.RAW_RESPONSE][0] == "no idea"
    assert df["rejection"].null_count() == 2
    # parsing failures are never cached
    assert not list((tmp_path / "cache").rglob("*.json"))


async def test_partial_answer_kept_when_retries_do_not_help(tmp_path):
    from meta_evaluator.eval_task import EvalTask

    t = EvalTask(task_schemas={"a": ["x", "y"], "b": ["x", "y"]}, response_columns=["llm_response"])
    res = await run(
        [spec(prompt="{llm_response}", max_retries=1)],
        make_data(1),
        tmp_path,
        Factory(lambda m, s: '{"a": "x"}'),
        task=t,
    )
    df = res["j"].results_data
    assert df[C.STATUS][0] == C.STATUS_PARTIAL
    assert df["a"][0] == "x"
    assert df[C.ATTEMPTS][0] == 2
    assert "missing required task(s) ['b']" in df[C.ERROR_MESSAGE][0]


async def test_timeout_is_an_llm_error_row(task, tmp_path):
    async def handler(messages, settings):
        await asyncio.sleep(5)
        return answer()

    res = await run(
        [spec(timeout_s=0.05, max_retries=1)], make_data(2), tmp_path, Factory(handler), task=task
    )
    df = res["j"].results_data
    assert set(df[C.STATUS]) == {C.STATUS_LLM_ERROR}
    assert df[C.ERROR_MESSAGE][0] == "timed out after 0.05 s (after 2 calls)"


class BrokenClient:
    name = "broken"

    async def complete(self, messages, *, settings):
        if "answer 1" in messages[-1]["content"]:
            raise RuntimeError("boom")
        return Completion(text=answer())

    async def aclose(self) -> None:
        pass


async def test_bug_in_one_row_is_recorded_not_raised(task, tmp_path, caplog):
    with caplog.at_level(logging.ERROR, logger="meta_evaluator.judges"):
        res = await run([spec()], make_data(3), tmp_path, lambda *a, **k: BrokenClient(), task=task)
    df = res["j"].results_data
    assert df[C.STATUS].to_list() == ["success", "llm_error", "success"]
    assert df[C.ERROR_MESSAGE][1] == "internal error: RuntimeError: boom"
    assert "failed unexpectedly" in caplog.text


async def test_empty_rows_are_skipped_without_a_call(task, tmp_path):
    f = Factory(lambda m, s: answer())
    res = await run([spec()], make_data(4, empty=(2,)), tmp_path, f, task=task)
    # {prompt} is still filled for row 2, so only a template reading the response alone skips
    assert f.calls == 4
    f2 = Factory(lambda m, s: answer())
    res = await run(
        [spec("r", prompt="{llm_response}")], make_data(4, empty=(2,)), tmp_path, f2, task=task
    )
    df = res["r"].results_data
    assert df[C.STATUS].to_list() == ["success", "success", "skipped", "success"]
    assert "all empty" in df[C.ERROR_MESSAGE][2]
    assert f2.calls == 3


async def test_consistency_majority_and_vote_share(task, tmp_path):
    calls: Counter[int] = Counter()

    def handler(messages, settings):
        i = row_index(messages)
        calls[i] += 1
        # row 0: rejection, rejection, not rejection -> rejection, share 2/3
        # row 1: all three agree -> share 3/3
        if i == 0 and calls[i] == 3:
            return answer("not rejection")
        return answer("rejection", why=f"call {calls[i]}")

    res = await run([spec(consistency=3)], make_data(2), tmp_path, Factory(handler), task=task)
    df = res["j"].results_data
    assert df["rejection"].to_list() == ["rejection", "rejection"]
    assert df[C.CONFIDENCE].to_list() == pytest.approx([2 / 3, 1.0])
    # attempts = tries one answer needed (no retries here), calls = every call of the row
    assert df[C.ATTEMPTS].to_list() == [1, 1]
    assert df[C.CALLS].to_list() == [3, 3]
    assert len(json.loads(df[C.RAW_RESPONSE][0])) == 3


def test_vote_tie_breaks_on_smallest_label(task):
    from meta_evaluator.judges import consistency_vote, parse_answer

    samples = [
        parse_answer(answer(lab), task, method="structured", fallback=False)
        for lab in ("rejection", "not rejection")
    ]
    labels, conf = consistency_vote(task, samples)
    assert labels["rejection"] == "not rejection"  # '"not rejection"' < '"rejection"'
    assert conf == 0.5


async def test_resume_reuses_journaled_rows_and_retries_failed(task, tmp_path):
    data = make_data(10)

    def flaky(messages, settings):
        if row_index(messages) % 3 == 0:
            raise JudgeCallError("down", status_code=503, retryable=False)
        return answer()

    f1 = Factory(flaky)
    first = await run([spec()], data, tmp_path, f1, task=task, cache_dir=None)
    assert first["j"].status_counts() == {"success": 6, "llm_error": 4}
    f2 = Factory(lambda m, s: answer())
    second = await run([spec()], data, tmp_path, f2, task=task, cache_dir=None)
    assert f2.calls == 4  # only rows 0, 3, 6, 9
    assert {row_index(m) for m, _ in f2.clients[0].calls} == {0, 3, 6, 9}
    assert second["j"].status_counts() == {"success": 10}


async def test_changed_spec_does_not_reuse_journal(task, tmp_path, caplog):
    data = make_data(4)
    f = Factory(lambda m, s: answer())
    await run([spec()], data, tmp_path, f, task=task, cache_dir=None)
    with caplog.at_level(logging.INFO, logger="meta_evaluator.judges"):
        await run([spec(temperature=0.7)], data, tmp_path, f, task=task, cache_dir=None)
    assert f.calls == 8
    assert "4 journaled row(s) came from a different definition" in caplog.text


async def test_torn_journal_line_is_ignored(task, tmp_path):
    data = make_data(3)
    f = Factory(lambda m, s: answer())
    await run([spec()], data, tmp_path, f, task=task, cache_dir=None)
    journal = tmp_path / "results" / "j" / "journal.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2])
    res = await run([spec()], data, tmp_path, f, task=task, cache_dir=None)
    assert f.calls == 4  # only the torn row is re-queried
    assert res["j"].status_counts() == {"success": 3}


async def test_rate_limiter_is_awaited_per_call(task, tmp_path, monkeypatch):
    from aiolimiter import AsyncLimiter

    acquired: list[float] = []
    made: list[tuple[float, float]] = []
    init, acquire = AsyncLimiter.__init__, AsyncLimiter.acquire

    def counting_init(self, max_rate: float, time_period: float = 60) -> None:
        made.append((max_rate, time_period))
        init(self, max_rate, time_period)

    async def counting_acquire(self, amount: float = 1) -> None:
        acquired.append(amount)
        await acquire(self, amount)

    monkeypatch.setattr(AsyncLimiter, "__init__", counting_init)
    monkeypatch.setattr(AsyncLimiter, "acquire", counting_acquire)
    f = Factory(lambda m, s: answer())
    # 600 rpm -> 10 per second; 30 tpm -> one token-unit every 2 s, so keep tokens large
    await run(
        [spec(requests_per_minute=600, tokens_per_minute=6_000_000)],
        make_data(12),
        tmp_path,
        f,
        task=task,
        cache_dir=None,
    )
    assert made == [(10.0, 1.0), (100_000.0, 1.0)]
    rpm_calls = [a for a in acquired if a == 1]
    assert len(rpm_calls) == 12 == f.calls
    assert len(acquired) == 24  # one request + one token acquisition per call


def test_limiter_shapes():
    from meta_evaluator.judges import rate_limiter

    lim = rate_limiter(30)
    assert (lim.max_rate, lim.time_period) == (1, 2.0)  # 30/min -> one every 2 s, no burst
    lim = rate_limiter(600)
    assert (lim.max_rate, lim.time_period) == (10.0, 1.0)
    assert rate_limiter(None) is None


async def test_small_rpm_spaces_calls(task, tmp_path):
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    def handler(messages, settings):
        stamps.append(loop.time())
        return answer()

    # 120/min -> AsyncLimiter(2, 1 s): a burst of 2, then one every 0.5 s; the third call
    # waits >= 0.5 s (generous lower bound only)
    await run(
        [spec(requests_per_minute=120)],
        make_data(3),
        tmp_path,
        Factory(handler),
        task=task,
        cache_dir=None,
    )
    assert stamps[-1] - stamps[0] >= 0.4


def test_backoff_full_jitter_and_retry_after():
    from meta_evaluator.judges import MAX_RETRY_AFTER_S, backoff_delay

    def _backoff(s, attempt, retry_after):
        return backoff_delay(attempt, retry_after, base_s=s.backoff_base_s, max_s=s.backoff_max_s)

    s = spec(backoff_base_s=1.0, backoff_max_s=5.0)
    waits = [_backoff(s, 10, None) for _ in range(200)]
    assert min(waits) >= 0 and max(waits) <= 5.0  # capped
    assert _backoff(s, 0, 2.0) >= 2.0  # Retry-After honoured
    assert _backoff(s, 0, 10_000) <= MAX_RETRY_AFTER_S + 1


async def test_bad_template_fails_before_any_call(task, tmp_path):
    f = Factory(lambda m, s: answer())
    with pytest.raises(JudgeConfigError, match=r"judge 'bad'.*\{rubric\}"):
        await run(
            [spec("good"), spec("bad", prompt="{llm_response} {rubric}")],
            make_data(3),
            tmp_path,
            f,
            task=task,
        )
    assert f.calls == 0
    assert f.clients == []


async def test_duplicate_ids_rejected(task, tmp_path):
    with pytest.raises(JudgeConfigError, match="more than once"):
        await run([spec(), spec()], make_data(1), tmp_path, Factory(lambda m, s: ""), task=task)


def test_blocking_twin_works_inside_running_loop(task, tmp_path):
    f = Factory(lambda m, s: answer())

    async def inside() -> dict[str, JudgeResults]:
        return run_judges(
            [spec()],
            task=task,
            data=make_data(2),
            results_dir=tmp_path / "results",
            cache_dir=None,
            client_factory=f,
            progress=False,
        )

    res = asyncio.run(inside())
    assert res["j"].status_counts() == {"success": 2}


def test_progress_off_is_silent():
    out = io.StringIO()
    bar = RunProgress(enabled=False, stream=out)
    assert bar.enabled is False
    bar.add("j", 2)
    bar.update("j", failed=False)
    bar.close()
    assert out.getvalue() == ""


def test_progress_draws_when_enabled():
    out = io.StringIO()
    bar = RunProgress(enabled=True, stream=out)
    bar.add("j", 2)
    bar.update("j", failed=True)
    bar.close()
    text = out.getvalue()
    assert text.startswith("\r") and text.endswith("\n")
    assert "j: 1/2 done, 1 failed" in text
