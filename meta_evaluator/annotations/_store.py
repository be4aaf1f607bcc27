"""AnnotationStore: every human annotator's labels for one task, saved one table per annotator."""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path
from typing import Any

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._ids import id_to_filename
from meta_evaluator._io import atomic_write, atomic_write_text
from meta_evaluator.annotations._loader import label_dtype, normalise_label_frame
from meta_evaluator.errors import AnnotationError, DataError, ProjectError
from meta_evaluator.eval_task import EvalTask

__all__ = ["AnnotationStore"]

_STATE_FILE = "state.json"
_STATE_VERSION = 1


class AnnotationStore:
    """The human labels of a project: long format, one table per annotator.

    Args:
        task: The task the labels follow.

    Example:
        >>> task = EvalTask(task_schemas={"rejection": ["yes", "no"]}, response_columns=["r"])
        >>> store = AnnotationStore(task)
        >>> store.add(pl.DataFrame({"original_id": ["1", "2"], "annotator_id": ["h1", "h1"],
        ...                         "rejection": ["yes", None]}))
        >>> store.annotator_ids, store.human_data("rejection").height
        (['h1'], 1)
    """

    def __init__(self, task: EvalTask) -> None:
        self.task = task
        self._frames: dict[str, pl.DataFrame] = {}

    # ---------------------------------------------------------------- changes
    def add(self, frame: pl.DataFrame, *, overwrite: bool = False) -> None:
        """Add the labels in ``frame`` (as returned by ``load_annotation_file``).

        The frame is validated again (cheap, vectorised), so hand-built frames are safe too.
        Nothing is added when any check fails.

        Args:
            frame: ``original_id, annotator_id, <task columns>``; may hold several annotators.
            overwrite: Replace the labels of annotators already in the store.

        Raises:
            AnnotationError: An annotator in ``frame`` is already stored and ``overwrite`` is
                False, or a label is invalid.
            ColumnError, IdError: See ``load_annotation_file``.
        """
        clean = normalise_label_frame(frame, task=self.task, origin="annotation frame")
        new_ids = clean[C.ANNOTATOR_ID].unique(maintain_order=True).to_list()
        clash = [a for a in new_ids if a in self._frames]
        if clash and not overwrite:
            raise AnnotationError(
                f"Annotator(s) {clash!r} already have annotations in this project. Pass "
                "overwrite=True to replace their labels, or use a different annotator_id."
            )
        for aid, part in clean.partition_by(C.ANNOTATOR_ID, as_dict=True).items():
            self._frames[str(aid[0])] = part

    def remove(self, annotator_id: str) -> None:
        """Drop one annotator's labels.

        Raises:
            DataError: The annotator is not in the store.
        """
        if annotator_id not in self._frames:
            raise DataError(
                f"No annotations for annotator {annotator_id!r}; stored annotators: "
                f"{self.annotator_ids!r}."
            )
        del self._frames[annotator_id]

    # ---------------------------------------------------------------- queries
    @property
    def annotator_ids(self) -> list[str]:
        """Stored annotator ids, sorted."""
        return sorted(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def __contains__(self, annotator_id: object) -> bool:
        return annotator_id in self._frames

    def __repr__(self) -> str:
        return f"AnnotationStore(tasks={self.task.task_names!r}, annotators={self.annotator_ids!r})"

    def _empty(self) -> pl.DataFrame:
        schema: dict[str, Any] = {C.ORIGINAL_ID: pl.Utf8, C.ANNOTATOR_ID: pl.Utf8}
        schema.update({t: label_dtype(self.task, t) for t in self.task.task_names})
        return pl.DataFrame(schema=schema)

    def long_frame(self) -> pl.DataFrame:
        """All labels: ``original_id, annotator_id, <task columns>``, annotators sorted."""
        if not self._frames:
            return self._empty()
        return pl.concat([self._frames[a] for a in self.annotator_ids], how="vertical")

    def human_data(self, task_name: str) -> pl.DataFrame:
        """The frame scorers take: ``original_id, human_id, label``, non-null labels only.

        Raises:
            TaskSchemaError: ``task_name`` is not a task of the store's EvalTask.
        """
        self.task.task_kind(task_name)  # raises for an unknown task
        return (
            self.long_frame()
            .select(
                C.ORIGINAL_ID,
                pl.col(C.ANNOTATOR_ID).alias(C.HUMAN_ID),
                pl.col(task_name).alias(C.LABEL),
            )
            .filter(pl.col(C.LABEL).is_not_null())
        )

    # ---------------------------------------------------------------- storage
    def save(self, directory: Path) -> None:
        """Write ``<annotator>.parquet`` per annotator and ``state.json`` into ``directory``.

        File names come from :func:`meta_evaluator._ids.id_to_filename` (injective: two ids
        never share a file); the real id is kept in the table's ``annotator_id`` column and in
        ``state.json``. Every write is atomic; ``state.json`` is written last, and only then are
        tables of the previous state that the new one no longer lists removed.
        """
        directory = Path(directory)
        previous = _listed_files(directory)
        entries = []
        for aid in self.annotator_ids:
            frame = self._frames[aid]
            file_name = f"{id_to_filename(aid)}.parquet"
            atomic_write(directory / file_name, functools.partial(_write_parquet, frame))
            entries.append(
                {
                    "annotator_id": aid,
                    "file": file_name,
                    "n_rows": frame.height,
                    "n_labels": {
                        t: frame.height - frame[t].null_count() for t in self.task.task_names
                    },
                }
            )
        state = {
            "version": _STATE_VERSION,
            "task_names": self.task.task_names,
            "annotators": entries,
        }
        atomic_write_text(directory / _STATE_FILE, json.dumps(state, indent=2))
        for stale in previous - {e["file"] for e in entries}:
            with contextlib.suppress(OSError):
                (directory / stale).unlink()

    @classmethod
    def load(cls, directory: Path, task: EvalTask) -> AnnotationStore:
        """Read a store written by :meth:`save`, validating the labels against ``task``.

        Raises:
            ProjectError: ``state.json`` or an annotator's table is missing or unreadable.
            AnnotationError: Saved labels do not fit ``task`` (the task changed since saving).
        """
        directory = Path(directory)
        store = cls(task)
        try:
            state = json.loads((directory / _STATE_FILE).read_text(encoding="utf-8"))
            entries = list(state["annotators"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProjectError(
                f"Cannot read annotation state {str(directory / _STATE_FILE)!r}: {exc}. Restore "
                "the file, or delete the annotations folder and add the annotations again."
            ) from exc
        for entry in entries:
            path = directory / entry["file"]
            try:
                frame = pl.read_parquet(path)
            except (OSError, pl.exceptions.PolarsError) as exc:
                raise ProjectError(
                    f"Cannot read annotations of {entry['annotator_id']!r} from {str(path)!r}: "
                    f"{exc}. Restore the file, or add this annotator's annotations again."
                ) from exc
            aid = entry["annotator_id"]
            if C.ANNOTATOR_ID in frame.columns:
                inside = frame[C.ANNOTATOR_ID].unique().to_list()
                if inside and inside != [aid]:
                    raise ProjectError(
                        f"Annotation table {str(path)!r} holds annotator(s) {inside!r} but "
                        f"{str(directory / _STATE_FILE)!r} lists it for {aid!r}: the files were "
                        "mixed up. Restore them, or add this annotator's annotations again."
                    )
            store._frames[aid] = normalise_label_frame(
                frame.drop(C.ANNOTATOR_ID, strict=False),
                task=task,
                origin=f"saved annotations {str(path)!r}",
                owner_id=aid,
                check_owner_ids=False,
            )
        return store


def _listed_files(directory: Path) -> set[str]:
    """Table files named by the store's current ``state.json`` (none when unreadable)."""
    try:
        state = json.loads((directory / _STATE_FILE).read_text(encoding="utf-8"))
        return {
            str(e["file"])
            for e in state["annotators"]
            if Path(str(e["file"])).name == str(e["file"])  # plain names inside the folder
        }
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    frame.write_parquet(path)
