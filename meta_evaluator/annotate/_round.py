"""An annotation round: the project's task and samples, who labels what, journals and tokens.

Files (all inside the project's ``annotations/annotate/`` folder)::

    round.json              annotators, overlap, seed, queue (and its fixed sample list)
    access.json             SHA-256 hashes of the owner's and each annotator's token
    journal/<annotator>.jsonl   every submit / undo / skip, fsynced (the source of truth)

The labels of the journals are written to the ordinary annotation tables of ``annotations/``
(one table per annotator, see :class:`~meta_evaluator.annotations.AnnotationStore`) by a
background flush a moment after each submit, on shutdown, and on every start (so a killed
server loses nothing: its journals are replayed when it starts again).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._io import atomic_write_text, file_version
from meta_evaluator._lock import STATE_LOCK, ProjectLock
from meta_evaluator.annotate._assignment import assign, low_agreement_samples
from meta_evaluator.annotate._journal import Journal, Submission
from meta_evaluator.annotate._names import annotator_file_stem, check_annotator_id
from meta_evaluator.annotate._tokens import OWNER, TokenRegistry
from meta_evaluator.errors import AnnotationError, ConfigError, ProjectError

if TYPE_CHECKING:
    from meta_evaluator.annotations import AnnotationStore

__all__ = ["AnnotationRound", "QueueMode", "SubmitError"]

logger = logging.getLogger(__name__)

QueueMode = Literal["all", "low-agreement"]
_MAX_COMMENT = 10_000


class SubmitError(Exception):
    """A submit, skip or read the server refuses (message shown to the annotator).

    Args:
        message: What is wrong and how to fix it.
        status: HTTP status code to answer with.
    """

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True)
class _Settings:
    annotators: list[str]
    overlap: int | None
    seed: int
    queue: QueueMode
    priority: list[str] | None


class AnnotationRound:
    """The state of a labeling round over one project directory (thread-safe).

    Args:
        project_dir: A saved project (task and data set).
        annotators: Annotator names to add to the round (names already in it are kept).
        overlap: Annotators per sample; None keeps the saved value (default: everyone).
        seed: Seed of the assignment and orders; None keeps the saved value (default 0).
        queue: ``"all"`` or ``"low-agreement"`` (the samples humans disagree on, most
            contested first); None keeps the saved value.
        show_judges: Show judge labels to an annotator after they submit a sample.
        new_tokens: Issue new tokens to everyone (old links stop working).

    Raises:
        ProjectError: The project has no task or no data.
        ConfigError: No annotators, an invalid name, or a name that already holds imported labels.
    """

    def __init__(
        self,
        project_dir: str | Path,
        *,
        annotators: list[str] | None = None,
        overlap: int | None = None,
        seed: int | None = None,
        queue: QueueMode | None = None,
        show_judges: bool = False,
        new_tokens: bool = False,
    ) -> None:
        from meta_evaluator import MetaEvaluator

        self.ev = MetaEvaluator(project_dir, load=True)
        if self.ev.eval_task is None or self.ev.data is None:
            raise ProjectError(
                f"Project {str(self.ev.project_dir)!r} has no task or no data yet: call "
                "add_eval_task() and add_data(), then save_state(), before annotating."
            )
        self.task = self.ev.eval_task
        self.show_judges = show_judges
        self.dir = self.ev.annotations_dir / "annotate"
        self._store_lock = threading.Lock()
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._state_stamp: tuple[int, int, int] | None = None
        self._store: AnnotationStore | None = None

        data = self.ev.data
        cols = [c for c in self.task.data_columns if c in data.columns]
        self.columns = cols
        self.samples: dict[str, dict[str, str]] = {
            str(row[C.ORIGINAL_ID]): {c: "" if row[c] is None else str(row[c]) for c in cols}
            for row in data.rows(cols)
        }
        self.settings = self._settle(annotators, overlap, seed, queue)
        self.queues = assign(
            list(self.samples),
            self.settings.annotators,
            overlap=self.settings.overlap,
            seed=self.settings.seed,
            priority=self.settings.priority,
        )  # raises on a bad overlap before anything is saved
        atomic_write_text(
            self.dir / "round.json",
            json.dumps({"version": 1, **self.settings.__dict__}, indent=2, ensure_ascii=False),
        )
        self.tokens = TokenRegistry(self.dir / "access.json")
        self.new_tokens = self.tokens.issue([OWNER, *self.settings.annotators], renew=new_tokens)
        self.journals = {
            a: Journal(self.dir / "journal" / f"{annotator_file_stem(a)}.jsonl")
            for a in self.settings.annotators
        }
        if self.settings.priority is None:
            # answers given under an earlier deal (before annotators were added) stay in the queue
            for a, journal in self.journals.items():
                dealt = set(self.queues[a])
                self.queues[a] += sorted(s for s in journal.current() if s not in dealt)
        self._queue_sets = {a: set(q) for a, q in self.queues.items()}
        self.judge_labels = self._judge_labels() if show_judges else {}
        self.mark_dirty(*self.settings.annotators)
        self.flush()

    # ----------------------------------------------------------------- setup
    def _settle(
        self,
        annotators: list[str] | None,
        overlap: int | None,
        seed: int | None,
        queue: QueueMode | None,
    ) -> _Settings:
        path = self.dir / "round.json"
        saved: dict[str, Any] = {}
        if path.is_file():
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ProjectError(
                    f"Cannot read {str(path)!r}: {exc}. Restore it, or delete it and start the "
                    "round again with --annotator NAME for each annotator."
                ) from exc
        names = list(saved.get("annotators", []))
        for name in annotators or []:
            check_annotator_id(name)
            if name not in names:
                names.append(name)
        if not names:
            raise ConfigError(
                "No annotators: name each one, e.g. `meta-evaluator annotate PROJECT "
                "--annotator alice --annotator bob` (or launch_annotator(annotators=[...]))."
            )
        fresh = [n for n in names if n not in saved.get("annotators", [])]
        imported = set(self.ev.annotations.annotator_ids)
        clash = [n for n in fresh if n in imported]
        if clash:
            raise ConfigError(
                f"Annotator(s) {clash!r} already have imported labels in this project; the "
                "browser round would overwrite them. Use different names (e.g. "
                f"{clash[0] + '_web'!r})."
            )
        if queue is not None and queue not in ("all", "low-agreement"):
            raise ConfigError(f"queue must be 'all' or 'low-agreement'; got {queue!r}.")
        mode: QueueMode = queue or saved.get("queue", "all")
        priority = saved.get("priority")
        if queue is not None:
            priority = (
                low_agreement_samples(self.ev.annotations.long_frame(), self.task)
                if queue == "low-agreement"
                else None
            )
        return _Settings(
            annotators=names,
            overlap=overlap if overlap is not None else saved.get("overlap"),
            seed=seed if seed is not None else int(saved.get("seed", 0)),
            queue=mode,
            priority=[p for p in priority if p in self.samples] if priority else None,
        )

    def _judge_labels(self) -> dict[str, dict[str, dict[str, Any]]]:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for jid, res in self.ev.load_all_judge_results().items():
            tasks = [t for t in self.task.task_names if t in res.results_data.columns]
            for row in res.succeeded.select([C.ORIGINAL_ID, *tasks]).to_dicts():
                sid = str(row.pop(C.ORIGINAL_ID))
                out.setdefault(sid, {})[jid] = row
        return out

    def guidelines(self) -> str:
        """The project's ``guidelines.md`` as text ("" when there is none).

        Read on every call, so edits show up without a restart.
        """
        path = self.ev.project_dir / "guidelines.md"
        try:
            return path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            return ""

    # ----------------------------------------------------------------- access
    def who(self, token: str | None) -> str | None:
        """The annotator id (or the owner marker) holding ``token``; None if nobody does."""
        holder = self.tokens.holder_of(token)
        if holder is not None and (holder == OWNER or holder in self.journals):
            return holder
        return None

    def _check_sample(self, annotator: str, sample: str) -> None:
        if sample not in self._queue_sets[annotator]:
            raise SubmitError(f"Sample {sample!r} is not assigned to you.", status=404)

    # ----------------------------------------------------------------- reads
    def session(self, annotator: str) -> dict[str, Any]:
        """What the page needs at start: the task's widgets, the queue and its progress.

        ``annotation_prompt`` is the task's instructions for annotators ("" when unset); the
        page shows it as plain text above the widgets.
        """
        done = self.journals[annotator].current()
        skipped = self.journals[annotator].skipped()
        queue = self.queues[annotator]
        tasks = []
        required = set(self.task.effective_required_tasks)
        for name in self.task.task_names:
            kind = self.task.task_kind(name)
            labels = self.task.allowed_labels(name)
            tasks.append(
                {"name": name, "kind": kind, "labels": labels, "required": name in required}
            )
        return {
            "annotator": annotator,
            "project": self.ev.project_dir.name,
            "tasks": tasks,
            "columns": self.columns,
            "prompt_columns": list(self.task.prompt_columns or []),
            "annotation_prompt": self.task.annotation_prompt or "",
            "has_guidelines": bool(self.guidelines()),
            "queue": queue,
            "done": sorted(s for s in done if s in self._queue_sets[annotator]),
            "skipped": sorted(s for s in skipped if s in self._queue_sets[annotator]),
            "can_undo": self.journals[annotator].can_undo(),
            "show_judges": self.show_judges,
        }

    def item(self, annotator: str, sample: str) -> dict[str, Any]:
        """One sample: its columns and this annotator's current answer (judges after submit)."""
        self._check_sample(annotator, sample)
        sub = self.journals[annotator].current().get(sample)
        out: dict[str, Any] = {
            "id": sample,
            "fields": [{"column": c, "text": self.samples[sample][c]} for c in self.columns],
            "answer": _answer(sub),
        }
        if self.show_judges and sub is not None:
            out["judges"] = self.judge_labels.get(sample, {})
        return out

    # ----------------------------------------------------------------- writes
    def submit(self, annotator: str, body: dict[str, Any]) -> dict[str, Any]:
        """Validate and journal one answer (durable when this returns).

        Raises:
            SubmitError: Unknown sample, unknown task, a label outside the schema, a required
                task left empty, or a malformed flag/comment.
        """
        sample = str(body.get("sample", ""))
        self._check_sample(annotator, sample)
        raw = body.get("labels")
        if not isinstance(raw, dict):
            raise SubmitError("'labels' must be an object: task name -> label.")
        unknown = [k for k in raw if k not in self.task.task_schemas]
        if unknown:
            raise SubmitError(f"Unknown task(s) {unknown!r}; tasks: {self.task.task_names!r}.")
        labels: dict[str, Any] = {}
        for name in self.task.task_names:
            value = raw.get(name)
            if isinstance(value, str) and not value.strip():
                value = None
            try:
                labels[name] = self.task.validate_label(name, value, where=f"sample {sample!r}")
            except AnnotationError as exc:
                raise SubmitError(str(exc)) from None
        missing = [t for t in self.task.effective_required_tasks if labels.get(t) is None]
        if missing:
            raise SubmitError(f"Answer the required task(s) {missing!r} before submitting.")
        flag = body.get("flag", False)
        comment = body.get("comment", "")
        if not isinstance(flag, bool) or not isinstance(comment, str):
            raise SubmitError("'flag' must be true/false and 'comment' a string.")
        if len(comment) > _MAX_COMMENT:
            raise SubmitError(f"The comment is longer than {_MAX_COMMENT} characters.")
        sub = self.journals[annotator].submit(sample, labels, flag=flag, comment=comment)
        self.mark_dirty(annotator)
        return {"sample": sample, "ts": sub.ts, **self._progress(annotator)}

    def skip(self, annotator: str, sample: str) -> dict[str, Any]:
        """Journal a skip (the sample comes back at the end of the queue)."""
        self._check_sample(annotator, sample)
        self.journals[annotator].skip(sample)
        return {"sample": sample, **self._progress(annotator)}

    def undo(self, annotator: str) -> dict[str, Any]:
        """Revert this annotator's latest submit; answers which sample changed."""
        target = self.journals[annotator].undo_last()
        if target is None:
            raise SubmitError("Nothing to undo.", status=409)
        self.mark_dirty(annotator)
        return {"sample": target.sample, **self._progress(annotator)}

    def _progress(self, annotator: str) -> dict[str, Any]:
        journal = self.journals[annotator]
        done = [s for s in journal.current() if s in self._queue_sets[annotator]]
        return {
            "done": len(done),
            "total": len(self.queues[annotator]),
            "can_undo": journal.can_undo(),
        }

    # ----------------------------------------------------------------- tables
    def mark_dirty(self, *annotators: str) -> None:
        """Note annotators whose table in ``annotations/`` must be rewritten."""
        with self._dirty_lock:
            self._dirty.update(annotators)

    def labels_frame(self, annotator: str) -> pl.DataFrame:
        """This annotator's current labels as an annotation table (the store's long format)."""
        from meta_evaluator.annotations._loader import label_dtype

        current = self.journals[annotator].current()
        schema: dict[str, Any] = {C.ORIGINAL_ID: pl.Utf8, C.ANNOTATOR_ID: pl.Utf8}
        schema.update({t: label_dtype(self.task, t) for t in self.task.task_names})
        rows = [
            {C.ORIGINAL_ID: sid, C.ANNOTATOR_ID: annotator, **sub.labels}
            for sid, sub in sorted(current.items())
        ]
        return pl.DataFrame(rows, schema=schema)

    def flush(self) -> bool:
        """Write the changed annotators' labels to ``annotations/`` (True if anything changed)."""
        with self._dirty_lock:
            dirty, self._dirty = self._dirty, set()
        if not dirty:
            return False
        from meta_evaluator.annotations import AnnotationStore

        lock = ProjectLock(
            self.ev.project_dir / STATE_LOCK,
            project=self.ev.project_dir,
            activity="saving its annotations",
            wait_log_level=logging.DEBUG,  # held for milliseconds
        )
        with self._store_lock, lock.hold(wait=True):  # serialised with every project save
            folder = self.ev.annotations_dir
            try:
                stamp = file_version(folder / "state.json")
                if self._store is None or stamp != self._state_stamp:
                    # first flush, or someone else (an import) wrote the tables: start from disk
                    self._store = (
                        AnnotationStore.load(folder, self.task)
                        if stamp is not None
                        else AnnotationStore(self.task)
                    )
                store = self._store
                frames = [self.labels_frame(a) for a in sorted(dirty)]
                for annotator, frame in zip(sorted(dirty), frames, strict=True):
                    if not frame.height and annotator in store:
                        store.remove(annotator)  # every label undone
                changed = [f for f in frames if f.height]
                if changed:  # one vectorised validation for all of them
                    store.add(pl.concat(changed, how="vertical"), overwrite=True)
                store.save(folder)
                self._state_stamp = file_version(folder / "state.json")
            except BaseException:
                self._store = None  # reread the tables next time
                self.mark_dirty(*dirty)
                raise
        return True

    # ----------------------------------------------------------------- status
    def status(self) -> dict[str, Any]:
        """The owner's view: per-annotator progress, flags, and pairwise agreement so far."""
        from meta_evaluator.annotate._status import pairwise_agreement

        people: list[dict[str, Any]] = []
        flags: list[dict[str, Any]] = []
        current = {a: j.current() for a, j in self.journals.items()}
        for a in self.settings.annotators:
            subs = current[a]
            people.append(
                {
                    "annotator": a,
                    "done": sum(1 for s in subs if s in self._queue_sets[a]),
                    "total": len(self.queues[a]),
                    "skipped": len(self.journals[a].skipped()),
                    "flagged": sum(1 for s in subs.values() if s.flag),
                    "last_ts": max((s.ts for s in subs.values()), default=None),
                }
            )
            flags.extend(
                {"annotator": a, "sample": s.sample, "comment": s.comment}
                for s in subs.values()
                if s.flag
            )
        return {
            "project": self.ev.project_dir.name,
            "settings": {
                "overlap": self.settings.overlap,
                "seed": self.settings.seed,
                "queue": self.settings.queue,
            },
            "annotators": people,
            "flags": sorted(flags, key=lambda f: (f["sample"], f["annotator"])),
            "agreement": pairwise_agreement(current, self.task),
        }


def _answer(sub: Submission | None) -> dict[str, Any] | None:
    if sub is None:
        return None
    return {"labels": sub.labels, "flag": sub.flag, "comment": sub.comment, "ts": sub.ts}
