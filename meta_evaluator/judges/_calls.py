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
import random
import time
from collections import Counter
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
from meta_evaluator.judges._parse import ParsedAnswer, parse_answer
from meta_evaluator.judges._prompt import build_messages
from meta_evaluator.judges._spec import JudgeSpec

__all__ = ["MAX_RETRY_AFTER_S"]

MAX_RETRY_AFTER_S = 300.0
"""Longest provider-requested wait that is honoured."""


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
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(kw_only=True)
class _Acc:
    """What one row spent."""

    attempts: int = 0
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


def _backoff(spec: JudgeSpec, attempt: int, retry_after: float | None) -> float:
    if retry_after is not None and retry_after > 0:
        return min(retry_after, MAX_RETRY_AFTER_S) + random.uniform(0, spec.backoff_base_s / 4)
    return random.uniform(0, min(spec.backoff_max_s, spec.backoff_base_s * (2**attempt)))


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
        if j.rpm is not None:
            await j.rpm.acquire()
        if j.tpm is not None:
            await j.tpm.acquire(min(max(1.0, est), j.tpm.max_rate))
        t0 = time.perf_counter()
        acc.attempts += 1
        j.calls += 1
        try:
            async with asyncio.timeout(spec.timeout_s):
                comp = await j.client.complete(messages, settings=j.settings)
        except TimeoutError:
            raise JudgeCallError(f"timed out after {spec.timeout_s:g} s", retryable=True) from None
        finally:
            acc.latency += time.perf_counter() - t0
    acc.add(comp)
    return comp


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
                return _Sample(
                    parsed=parsed,
                    raw=cached.text,
                    error=parsed.error,
                    status=parsed.status,
                    confidence=cached.confidence,
                )
    best: tuple[ParsedAnswer, Completion] | None = None
    last_raw: str | None = None
    last_error = "no call made"
    last_status = C.STATUS_LLM_ERROR
    for attempt in range(spec.max_retries + 1):
        try:
            comp = await _call(j, messages, acc)
        except JudgeCallError as exc:
            code = f" (HTTP {exc.status_code})" if exc.status_code else ""
            last_error, last_status = f"{exc}{code}", C.STATUS_LLM_ERROR
            if not exc.retryable:
                break
            if attempt < spec.max_retries:
                await asyncio.sleep(_backoff(spec, attempt, exc.retry_after))
            continue
        last_raw = comp.text
        parsed = parse_answer(comp.text, task, method=method, fallback=fallback)
        if parsed.status == C.STATUS_SUCCESS:
            cache.put(key, comp)
            return _Sample(
                parsed=parsed,
                raw=comp.text,
                error=parsed.error,
                status=parsed.status,
                confidence=comp.confidence,
            )
        if parsed.ok and (best is None or len(parsed.labels) > len(best[0].labels)):
            best = (parsed, comp)
        last_error, last_status = parsed.error or "unparseable answer", C.STATUS_PARSING_ERROR
    if best is not None:
        parsed, comp = best
        cache.put(key, comp)
        return _Sample(
            parsed=parsed,
            raw=comp.text,
            error=parsed.error,
            status=parsed.status,
            confidence=comp.confidence,
        )
    calls = acc.attempts
    return _Sample(
        parsed=None,
        raw=last_raw,
        error=f"{last_error} (after {calls} call{'s' if calls != 1 else ''})",
        status=last_status,
    )


def _vote(task: EvalTask, samples: list[_Sample], n: int) -> tuple[dict[str, Any], float | None]:
    oks = [s.parsed for s in samples if s.parsed is not None]
    labels: dict[str, Any] = {}
    shares: list[float] = []
    for name in task.task_names:
        votes = [p.labels[name] for p in oks if name in p.labels]
        if not votes:
            continue
        if task.task_kind(name) == "text":
            labels[name] = votes[0]
            continue
        keyed = Counter(json.dumps(v, sort_keys=True) for v in votes)
        top = max(keyed.values())
        winner = min(k for k, c in keyed.items() if c == top)
        labels[name] = json.loads(winner)
        shares.append(top / n)
    return labels, (min(shares) if shares else None)


async def _process_row(
    j: _Judge, task: EvalTask, row: dict[str, Any], cache: ResponseCache
) -> dict[str, Any]:
    acc = _Acc()
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
    labels, conf = _vote(task, list(samples), n)
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
        C.ATTEMPTS: acc.attempts,
        C.CONFIDENCE: confidence,
        "labels": labels,
    }
