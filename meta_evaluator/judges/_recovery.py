"""Reading every judge's saved results, rebuilding a lost results table from its journal.

A folder ``results/<judge_id>/`` is in one of three states:

- **complete**: ``state.json`` and ``results.parquet`` both read -> the results.
- **unfinished**: neither exists but ``journal.jsonl`` does (a first run was interrupted) ->
  not results yet; :func:`load_judge_results` lists it so callers can say so (a re-run resumes).
- **damaged**: one of the two is missing or unreadable -> rebuilt from ``journal.jsonl`` (every
  finished row is there; the rebuilt table is saved back, with a WARNING), or, without a
  journal (external results), a :class:`~meta_evaluator.errors.ProjectError` naming the file.
  A damaged judge is never silently skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from meta_evaluator.errors import ProjectError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._journal import Journal
from meta_evaluator.judges._results import JudgeResults

__all__ = ["LoadedResults", "load_judge_results", "rebuild_from_journal", "without_vanished_judges"]

log = logging.getLogger("meta_evaluator.judges")

_TABLES = ("state.json", "results.parquet")


class _HasJudge(Protocol):
    @property
    def judge_id(self) -> str: ...


_R = TypeVar("_R", bound=_HasJudge)


@dataclass(kw_only=True)
class LoadedResults:
    """What :func:`load_judge_results` found under ``results/``."""

    results: dict[str, JudgeResults] = field(default_factory=dict)
    """judge_id -> results (complete or rebuilt)."""
    unfinished: dict[str, int] = field(default_factory=dict)
    """judge_id -> rows journaled by a run that never finished (not in ``results``)."""
    rebuilt: list[str] = field(default_factory=list)
    """Judges whose table was rebuilt from the journal in this call."""

    def warn_unscored(self, registered: Iterable[str]) -> list[str]:
        """Log a WARNING naming every registered judge that has no results (so is not scored).

        Returns:
            Those judges, sorted.
        """
        idle = sorted(set(registered) - set(self.results))
        if idle:
            log.warning(
                "judge(s) %r have no results and are not scored (%s); run them with "
                "run_judges_async()",
                idle,
                ", ".join(
                    f"{j}: unfinished run, {self.unfinished[j]} row(s) journaled"
                    if j in self.unfinished
                    else f"{j}: never run"
                    for j in idle
                ),
            )
        return idle


def without_vanished_judges(saved: list[_R], current: set[str]) -> list[_R]:
    """Saved score results minus those of judges whose results are gone (with a WARNING).

    Args:
        saved: Score results read from ``scores/`` (anything with a ``judge_id``).
        current: The judges that have results now.
    """
    stale = sorted({r.judge_id for r in saved} - current)
    if stale:
        log.warning(
            "saved scores of judge(s) %r are left out of the report: their results are gone; "
            "run compare_async() again",
            stale,
        )
    return [r for r in saved if r.judge_id in current]


def _last_fingerprint(journal: Path) -> str | None:
    try:
        lines = journal.read_bytes().split(b"\n")
    except OSError:
        return None
    for line in reversed(lines):
        try:
            fp = json.loads(line)["fp"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(fp, str):
            return fp
    return None


def _reason(exc: ProjectError) -> str:
    cause = exc.__cause__
    return f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)


def _judge_id_of(directory: Path) -> str:
    """The judge id in the folder's ``state.json`` when readable, else the folder name."""
    try:
        jid = json.loads((directory / "state.json").read_text(encoding="utf-8"))["judge_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return directory.name
    return jid if isinstance(jid, str) else directory.name


def rebuild_from_journal(
    directory: Path,
    *,
    task: EvalTask | None,
    ids: list[str] | None,
    model: str | None,
    reason: str,
) -> JudgeResults:
    """Rebuild and save ``results.parquet`` + ``state.json`` from ``journal.jsonl``.

    The rows are those journaled by the judge's latest definition (the last line's
    fingerprint), in data order when ``ids`` is given.

    Raises:
        ProjectError: No task is set, or the journal holds no usable row.
    """
    from meta_evaluator.judges._runner import _frame

    directory = Path(directory)
    journal = directory / "journal.jsonl"
    fp = _last_fingerprint(journal)
    if task is None or fp is None:
        why = "no eval task is set" if task is None else "the journal holds no readable row"
        raise ProjectError(
            f"Judge results in {str(directory)!r} are damaged ({reason}) and cannot be rebuilt "
            f"from {str(journal)!r}: {why}. Re-run the judge (rows are re-queried) or restore "
            "the folder from backup."
        )
    rows = Journal(journal, fp).read().rows
    order = [i for i in (ids or []) if i in rows] + [i for i in rows if i not in set(ids or [])]
    res = JudgeResults(
        judge_id=_judge_id_of(directory),
        task_names=task.task_names,
        results_data=_frame(task, order, rows),
        source="run",
        model=model,
        info={"fingerprint": fp, "rebuilt_from_journal": reason},
    )
    res.save(directory)
    log.warning(
        "judge %s: results rebuilt from %s (%s): %d row(s)%s",
        res.judge_id,
        journal,
        reason,
        len(order),
        f" of {len(ids)}" if ids is not None else "",
    )
    return res


def load_judge_results(
    results_dir: Path,
    *,
    task: EvalTask | None,
    ids: list[str] | None,
    models: dict[str, str],
) -> LoadedResults:
    """Read every judge's results under ``results_dir`` (see the module docstring).

    Args:
        results_dir: The project's ``results/`` folder.
        task: The project's task (needed to rebuild a table).
        ids: The data's ids, in order (rebuilt rows follow it).
        models: judge_id -> model, for rebuilt tables.

    Raises:
        ProjectError: A damaged folder without a usable journal, naming the file.
    """
    out = LoadedResults()
    if not Path(results_dir).is_dir():
        return out
    for sub in sorted(Path(results_dir).iterdir()):
        if not sub.is_dir() or sub.name.startswith("."):
            continue
        journal = sub / "journal.jsonl"
        present = [name for name in _TABLES if (sub / name).is_file()]
        if not present:
            if journal.is_file():
                out.unfinished[sub.name] = len(journal.read_bytes().splitlines())
            continue
        try:
            if len(present) < len(_TABLES):
                missing = next(n for n in _TABLES if n not in present)
                raise ProjectError(f"{str(sub / missing)!r} is missing")
            res = JudgeResults.load(sub)
        except ProjectError as exc:
            if not journal.is_file():
                raise ProjectError(
                    f"Judge results in {str(sub)!r} are damaged: {exc}. There is no journal "
                    "to rebuild them from: re-import them with add_external_judge_results(..., "
                    "overwrite=True), re-run the judge, or restore the folder from backup."
                ) from exc
            res = rebuild_from_journal(
                sub, task=task, ids=ids, model=models.get(_judge_id_of(sub)), reason=_reason(exc)
            )
            out.rebuilt.append(sub.name)
        out.results[res.judge_id] = res
    return out
