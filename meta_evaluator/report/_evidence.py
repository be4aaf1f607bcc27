"""The per-sample evidence behind a score report, gathered once from a project.

The score sections of the report show finished results; the decision sections (explorer,
annotators, judge-vs-judge, confusion, run health) need the samples themselves: the input
text, every human label, every judge label with its rationale and consistency share.
:func:`gather_evidence` collects them from a :class:`~meta_evaluator.MetaEvaluator` in one
place, and :func:`coded_task` turns one categorical (or numeric-scale, or multilabel) task into
integer-coded ``raters x items`` matrices aligned on the data order, with the human consensus.

Consensus follows the scorers' ``majority_vote`` rule (DESIGN.md): the most frequent human label,
ties broken by the alphabetically first label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.errors import MetaEvaluatorError
from meta_evaluator.stats import per_item_agreement
from meta_evaluator.stats._consensus import majority_vote

if TYPE_CHECKING:
    from meta_evaluator.judges import JudgeResults
    from meta_evaluator.project import MetaEvaluator

__all__ = ["CodedTask", "ReportEvidence", "TaskInfo", "coded_task", "gather_evidence"]

IntMatrix = npt.NDArray[np.int64]
FloatVector = npt.NDArray[np.float64]

_TEXT_TASK_KINDS = frozenset({"text"})
_RATIONALE_COLUMNS = ("rationale", "explanation", "reasoning", "reason")
"""Free-text task names read as a judge's rationale, in this order of preference."""


@dataclass(frozen=True, kw_only=True)
class TaskInfo:
    """One task of the project as the report needs it."""

    name: str
    """Task name."""
    kind: str
    """``categorical``, ``numeric``, ``text`` or ``multilabel``."""
    labels: list[str] | None
    """Allowed labels as text, in schema order (None for free text)."""


@dataclass(frozen=True, kw_only=True)
class ReportEvidence:
    """Everything per sample that the decision sections of the report read."""

    tasks: list[TaskInfo]
    """The project's tasks."""
    text_columns: list[str]
    """Data columns shown with each sample (prompt columns, then response columns)."""
    samples: pl.DataFrame
    """``original_id`` + ``text_columns``, in data order."""
    humans: pl.DataFrame
    """Human labels, long: ``original_id``, ``annotator_id``, one column per task."""
    judges: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Judge id -> its results table (status, error, raw text, latency, tokens, cost, labels)."""
    judge_facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Judge id -> run facts (source, model, client, fingerprint, wall time, timestamps)."""
    _coded: dict[str, CodedTask | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Task name -> its :func:`coded_task` (every decision section reads the same coding)."""
    _rows: dict[str, tuple[pl.DataFrame, npt.NDArray[np.int64]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Rater key -> its label rows and their sample positions (:func:`_answered_rows`)."""
    _sections: dict[str, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """``"all"`` -> the score-independent decision sections, once built
    (:func:`~meta_evaluator.report._decision.evidence_sections`)."""

    @property
    def annotators(self) -> list[str]:
        """Annotator ids, sorted."""
        if self.humans.is_empty():
            return []
        return sorted(self.humans[C.ANNOTATOR_ID].unique().to_list())

    def rationale_task(self) -> str | None:
        """The free-text task read as the judges' rationale (``explanation`` etc.), if any."""
        text = [t.name for t in self.tasks if t.kind in _TEXT_TASK_KINDS]
        for name in _RATIONALE_COLUMNS:
            if name in text:
                return name
        return text[0] if text else None


@dataclass(frozen=True, kw_only=True)
class CodedTask:
    """One labelled task, integer-coded and aligned on the sample order (``-1`` = no label)."""

    task: TaskInfo
    """The task."""
    labels: list[str]
    """Code -> label text."""
    ids: list[str]
    """Sample ids (columns of the matrices)."""
    annotators: list[str]
    """Rows of ``humans``."""
    humans: IntMatrix
    """``(n_annotators, n_items)`` human codes."""
    judge_ids: list[str]
    """Rows of ``judges``."""
    judges: IntMatrix
    """``(n_judges, n_items)`` judge codes."""
    consensus: npt.NDArray[np.int64]
    """Per item: the human majority label code (ties: alphabetically first), -1 = no human."""
    support: FloatVector
    """Per item: share of the item's humans who chose the consensus (nan = no human)."""
    pair_agreement: FloatVector
    """Per item: share of human pairs that agree (nan = fewer than 2 humans)."""


def _label_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def gather_evidence(
    ev: MetaEvaluator, judge_results: Mapping[str, JudgeResults] | None = None
) -> ReportEvidence | None:
    """Collect samples, human labels and judge results of a project for the report.

    Args:
        ev: The project.
        judge_results: ``ev.load_all_judge_results()`` when the caller already loaded them.

    Returns:
        The evidence, or None when the project has no task or no data yet.
    """
    task, data = ev.eval_task, ev.data
    if task is None or data is None:
        return None
    infos = []
    for name in task.task_names:
        kind = task.task_kind(name)
        allowed = task.allowed_labels(name)
        infos.append(
            TaskInfo(
                name=name,
                kind=kind,
                labels=None if allowed is None else [_label_text(x) for x in allowed],
            )
        )
    text_columns = [c for c in task.data_columns if c in data.data.columns]
    samples = data.data.select(
        C.ORIGINAL_ID, *[pl.col(c).cast(pl.Utf8, strict=False) for c in text_columns]
    )
    has_humans = ev._annotations is not None or (ev.annotations_dir / "state.json").is_file()
    humans = ev.annotations.long_frame() if has_humans else pl.DataFrame()
    judges: dict[str, pl.DataFrame] = {}
    facts: dict[str, dict[str, Any]] = {}
    if judge_results is None:
        judge_results = ev.load_all_judge_results()
    for jid, res in judge_results.items():
        judges[jid] = res.results_data
        info = dict(res.info)
        spec = ev.judges.get(jid)
        prompt_hash = None
        if spec is not None:
            try:
                text = spec.prompt_template()
            except MetaEvaluatorError:  # a prompt file that moved: the hash is unknown
                text = None
            if text is not None:
                prompt_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        facts[jid] = {
            "source": res.source,
            "model": res.model,
            "client": info.get("client") or (spec.llm_client if spec is not None else None),
            "fingerprint": info.get("fingerprint"),
            "prompt_hash": prompt_hash,
            "wall_s": info.get("wall_s"),
            "started_at": info.get("started_at"),
            "finished_at": info.get("finished_at"),
            "cost_note": info.get("cost_note"),
            "cache_hits": info.get("cache_hits"),
            "run_id": info.get("run_id"),
        }
    return ReportEvidence(
        tasks=infos,
        text_columns=text_columns,
        samples=samples,
        humans=humans,
        judges=judges,
        judge_facts=facts,
    )


def _as_text(frame: pl.DataFrame, task: TaskInfo) -> pl.Series:
    column = frame[task.name]
    if task.kind == "multilabel":
        return column.list.sort().list.join("|")
    if task.kind == "numeric":
        return pl.Series(
            [None if v is None else _label_text(v) for v in column.to_list()], dtype=pl.Utf8
        )
    return column.cast(pl.Utf8)


def _positions(ids: pl.Series, order: pl.Series) -> npt.NDArray[np.int64]:
    """Position of each of ``ids`` in the sample order ``order`` (-1 = not a sample), by a join."""
    key = "__sample_id"
    table = pl.DataFrame(
        {key: order.cast(pl.Utf8), "__pos": np.arange(len(order), dtype=np.int64)}
    ).unique(subset=key, keep="last", maintain_order=True)
    found = pl.DataFrame({key: ids.cast(pl.Utf8)}).join(
        table, on=key, how="left", maintain_order="left"
    )
    return found["__pos"].fill_null(-1).to_numpy().astype(np.int64, copy=False)


def _answered_rows(
    evidence: ReportEvidence, who: str | None
) -> tuple[pl.DataFrame, npt.NDArray[np.int64]]:
    """The human label rows (``who`` None) or a judge's answered rows, with their sample positions.

    The same for every task, so computed once per evidence and rater.
    """
    key = "" if who is None else f"judge:{who}"
    if key not in evidence._rows:
        frame = (
            evidence.humans
            if who is None
            else evidence.judges[who].filter(
                pl.col(C.STATUS).is_in([C.STATUS_SUCCESS, C.STATUS_PARTIAL])
            )
        )
        evidence._rows[key] = (
            frame,
            _positions(frame[C.ORIGINAL_ID], evidence.samples[C.ORIGINAL_ID]),
        )
    return evidence._rows[key]


def _codes_for(
    frame: pl.DataFrame, task: TaskInfo, pos: npt.NDArray[np.int64], code_of: Mapping[str, int]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """(rows that are a labelled sample, label code per row) of ``frame`` for ``task``."""
    codes = _as_text(frame, task).replace_strict(code_of, default=-1, return_dtype=pl.Int64)
    code = codes.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    return (pos >= 0) & (code >= 0), code


def coded_task(evidence: ReportEvidence, task: TaskInfo) -> CodedTask | None:
    """Integer-code one labelled task for every human and judge (None for free-text tasks).

    Multilabel answers become one label per distinct set (``"a|b"``).

    Args:
        evidence: The gathered evidence.
        task: A task of ``evidence``.

    Returns:
        The coded task, or None when the task is free text or nobody labelled it. Computed once
        per evidence and task; the arrays are shared, read them only.
    """
    if task.name not in evidence._coded:
        evidence._coded[task.name] = _coded_task(evidence, task)
    return evidence._coded[task.name]


def _coded_task(evidence: ReportEvidence, task: TaskInfo) -> CodedTask | None:
    if task.kind in _TEXT_TASK_KINDS:
        return None
    frames = [evidence.humans] if task.name in evidence.humans.columns else []
    frames += [df for df in evidence.judges.values() if task.name in df.columns]
    if task.kind == "multilabel":
        seen: set[str] = set()
        for frame in frames:
            seen.update(v for v in _as_text(frame, task).drop_nulls().to_list())
        labels = sorted(seen)
    else:
        labels = list(task.labels or [])
    if not labels:
        return None
    code_of = {label: k for k, label in enumerate(labels)}
    ids = evidence.samples[C.ORIGINAL_ID].to_list()
    n = len(ids)
    annotators = evidence.annotators if task.name in evidence.humans.columns else []
    humans = np.full((len(annotators), n), -1, dtype=np.int64)
    if annotators:
        frame, pos = _answered_rows(evidence, None)
        rows = (
            frame[C.ANNOTATOR_ID]
            .replace_strict({a: r for r, a in enumerate(annotators)}, return_dtype=pl.Int64)
            .to_numpy()
        )
        keep, code = _codes_for(frame, task, pos, code_of)
        humans[rows[keep], pos[keep]] = code[keep]
    judge_ids = [j for j, df in evidence.judges.items() if task.name in df.columns]
    judges = np.full((len(judge_ids), n), -1, dtype=np.int64)
    for row, jid in enumerate(judge_ids):
        frame, pos = _answered_rows(evidence, jid)
        keep, code = _codes_for(frame, task, pos, code_of)
        judges[row, pos[keep]] = code[keep]
    k = len(labels)
    if annotators:
        # majority in alphabetical code order, so ties go to the alphabetically first label
        order = np.argsort(np.array(labels, dtype=object), kind="stable")
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        ranked = np.where(humans >= 0, rank[np.maximum(humans, 0)], -1)
        winner, support = majority_vote(ranked, n_labels=k)
        consensus = np.where(winner >= 0, order[np.maximum(winner, 0)], -1).astype(np.int64)
        agreement = per_item_agreement(humans, n_labels=k)
    else:
        consensus = np.full(n, -1, dtype=np.int64)
        support = np.full(n, np.nan)
        agreement = np.full(n, np.nan)
    return CodedTask(
        task=task,
        labels=labels,
        ids=ids,
        annotators=annotators,
        humans=humans,
        judge_ids=judge_ids,
        judges=judges,
        consensus=consensus,
        support=support,
        pair_agreement=agreement,
    )
