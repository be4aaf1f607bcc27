"""The async judge runner: the one place that owns concurrency, limits, retries and resume.

This module prepares the judges, runs each judge's rows through a pool of workers and saves
the results; the work on one row (calls under the limits, retries, consistency votes, the row
record) is in ``_calls``. For every judge, side by side:

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
   best answer seen is kept. Each call has a hard ``timeout_s``. The waits of one row stay
   within ``timeout_s * max_retries`` in total: a Retry-After longer than what is left ends the
   row's retries with a WARNING naming the wait. An HTTP 401/403 answering a judge's first
   call(s) stops that judge: its remaining rows are ``llm_error`` rows saying why, not calls.
5. **Rows, not exceptions.** Every row ends with a status (``success``, ``partial``,
   ``parsing_error``, ``llm_error``, ``skipped`` — a row whose template columns are all empty
   is skipped, not paid for), an error message, the raw text, latency (time spent in calls),
   tokens, cost, ``attempts`` (the most calls one answer needed: 1 = no retry) and ``calls``
   (every call of the row, all samples and retries; a cache hit makes none). An unexpected
   exception in a row is recorded as ``llm_error`` with its text. Each finished row is
   appended to the journal.
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
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._ids import id_path
from meta_evaluator._sync import run_sync
from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._cache import ResponseCache
from meta_evaluator.judges._calls import _Acc, _Judge, _process_row, _record
from meta_evaluator.judges._clients import CallSettings, JudgeClient, make_client
from meta_evaluator.judges._cost import cost_unknown_reason
from meta_evaluator.judges._journal import Journal
from meta_evaluator.judges._limits import rate_limiter
from meta_evaluator.judges._progress import RunProgress, quiet_client_logs
from meta_evaluator.judges._prompt import check_template, system_message
from meta_evaluator.judges._results import RESULT_META_COLUMNS, JudgeResults
from meta_evaluator.judges._spec import JudgeSpec

__all__ = ["CacheMode", "run_judges", "run_judges_async"]

log = logging.getLogger("meta_evaluator.judges")
ClientFactory = Callable[..., JudgeClient]
CacheMode = Literal["on", "refresh", "off"]
"""How a run uses the response cache: read+write, write only (re-query), or not at all."""
_FAILED = (C.STATUS_PARSING_ERROR, C.STATUS_LLM_ERROR)


class _DataLike(Protocol):
    @property
    def data(self) -> pl.DataFrame: ...


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
            out_dir = id_path(Path(results_dir), spec.id, legacy=spec.id)
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
                    rpm=rate_limiter(spec.requests_per_minute),
                    tpm=rate_limiter(spec.tokens_per_minute),
                )
            )
    except BaseException:
        for c in clients:
            with contextlib.suppress(Exception):
                await c.aclose()
        raise
    return judges


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

    info: dict[str, Any] = {
        "client": spec.llm_client,
        "fingerprint": j.fingerprint,
        "spec": spec.to_state(),
        "calls": j.calls,
        "cache_hits": j.cache_hits,
        "input_tokens": total(C.INPUT_TOKENS),
        "output_tokens": total(C.OUTPUT_TOKENS),
        "cost_usd": total(C.COST_USD),
        "cost_note": None,
        "wall_s": round(time.perf_counter() - started, 3),
        "started_at": t0,
        "finished_at": datetime.now(UTC).isoformat(),
    }
    if info["cost_usd"] is None:
        answered = frame[C.STATUS].is_in([C.STATUS_SUCCESS, C.STATUS_PARTIAL]).any()
        info["cost_note"] = (
            cost_unknown_reason(
                spec.model,
                provider=spec.llm_client,
                has_tokens=info["input_tokens"] is not None or info["output_tokens"] is not None,
            )
            if answered
            else "no row was answered"
        ) or "the provider's answers carried no cost"
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
    cache: CacheMode = "on",
) -> dict[str, JudgeResults]:
    """Run judges over the evaluation data, side by side, and save their results.

    Args:
        specs: The judges (unique ids).
        task: The evaluation task (schemas, columns, answering method).
        data: The evaluation data (an ``EvalData``; its ``.data`` frame has ``original_id``).
        results_dir: The project's ``results/`` folder (``<results_dir>/<judge_id>/``).
        cache_dir: The response cache folder, or None to disable the cache.
        skip_duplicates: Reuse rows journaled as success/partial by the same judge definition.
        cache: ``"on"`` reads and writes the response cache; ``"refresh"`` queries every row
            again and stores the new answers; ``"off"`` neither reads nor writes it.
        progress: Draw a progress line (None: only when stderr is a TTY).
        client_factory: Builds a client; called like :func:`make_client` (``llm_client``
            positional; ``base_url``, ``api_key_env``, ``max_connections``, ``judge_id``
            keywords). A seam for tests.

    Returns:
        ``{judge_id: JudgeResults}``, each with one row per data row, in input order.

    Raises:
        JudgeConfigError: A judge is invalid (template, client, key) — raised before any call.
    """
    if cache not in ("on", "refresh", "off"):
        raise JudgeConfigError(
            f"The 'cache' parameter of run_judges_async must be 'on', 'refresh' or 'off'; got "
            f"{cache!r}."
        )
    with quiet_client_logs():
        frame = data.data
        judges = await _prepare(specs, task, frame, Path(results_dir), client_factory)
        store = ResponseCache(
            Path(cache_dir) if cache_dir is not None and cache != "off" else None,
            read=cache == "on",
        )
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
                    tg.create_task(_run_judge(j, task, rows, reused[j.spec.id], store, bar))
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
