"""One row of one judge: calls under the judge's limits, retries, consistency votes, the record.

:func:`_process_row` turns a data row into a result record: it skips a row whose template
columns are all empty, builds the messages, draws ``consistency`` samples (each from the cache
or from calls retried with full-jitter backoff or the provider's Retry-After) and votes their
labels. Points 3-6 of :mod:`meta_evaluator.judges._runner` state the rules; the runner owns the
judges, the workers and the results.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiolimiter import AsyncLimiter

from meta_evaluator import columns as C
from meta_evaluator._compat import skip_reason
from meta_evaluator.errors import JudgeCallError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._cache import ResponseCache, cache_key
from meta_evaluator.judges._clients import CallSettings, Completion, JudgeClient
from meta_evaluator.judges._journal import Journal
from meta_evaluator.judges._limits import MAX_RETRY_AFTER_S, backoff_delay
from meta_evaluator.judges._parse import ParsedAnswer, parse_answer
from meta_evaluator.judges._prompt import build_messages
from meta_evaluator.judges._spec import JudgeSpec
from meta_evaluator.judges._vote import consistency_vote

__all__ = ["AUTH_STATUSES", "MAX_RETRY_AFTER_S"]


AUTH_STATUSES = (401, 403)
"""HTTP statuses that stop a judge when they answer its first call(s): every call would fail."""

log = logging.getLogger("meta_evaluator.judges")
_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # where a row waits (see testing)


@dataclass(kw_only=True)
class _Judge:
    spec: JudgeSpec
    template: str
    system: str
    used_columns: list[str]
    fingerprint: str
    client: JudgeClient
    settings: CallSettings
    params: dict[str, Any]
    journal: Journal
    out_dir: Path
    sem: asyncio.Semaphore
    rpm: AsyncLimiter | None
    tpm: AsyncLimiter | None
    calls: int = 0
    cache_hits: int = 0
    answered: int = 0
    """Calls that got an HTTP answer (any answer: a 401 after one is not a key problem)."""
    halted: str | None = None
    """Why the judge's remaining calls were stopped (HTTP 401/403 on its first calls)."""
    warned_wait: bool = False
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def halt(self, exc: JudgeCallError) -> None:
        """Stop the judge's remaining calls after an auth failure on its first call(s)."""
        if self.halted is not None:
            return
        self.halted = (
            f"not called: judge {self.spec.id!r} stopped after HTTP {exc.status_code} on its "
            f"first call(s) ({exc}). Fix the key (api_key_env) or its permissions and re-run: "
            "these rows are queried again"
        )
        log.warning(
            "judge %s: HTTP %s on its first call(s) (%s): stopping its remaining calls; they are "
            "recorded as llm_error. Check the key (api_key_env) and its permissions.",
            self.spec.id,
            exc.status_code,
            exc,
        )


@dataclass(kw_only=True)
class _Acc:
    """What one row spent."""

    row_id: str = ""
    calls: int = 0
    """Provider calls made (all samples, all retries)."""
    tries: int = 0
    """The most calls one sample needed (1 = no retry)."""
    waited: float = 0.0
    """Seconds spent waiting between retries (backoff and Retry-After), all samples."""
    latency: float = 0.0
    in_tok: int | None = None
    out_tok: int | None = None
    cost: float | None = None

    def add(self, comp: Completion) -> None:
        if comp.input_tokens is not None:
            self.in_tok = (self.in_tok or 0) + comp.input_tokens
        if comp.output_tokens is not None:
            self.out_tok = (self.out_tok or 0) + comp.output_tokens
        if comp.cost_usd is not None:
            self.cost = (self.cost or 0.0) + comp.cost_usd


@dataclass(kw_only=True)
class _Sample:
    parsed: ParsedAnswer | None
    raw: str | None
    error: str | None
    status: str
    confidence: float | None = None


def _answer_sample(parsed: ParsedAnswer, completion: Completion) -> _Sample:
    """The sample of a parsed answer: its text, status, error and confidence.

    The one place a kept answer (cache hit, a successful parse, or the best partial parse after
    the retries) becomes a :class:`_Sample`.

    Args:
        parsed: The parse of ``completion.text``.
        completion: The response the answer came from (fresh or from the cache).

    Returns:
        The :class:`_Sample` carrying ``parsed`` and the completion's text and confidence.
    """
    return _Sample(
        parsed=parsed,
        raw=completion.text,
        error=parsed.error,
        status=parsed.status,
        confidence=completion.confidence,
    )


class _Halted(JudgeCallError):
    """Raised instead of a call once the judge is halted (no call was made)."""


def _backoff(spec: JudgeSpec, attempt: int, retry_after: float | None) -> float:
    return backoff_delay(attempt, retry_after, base_s=spec.backoff_base_s, max_s=spec.backoff_max_s)


def _row_is_empty(row: dict[str, Any], used: list[str]) -> bool:
    if not used:
        return False
    return all(
        row.get(c) is None or (isinstance(row.get(c), str) and not row[c].strip()) for c in used
    )


async def _call(j: _Judge, messages: list[dict[str, str]], acc: _Acc) -> Completion:
    spec = j.spec
    est = sum(len(m["content"]) for m in messages) / 4 + (spec.max_tokens or 0)
    async with j.sem:
        if j.halted is not None:  # stopped while this row waited for a slot
            raise _Halted(j.halted, retryable=False)
        if j.rpm is not None:
            await j.rpm.acquire()
        if j.tpm is not None:
            await j.tpm.acquire(min(max(1.0, est), j.tpm.max_rate))
        t0 = time.perf_counter()
        acc.calls += 1
        j.calls += 1
        try:
            async with asyncio.timeout(spec.timeout_s):
                comp = await j.client.complete(messages, settings=j.settings)
        except TimeoutError:
            raise JudgeCallError(f"timed out after {spec.timeout_s:g} s", retryable=True) from None
        except JudgeCallError as exc:
            if exc.status_code in AUTH_STATUSES and j.answered == 0:
                j.halt(exc)
            elif exc.status_code is not None:
                j.answered += 1
            raise
        finally:
            acc.latency += time.perf_counter() - t0
    j.answered += 1
    acc.add(comp)
    return comp


def _retry_wait(j: _Judge, acc: _Acc, attempt: int, exc: JudgeCallError) -> float | str:
    """Seconds to wait before the next try, or why the row stops retrying now.

    The waits of one row (all samples) stay within its retry budget, ``timeout_s *
    max_retries``: a computed backoff is cut to what is left; a provider's ``Retry-After``
    longer than what is left ends the row's retries with a WARNING naming the wait (the row
    is an ``llm_error`` and is queried again on the next run).
    """
    spec = j.spec
    budget = spec.timeout_s * spec.max_retries
    left = max(0.0, budget - acc.waited)
    if exc.retry_after is not None and exc.retry_after > left:
        note = (
            f"the provider asked to wait {exc.retry_after:g} s (Retry-After) but only {left:g} s "
            f"of the row's retry budget (timeout_s x max_retries = {budget:g} s) were left; "
            "not retried"
        )
        level = logging.DEBUG if j.warned_wait else logging.WARNING
        j.warned_wait = True
        log.log(level, "judge %s: row %r: %s (re-run to query it again)", spec.id, acc.row_id, note)
        return note
    if left <= 0:
        return f"retry budget (timeout_s x max_retries = {budget:g} s) used up"
    return min(_backoff(spec, attempt, exc.retry_after), left)


async def _sample(
    j: _Judge,
    task: EvalTask,
    messages: list[dict[str, str]],
    index: int,
    acc: _Acc,
    cache: ResponseCache,
) -> _Sample:
    spec = j.spec
    method, fallback = task.answering_method, task.structured_outputs_fallback
    key = ""
    if cache.enabled:
        key = cache_key(
            client=spec.llm_client,
            base_url=spec.base_url,
            model=spec.model,
            params=j.params,
            messages=messages,
            sample=index,
        )
        cached = cache.get(key)
        if cached is not None:
            parsed = parse_answer(cached.text, task, method=method, fallback=fallback)
            if parsed.ok:
                j.cache_hits += 1
                acc.add(cached)
                return _answer_sample(parsed, cached)
    best: tuple[ParsedAnswer, Completion] | None = None
    last_raw: str | None = None
    last_error = "no call made"
    last_status = C.STATUS_LLM_ERROR
    tries = 0
    for attempt in range(spec.max_retries + 1):
        if j.halted is not None:
            last_error, last_status = j.halted, C.STATUS_LLM_ERROR
            break
        try:
            comp = await _call(j, messages, acc)
        except _Halted as exc:
            last_error, last_status = str(exc), C.STATUS_LLM_ERROR
            break
        except JudgeCallError as exc:
            tries += 1
            acc.tries = max(acc.tries, tries)
            code = f" (HTTP {exc.status_code})" if exc.status_code else ""
            last_error, last_status = f"{exc}{code}", C.STATUS_LLM_ERROR
            if not exc.retryable:
                break
            if attempt < spec.max_retries:
                wait = _retry_wait(j, acc, attempt, exc)
                if isinstance(wait, str):
                    last_error = f"{last_error}; {wait}"
                    break
                acc.waited += wait
                await _sleep(wait)
            continue
        tries += 1
        acc.tries = max(acc.tries, tries)
        last_raw = comp.text
        parsed = parse_answer(comp.text, task, method=method, fallback=fallback)
        if parsed.status == C.STATUS_SUCCESS:
            cache.put(key, comp)
            return _answer_sample(parsed, comp)
        if parsed.ok and (best is None or len(parsed.labels) > len(best[0].labels)):
            best = (parsed, comp)
        last_error, last_status = parsed.error or "unparseable answer", C.STATUS_PARSING_ERROR
    if best is not None:
        parsed, comp = best
        cache.put(key, comp)
        return _answer_sample(parsed, comp)
    return _Sample(
        parsed=None,
        raw=last_raw,
        error=f"{last_error} (after {tries} call{'s' if tries != 1 else ''})",
        status=last_status,
    )


async def _process_row(
    j: _Judge, task: EvalTask, row: dict[str, Any], cache: ResponseCache
) -> dict[str, Any]:
    acc = _Acc(row_id=str(row.get(C.ORIGINAL_ID)))
    reason = skip_reason(task, row)
    if reason is not None:
        return _record(C.STATUS_SKIPPED, reason, None, {}, None, acc)
    if _row_is_empty(row, j.used_columns):
        return _record(
            C.STATUS_SKIPPED,
            f"skipped: column(s) {j.used_columns!r} are all empty for this row",
            None,
            {},
            None,
            acc,
        )
    messages = build_messages(
        j.template, row, task=task, method=task.answering_method, system=j.system
    )
    n = j.spec.consistency
    if n == 1:
        s = await _sample(j, task, messages, 0, acc, cache)
        labels = s.parsed.labels if s.parsed is not None else {}
        return _record(s.status, s.error, s.raw, labels, s.confidence, acc)
    samples = await asyncio.gather(*(_sample(j, task, messages, i, acc, cache) for i in range(n)))
    raw = json.dumps([s.raw for s in samples], ensure_ascii=False)
    if not any(s.parsed is not None for s in samples):
        last = samples[-1]
        return _record(last.status, last.error, raw, {}, None, acc)
    labels, conf = consistency_vote(task, [s.parsed for s in samples])
    missing = [t for t in task.effective_required_tasks if t not in labels]
    failed = sum(s.parsed is None for s in samples)
    notes = [f"missing required task(s) {missing!r}"] if missing else []
    if failed:
        notes.append(
            f"{failed}/{n} samples failed: {next(s.error for s in samples if s.parsed is None)}"
        )
    status = C.STATUS_PARTIAL if missing else C.STATUS_SUCCESS
    return _record(status, "; ".join(notes) or None, raw, labels, conf, acc)


def _record(
    status: str,
    error: str | None,
    raw: str | None,
    labels: dict[str, Any],
    confidence: float | None,
    acc: _Acc,
) -> dict[str, Any]:
    return {
        C.STATUS: status,
        C.ERROR_MESSAGE: error,
        C.RAW_RESPONSE: raw,
        C.LATENCY_S: round(acc.latency, 6),
        C.INPUT_TOKENS: acc.in_tok,
        C.OUTPUT_TOKENS: acc.out_tok,
        C.COST_USD: acc.cost,
        C.ATTEMPTS: acc.tries,
        C.CALLS: acc.calls,
        C.CONFIDENCE: confidence,
        "labels": labels,
    }
