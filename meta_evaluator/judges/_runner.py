"""The async judge runner: the one place that owns concurrency, limits, retries and resume.

For every judge, side by side:

1. **Validate first, call later.** Every template is checked against the data columns and
   every client is built (unknown client, missing key variable) before the first call of any
   judge.
2. **Resume.** Rows journaled as ``success``/``partial`` by the same judge definition are
   reused, not re-queried (``skip_duplicates=True``); failed rows are retried.
3. **Limits.** At most ``max_concurrency`` calls in flight per judge (a semaphore, released while
   a retry waits); ``requests_per_minute`` / ``tokens_per_minute`` through
   :class:`aiolimiter.AsyncLimiter`, spread evenly over the minute (a limit of R per minute
   allows bursts of ``max(1, R/60)`` per second, so no minute-start burst trips a provider's
   shorter windows). Tokens are estimated before the call as ``len(messages text) / 4`` plus
   ``max_tokens`` when set.
4. **Retries.** A retryable :class:`~meta_evaluator.errors.JudgeCallError` (429, 5xx, timeout,
   connection) waits ``uniform(0, min(backoff_max_s, backoff_base_s * 2**attempt))`` (full
   jitter) or the provider's Retry-After (up to 300 s) and tries again; an answer that cannot be
   parsed (or is only ``partial``) is retried at once. Both count against ``max_retries``; the
   best answer seen is kept. Each call has a hard ``timeout_s``.
5. **Rows, not exceptions.** Every row ends with a status (``success``, ``partial``,
   ``parsing_error``, ``llm_error``, ``skipped`` — a row whose template columns are all empty
   is skipped, not paid for), an error message, the raw text, latency (time spent in calls),
   tokens, cost and attempts (calls made; a cache hit makes none). An unexpected exception in a
   row is recorded as ``llm_error`` with its text. Each finished row is appended to the journal.
6. **Consistency.** ``consistency=N`` samples N answers per row; each task keeps its majority
   label (ties: the smallest label by its JSON text) and the row's ``confidence`` is the
   smallest per-task vote share, counted over the N samples (a failed sample votes for
   nothing). Free-text tasks take the first sample's text. The raw column holds a JSON list of
   the N raw answers. With ``consistency=1`` ``confidence`` is the client's own (local judge).
7. **Finish.** Results, in input order, are saved as ``results/<id>/results.parquet`` +
   ``state.json`` and the journal is compacted to one line per row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import polars as pl
from aiolimiter import AsyncLimiter

from meta_evaluator import columns as C
from meta_evaluator._sync import run_sync
from meta_evaluator.errors import JudgeCallError, JudgeConfigError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._cache import ResponseCache, cache_key
from meta_evaluator.judges._clients import CallSettings, Completion, JudgeClient, make_client
from meta_evaluator.judges._journal import Journal
from meta_evaluator.judges._parse import ParsedAnswer, parse_answer
from meta_evaluator.judges._progress import RunProgress
from meta_evaluator.judges._prompt import build_messages, check_template, system_message
from meta_evaluator.judges._results import RESULT_META_COLUMNS, JudgeResults
from meta_evaluator.judges._spec import JudgeSpec

__all__ = ["run_judges", "run_judges_async"]

log = logging.getLogger("meta_evaluator.judges")

MAX_RETRY_AFTER_S = 300.0
"""Longest provider-requested wait that is honoured."""

ClientFactory = Callable[..., JudgeClient]
_FAILED = (C.STATUS_PARSING_ERROR, C.STATUS_LLM_ERROR)


class _DataLike(Protocol):
    @property
    def data(self) -> pl.DataFrame: ...


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


def _limiter(per_minute: float | None) -> AsyncLimiter | None:
    if per_minute is None:
        return None
    if per_minute >= 60:
        return AsyncLimiter(per_minute / 60.0, 1.0)
    return AsyncLimiter(1, 60.0 / per_minute)


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


# ---------------------------------------------------------------------- preparation
async def _prepare(
    specs: Sequence[JudgeSpec],
    task: EvalTask,
    frame: pl.DataFrame,
    results_dir: Path,
    client_factory: ClientFactory,
) -> list[_Judge]:
    if not specs:
        raise JudgeConfigError("run_judges_async: no judges given. Add a judge first.")
    ids = [s.id for s in specs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise JudgeConfigError(f"run_judges_async: judge id(s) {dup!r} given more than once.")
    if C.ORIGINAL_ID not in frame.columns:
        raise JudgeConfigError(
            f"run_judges_async: the data has no {C.ORIGINAL_ID!r} column; load it with "
            "DataLoader so every row gets an id."
        )
    method = task.answering_method
    schema = task.output_json_schema()
    checked = []
    for spec in specs:
        template = spec.prompt_template()
        used = check_template(template, task, frame.columns, spec.id)
        fp = spec.fingerprint(
            template=template,
            context={
                "schema": schema,
                "method": method,
                "fallback": task.structured_outputs_fallback,
            },
        )
        checked.append((spec, template, used, fp))
    clients: list[JudgeClient] = []
    judges: list[_Judge] = []
    try:
        for spec, template, used, fp in checked:
            client = client_factory(
                spec.llm_client,
                base_url=spec.base_url,
                api_key_env=spec.api_key_env,
                max_connections=max(spec.max_concurrency, 1),
                judge_id=spec.id,
            )
            clients.append(client)
            extra = dict(spec.extra)
            if spec.label_descriptions is not None:
                extra["label_descriptions"] = spec.label_descriptions
            want_schema = method == "structured" or spec.llm_client == "local"
            settings = CallSettings(
                model=spec.model,
                temperature=spec.temperature,
                max_tokens=spec.max_tokens,
                timeout_s=spec.timeout_s,
                response_schema=schema if want_schema else None,
                extra=extra,
            )
            out_dir = Path(results_dir) / spec.id
            judges.append(
                _Judge(
                    spec=spec,
                    template=template,
                    system=system_message(task, method),
                    used_columns=used,
                    fingerprint=fp,
                    client=client,
                    settings=settings,
                    params={
                        "temperature": spec.temperature,
                        "max_tokens": spec.max_tokens,
                        "response_schema": settings.response_schema,
                        "extra": extra,
                    },
                    journal=Journal(out_dir / "journal.jsonl", fp),
                    out_dir=out_dir,
                    sem=asyncio.Semaphore(spec.max_concurrency),
                    rpm=_limiter(spec.requests_per_minute),
                    tpm=_limiter(spec.tokens_per_minute),
                )
            )
    except BaseException:
        for c in clients:
            with contextlib.suppress(Exception):
                await c.aclose()
        raise
    return judges


# ---------------------------------------------------------------------- calls
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


# ---------------------------------------------------------------------- one judge
async def _run_judge(
    j: _Judge,
    task: EvalTask,
    rows: list[dict[str, Any]],
    reused: dict[str, dict[str, Any]],
    cache: ResponseCache,
    progress: RunProgress,
) -> None:
    todo = [r for r in rows if str(r[C.ORIGINAL_ID]) not in reused]
    j.rows.update(reused)
    progress.add(j.spec.id, len(todo))
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for r in todo:
        queue.put_nowait(r)

    async def worker() -> None:
        while True:
            try:
                row = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            rid = str(row[C.ORIGINAL_ID])
            try:
                rec = await _process_row(j, task, row, cache)
            except Exception as exc:  # a bug in one row must not kill the run
                log.exception("judge %s: row %r failed unexpectedly", j.spec.id, rid)
                rec = _record(
                    C.STATUS_LLM_ERROR,
                    f"internal error: {type(exc).__name__}: {exc}",
                    None,
                    {},
                    None,
                    _Acc(),
                )
            j.rows[rid] = rec
            j.journal.append(rid, rec)
            progress.update(j.spec.id, failed=rec[C.STATUS] in _FAILED)

    n_workers = min(len(todo), 2 * j.spec.max_concurrency)
    j.journal.open()
    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(n_workers):
                tg.create_task(worker())
    finally:
        j.journal.close()


def _frame(task: EvalTask, ids: list[str], rows: dict[str, dict[str, Any]]) -> pl.DataFrame:
    meta_types: dict[str, Any] = dict(RESULT_META_COLUMNS)
    cols: dict[str, list[Any]] = {k: [] for k in meta_types}
    task_types: dict[str, Any] = {}
    for name in task.task_names:
        kind = task.task_kind(name)
        if kind == "multilabel":
            task_types[name] = pl.List(pl.Utf8)
        elif kind == "numeric":
            allowed = task.allowed_labels(name) or []
            task_types[name] = pl.Int64 if all(isinstance(x, int) for x in allowed) else pl.Float64
        else:
            task_types[name] = pl.Utf8
        cols[name] = []
    for rid in ids:
        rec = rows[rid]
        cols[C.ORIGINAL_ID].append(rid)
        for k in meta_types:
            if k != C.ORIGINAL_ID:
                cols[k].append(rec.get(k))
        labels = rec.get("labels") or {}
        for name in task.task_names:
            cols[name].append(labels.get(name))
    return pl.DataFrame(cols, schema={**meta_types, **task_types})


def _finish(j: _Judge, task: EvalTask, ids: list[str], started: float, t0: str) -> JudgeResults:
    rows = {rid: j.rows[rid] for rid in ids}
    frame = _frame(task, ids, rows)
    spec = j.spec

    def total(col: str) -> float | int | None:
        s = frame[col].drop_nulls()
        if s.is_empty():
            return None
        return float(s.sum()) if col == C.COST_USD else int(s.sum())

    info = {
        "client": spec.llm_client,
        "fingerprint": j.fingerprint,
        "spec": spec.to_state(),
        "calls": j.calls,
        "cache_hits": j.cache_hits,
        "input_tokens": total(C.INPUT_TOKENS),
        "output_tokens": total(C.OUTPUT_TOKENS),
        "cost_usd": total(C.COST_USD),
        "wall_s": round(time.perf_counter() - started, 3),
        "started_at": t0,
        "finished_at": datetime.now(UTC).isoformat(),
    }
    res = JudgeResults(
        judge_id=spec.id,
        task_names=task.task_names,
        results_data=frame,
        source="run",
        model=spec.model,
        info=info,
    )
    res.save(j.out_dir)
    j.journal.compact(rows)
    return res


# ---------------------------------------------------------------------- public API
async def run_judges_async(
    specs: Sequence[JudgeSpec],
    *,
    task: EvalTask,
    data: _DataLike,
    results_dir: str | Path,
    cache_dir: str | Path | None,
    skip_duplicates: bool = True,
    progress: bool | None = None,
    client_factory: ClientFactory = make_client,
) -> dict[str, JudgeResults]:
    """Run judges over the evaluation data, side by side, and save their results.

    Args:
        specs: The judges (unique ids).
        task: The evaluation task (schemas, columns, answering method).
        data: The evaluation data (an ``EvalData``; its ``.data`` frame has ``original_id``).
        results_dir: The project's ``results/`` folder (``<results_dir>/<judge_id>/``).
        cache_dir: The response cache folder, or None to disable the cache.
        skip_duplicates: Reuse rows journaled as success/partial by the same judge definition.
        progress: Draw a progress line (None: only when stderr is a TTY).
        client_factory: Builds a client; called like :func:`make_client` (``llm_client``
            positional; ``base_url``, ``api_key_env``, ``max_connections``, ``judge_id``
            keywords). A seam for tests.

    Returns:
        ``{judge_id: JudgeResults}``, each with one row per data row, in input order.

    Raises:
        JudgeConfigError: A judge is invalid (template, client, key) — raised before any call.
    """
    frame = data.data
    judges = await _prepare(specs, task, frame, Path(results_dir), client_factory)
    cache = ResponseCache(Path(cache_dir) if cache_dir is not None else None)
    rows = list(frame.iter_rows(named=True))
    ids = [str(r[C.ORIGINAL_ID]) for r in rows]
    bar = RunProgress(enabled=progress)
    started, t0 = time.perf_counter(), datetime.now(UTC).isoformat()
    try:
        reused: dict[str, dict[str, dict[str, Any]]] = {}
        id_set = set(ids)
        for j in judges:
            state = j.journal.read()
            if state.stale:
                log.info(
                    "judge %s: %d journaled row(s) came from a different definition of this "
                    "judge (model, prompt or params changed); they will be re-queried",
                    j.spec.id,
                    state.stale,
                )
            keep = {
                rid: rec
                for rid, rec in state.rows.items()
                if skip_duplicates
                and rid in id_set
                and rec.get(C.STATUS) in (C.STATUS_SUCCESS, C.STATUS_PARTIAL)
            }
            reused[j.spec.id] = keep
            if keep:
                log.info(
                    "judge %s: reusing %d finished row(s) from %s; %d to run",
                    j.spec.id,
                    len(keep),
                    j.journal.path,
                    len(ids) - len(keep),
                )
        async with asyncio.TaskGroup() as tg:
            for j in judges:
                tg.create_task(_run_judge(j, task, rows, reused[j.spec.id], cache, bar))
        return {j.spec.id: _finish(j, task, ids, started, t0) for j in judges}
    finally:
        bar.close()
        for j in judges:
            j.journal.close()
            with contextlib.suppress(Exception):
                await j.client.aclose()


def run_judges(specs: Sequence[JudgeSpec], **kwargs: Any) -> dict[str, JudgeResults]:
    """Blocking twin of :func:`run_judges_async`, safe inside a running event loop (Jupyter).

    Without a running loop it uses ``asyncio.run``; inside one it runs the coroutine on a fresh
    loop in a worker thread and waits for it.

    Args:
        specs: The judges.
        **kwargs: The keyword arguments of :func:`run_judges_async`.
    """
    return run_sync(run_judges_async(specs, **kwargs))
