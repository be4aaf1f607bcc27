"""The machinery every tool importer shares: collect rows, count drops, validate once.

Importers only *reshape* an export into rows ``(sample, annotator, {task: raw value})`` and judge
rows ``(judge, sample, {task: raw value})``; :meth:`Collector.finish` turns them into the long
label table and hands it to :func:`~meta_evaluator.annotations._loader.normalise_label_frame`,
the single validation path every label file goes through. Labels outside the schema, unknown ids
and duplicate (annotator, original_id) pairs therefore raise exactly the errors
``load_annotation_file`` raises; row numbers in those messages count the imported rows in file
order, and each message also names the annotator and the original_id.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._ids import MAX_ID_LENGTH
from meta_evaluator.annotations._external_judge import judge_results_from_labels
from meta_evaluator.annotations._loader import normalise_label_frame
from meta_evaluator.annotations.importers._registry import (
    GROUND_TRUTH_ANNOTATOR,
    ImportOptions,
    ImportResult,
)
from meta_evaluator.errors import AnnotationError, ColumnError, ConfigError, DataFileError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._results import JudgeResults

__all__ = ["SKIP", "Collector", "id_text", "logger", "obj", "question_map"]

logger = logging.getLogger("meta_evaluator.annotations.importers")

SKIP: Final = object()
"""Marker: a value with no task equivalent (span, region, ranking into a non-text task...)."""

_JUDGE_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Collector:
    """Collects human and judge rows from one export, then validates them in one go."""

    options: ImportOptions
    origin: str
    """Words naming the export in messages (e.g. "Label Studio export 'a.json'")."""
    format: str
    source_file: str | None = None
    """The export's bare file name, kept in judge results' info."""
    qmap: dict[str, str] = field(init=False)
    kinds: dict[str, str] = field(init=False)
    """Task name -> task kind (categorical, numeric, text, multilabel)."""
    rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    judge_rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    judge_scores: list[float | None] = field(default_factory=list)
    ground_truth: list[tuple[str, str]] = field(default_factory=list)
    questions: dict[str, None] = field(default_factory=dict)
    unknown: dict[str, None] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    judge_names: dict[str, str] = field(default_factory=dict)
    listed: dict[str, None] = field(default_factory=dict)
    """Free-text tasks that received list answers (kept in order as JSON lists)."""
    unknown_what: str = "question(s)"
    """How messages call names that match no task."""
    _judge_at: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.qmap = question_map(self.options.task, self.options.field_map, "add_annotations")
        self.kinds = {t: self.task.task_kind(t) for t in self.task.task_names}

    @property
    def task(self) -> EvalTask:
        """The task the labels follow."""
        return self.options.task

    # ------------------------------------------------------------- collecting
    def seen(self, names: Iterable[Any]) -> None:
        """Record question names found in the export (whatever happens to their answers)."""
        for name in names:
            if isinstance(name, str):
                self.questions[name] = None
                if name not in self.qmap:
                    self.unknown[name] = None

    def drop(self, reason: str, n: int = 1) -> None:
        """Count ``n`` annotations / responses left out for ``reason``."""
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + n

    def skip(self, question: str, why: str) -> None:
        """Record that answers to ``question`` were skipped (no task equivalent)."""
        self.skipped[question] = why

    def map_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Question -> raw value, to task -> raw value (unknown questions and SKIPs dropped)."""
        out: dict[str, Any] = {}
        for question, value in answers.items():
            task_name = self.qmap.get(question)
            if task_name is not None and value is not SKIP:
                out[task_name] = value
        return out

    def ranking(self, question: str, ordered: list[Any]) -> Any:
        """A ranking's value: its order as a JSON list in a free-text task, else SKIP."""
        task_name = self.qmap.get(question)
        if task_name is None:
            return SKIP
        kind = self.kinds[task_name]
        if kind == "text":
            return json.dumps([str(v) for v in ordered], ensure_ascii=False)
        self.skip(
            question,
            f"ranking into a {kind} task (a ranking keeps its order only in a free-text task, "
            "stored as a JSON list)",
        )
        return SKIP

    def annotator(self, canonical: str, *aliases: str | None) -> str:
        """The stored annotator id: ``annotator_map`` of the id or of an alias, else the id."""
        amap = self.options.annotator_map or {}
        for key in (canonical, *aliases):
            if key is not None and key in amap:
                return amap[key].strip()
        return canonical

    def add(
        self, sid: str, who: str, values: dict[str, Any], *, where: str, truth: bool = False
    ) -> None:
        """Add one annotator's answers (task name -> raw value) for one sample."""
        if truth:
            mode = self.options.ground_truth
            if mode == "exclude":
                self.drop("ground-truth annotation(s) (ground_truth='exclude')")
                return
            if mode == "separate":
                who = GROUND_TRUTH_ANNOTATOR
        clean = self._cells(values, where=where)
        if not clean:
            self.drop("annotation(s) without a value for any task")
            return
        self.rows.append((sid, who, clean))
        if truth:
            self.ground_truth.append((sid, who))

    def add_judge(
        self,
        raw_name: Any,
        sid: str,
        values: dict[str, Any],
        *,
        where: str,
        scores: Iterable[Any] = (),
    ) -> None:
        """Add one judge's answers (a prediction / suggestion) for one sample.

        ``scores`` (the tool's confidence scores for these answers) become the row's
        ``confidence``: their mean, when any is a number.
        """
        judge = self._judge_id(raw_name)
        clean = self._cells(values, where=f"{where}, judge {judge!r}")
        if not clean:
            return
        numbers = [
            float(x) for x in scores if isinstance(x, int | float) and not isinstance(x, bool)
        ]
        numbers = [x for x in numbers if x == x]  # no nan
        confidence = sum(numbers) / len(numbers) if numbers else None
        at = self._judge_at.get((judge, sid))
        if at is None:
            self._judge_at[(judge, sid)] = len(self.judge_rows)
            self.judge_rows.append((judge, sid, clean))
            self.judge_scores.append(confidence)
        else:  # several predictions of one model version on a sample: the last one counts
            self.judge_rows[at] = (judge, sid, clean)
            self.judge_scores[at] = confidence
            self.drop("earlier prediction(s) of the same model on a sample")

    def _judge_id(self, raw: Any) -> str:
        default = "argilla_suggestions" if self.format.startswith("argilla") else "predictions"
        text = id_text(raw) or default
        judge = self.judge_names.get(text)
        if judge is None:
            judge = _JUDGE_ID_BAD.sub("_", text).strip("_.")[:MAX_ID_LENGTH] or "judge"
            self.judge_names[text] = judge
        return judge

    def _cells(self, values: Mapping[str, Any], *, where: str) -> dict[str, Any]:
        clean = {t: self._cell(t, v, where=where) for t, v in values.items()}
        return {t: v for t, v in clean.items() if v is not None}

    def _cell(self, task_name: str, value: Any, *, where: str) -> Any:
        """A raw answer as a cell of the task's column (lists only for multilabel tasks)."""
        kind = self.kinds[task_name]
        multilabel = kind == "multilabel"
        if isinstance(value, list | tuple):
            items = [v for v in value if v is not None]
            if multilabel:
                return [str(v) for v in items]
            if not items:
                return None
            if len(items) > 1 and kind == "text":
                # a list answer to a free-text task (an Argilla 2.x ranking exported without its
                # settings, several choices): kept whole, in its order, as a JSON list
                self.listed[task_name] = None
                return json.dumps([str(v) for v in items], ensure_ascii=False)
            if len(items) > 1:
                raise AnnotationError(
                    f"{where}: task {task_name!r} got {len(items)} labels {items!r}, but it is "
                    f"{kind} (one label per sample). Make it a MultiLabelSchema(outcomes=[...]) "
                    "task, or configure the question as single-choice."
                )
            value = items[0]
        if isinstance(value, str) and not value.strip():
            return None
        if multilabel and value is not None:
            return [str(value)]
        return value

    # -------------------------------------------------------------- finishing
    def finish(self) -> ImportResult:
        """Log what was ignored and left out, check something matched, validate everything."""
        targeted = {self.qmap[q] for q in self.questions if q in self.qmap}
        matched = [t for t in self.task.task_names if t in targeted]
        if not matched:
            raise ColumnError(
                f"{self.origin}: no question matches a task. Questions found: "
                f"{list(self.questions)!r}; tasks: {self.task.task_names!r}. Pass "
                "field_map={'<question name>': '<task name>', ...} to say which question "
                "holds which task's labels."
            )
        if self.unknown:
            logger.info(
                "%s: ignoring %s that match no task: %r",
                self.origin,
                self.unknown_what,
                list(self.unknown),
            )
        if self.skipped:
            logger.info(
                "%s: skipped answers whose type has no task equivalent: %r",
                self.origin,
                self.skipped,
            )
        if self.listed:
            logger.info(
                "%s: list answers to free-text task(s) %r kept in their order as JSON lists "
                "(rankings keep their order this way)",
                self.origin,
                list(self.listed),
            )
        renamed = {raw: j for raw, j in self.judge_names.items() if raw != j}
        if renamed:
            logger.info("%s: judge ids made folder-safe: %r", self.origin, renamed)
        left_out = ", ".join(f"{n} {why}" for why, n in self.dropped.items()) or "nothing"
        if not self.rows and not self.judge_rows:
            raise DataFileError(
                f"{self.origin}: no annotation to import (left out: {left_out}). Check the "
                "export holds finished annotations."
            )
        known = self.options.known_ids
        humans = normalise_label_frame(
            self._frame(self.rows, matched), task=self.task, origin=self.origin, known_ids=known
        )
        judges = self._judges(matched)
        n_ann = humans[C.ANNOTATOR_ID].n_unique()
        n_samples = humans[C.ORIGINAL_ID].n_unique()
        judged = (
            f"; {sum(r.results_data.height for r in judges.values())} judge row(s) from "
            f"{sorted(judges)!r}"
            if judges
            else ""
        )
        summary = (
            f"{self.origin}: imported {humans.height} label row(s) from {n_ann} annotator(s) on "
            f"{n_samples} sample(s){judged}; left out: {left_out}"
        )
        logger.info("%s", summary)
        truth = pl.DataFrame(
            {
                C.ORIGINAL_ID: [s for s, _ in self.ground_truth],
                C.ANNOTATOR_ID: [w for _, w in self.ground_truth],
            },
            schema={C.ORIGINAL_ID: pl.Utf8, C.ANNOTATOR_ID: pl.Utf8},
        )
        return ImportResult(
            format=self.format,
            annotations=humans,
            judges=judges,
            ground_truth=truth,
            dropped=dict(self.dropped),
            user_ids=dict(self.user_ids),
            summary=summary,
        )

    def _judges(self, matched: list[str]) -> dict[str, JudgeResults]:
        if not self.judge_rows:
            return {}
        rows = [(sid, judge, vals) for judge, sid, vals in self.judge_rows]
        frame = normalise_label_frame(
            self._frame(rows, matched),
            task=self.task,
            origin=f"{self.origin} (predictions / suggestions)",
            known_ids=self.options.known_ids,
            owner_kind="judge",
        ).with_columns(pl.Series(C.CONFIDENCE, self.judge_scores, dtype=pl.Float64))
        out: dict[str, JudgeResults] = {}
        for (judge,), part in frame.partition_by(C.ANNOTATOR_ID, as_dict=True).items():
            res = judge_results_from_labels(
                part.drop(C.ANNOTATOR_ID, C.CONFIDENCE),
                judge_id=str(judge),
                task=self.task,
                info={"source_file": self.source_file, "imported_from": self.format},
            )
            res.results_data = res.results_data.with_columns(part[C.CONFIDENCE])
            out[str(judge)] = res
        return out

    def _frame(self, rows: list[tuple[str, str, dict[str, Any]]], tasks: list[str]) -> pl.DataFrame:
        columns = [
            pl.Series(C.ORIGINAL_ID, [r[0] for r in rows], dtype=pl.Utf8),
            pl.Series(C.ANNOTATOR_ID, [r[1] for r in rows], dtype=pl.Utf8),
        ]
        for t in tasks:
            values = [r[2].get(t) for r in rows]
            columns.append(_column(t, values, multilabel=self.kinds[t] == "multilabel"))
        return pl.DataFrame(columns)


def _column(name: str, values: list[Any], *, multilabel: bool) -> pl.Series:
    """One task column: List(Utf8) for multilabel, else numbers or text as the values are."""
    if multilabel:
        return pl.Series(name, values, dtype=pl.List(pl.Utf8))
    present = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in present):
        return pl.Series(name, values, dtype=pl.Utf8)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        dtype = pl.Float64 if any(isinstance(v, float) for v in present) else pl.Int64
        return pl.Series(name, values, dtype=dtype)
    # mixed (e.g. "4" and 4, or booleans): text, which the loader parses per task kind
    text = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
    return pl.Series(name, text, dtype=pl.Utf8)


def question_map(task: EvalTask, field_map: Mapping[str, str] | None, fn: str) -> dict[str, str]:
    """Question name -> task name: ``field_map`` first, then identical names."""
    if field_map is not None and not isinstance(field_map, Mapping):
        raise ConfigError(
            f"The 'field_map' parameter of {fn} must be a mapping of question name -> task name "
            f"or None; got {field_map!r}."
        )
    explicit = dict(field_map or {})
    for question, task_name in explicit.items():
        if task_name not in task.task_schemas:
            raise ConfigError(
                f"The 'field_map' parameter of {fn} maps question {question!r} to "
                f"{task_name!r}, which is not a task; tasks: {task.task_names!r}."
            )
    targets = list(explicit.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise ConfigError(
            f"The 'field_map' parameter of {fn} maps several questions to task(s) {twice!r}; "
            "map exactly one question to each task."
        )
    out = dict(explicit)
    for name in task.task_names:
        if name not in out and name not in targets:
            out[name] = name
    return out


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def list_field(rec: dict[str, Any], key: str, where: str) -> list[Any]:
    """``rec[key]`` as a list (empty when missing); a clear error when it is something else."""
    value = rec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataFileError(f"{where}: field {key!r} must be a list; got {str(value)[:80]!r}.")
    return value


def id_text(value: Any) -> str | None:
    """An id as stripped text (``3.0 -> "3"``); None for missing or blank ids."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float):
        if value != value:  # nan
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None
