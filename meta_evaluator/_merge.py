"""Concurrent saves: two processes working on one project never drop each other's work.

``save_state()`` (and every annotation import) runs under the project's state lock
(:data:`meta_evaluator._lock.STATE_LOCK`) and, before writing, folds in what another process
saved since this one last read the project:

- ``state.json`` (:func:`merge_states`): judges merge by id (ours where this process added or
  changed the judge, the disk's otherwise, plus every judge only the disk has); metrics configs
  are the union; unknown top-level keys are kept.
- ``annotations/`` (:func:`merge_annotations`): annotators another process added are taken in,
  those it re-imported replace our untouched copy, and one this process removed stays removed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator._state import STATE_FILE, check_shape, inside_project
from meta_evaluator.errors import ConfigError, DataError, ProjectError

if TYPE_CHECKING:
    from meta_evaluator.annotations import AnnotationStore
    from meta_evaluator.judges import JudgeSpec
    from meta_evaluator.scores import MetricConfig

__all__ = ["AnnotationsSeen", "adopted", "merge_annotations", "merge_states", "read_disk_state"]

log = logging.getLogger("meta_evaluator")

_OBJECT_FIELDS = ("task", "data")


# --------------------------------------------------------------------------- state.json
def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def merge_states(
    ours: dict[str, Any], base: dict[str, Any] | None, disk: dict[str, Any] | None
) -> dict[str, Any]:
    """The state to write: ours, plus what another process saved since we read ``base``.

    Judges merge by id: a judge this process added or changed since ``base`` is written as
    ours; any other judge on disk (e.g. added by another process) is kept as on disk. Metrics
    configs are the union. ``task`` / ``data`` are ours when set, else the disk's. Top-level
    keys this version does not know are kept.

    Args:
        ours: The state this process would write.
        base: The state this process last read or wrote (None for a new project).
        disk: The state on disk now (None when absent or unreadable).

    Example:
        >>> a = {"task": None, "data": None, "judges": [{"id": "a"}], "metrics": []}
        >>> b = {"task": None, "data": None, "judges": [{"id": "b"}], "metrics": []}
        >>> [j["id"] for j in merge_states(a, None, b)["judges"]]
        ['a', 'b']
    """
    if disk is None:
        return ours
    merged = {k: v for k, v in disk.items() if k not in ours}
    merged.update(ours)
    for name in _OBJECT_FIELDS:
        if merged.get(name) is None and disk.get(name) is not None:
            merged[name] = disk[name]
    base_judges = {j["id"]: _canon(j) for j in (base or {}).get("judges", [])}
    disk_judges = {j["id"]: j for j in disk.get("judges", [])}
    judges: list[dict[str, Any]] = []
    for judge in ours.get("judges", []):
        jid = judge["id"]
        changed_here = base_judges.get(jid) != _canon(judge)
        judges.append(judge if changed_here or jid not in disk_judges else disk_judges[jid])
    mine = {j["id"] for j in judges}
    judges.extend(j for jid, j in disk_judges.items() if jid not in mine)
    merged["judges"] = judges
    metrics = list(ours.get("metrics", []))
    seen = {_canon(m) for m in metrics}
    metrics.extend(m for m in disk.get("metrics", []) if _canon(m) not in seen)
    merged["metrics"] = metrics
    return merged


def read_disk_state(project_dir: Path) -> dict[str, Any] | None:
    """The ``state.json`` on disk for merging, or None when absent or unusable."""
    try:
        inside_project(Path(project_dir), STATE_FILE, field="the project's state.json")
        raw = json.loads((Path(project_dir) / STATE_FILE).read_text(encoding="utf-8"))
        return check_shape(raw, where=STATE_FILE)
    except (OSError, ValueError, ProjectError):
        return None


def adopted(
    merged: dict[str, Any], *, mine: dict[str, Any], project_dir: Path, trust: bool = False
) -> tuple[dict[str, JudgeSpec], list[MetricConfig]]:
    """The judges and metrics configs in ``merged`` that came from disk, not from ``mine``.

    Judges are rebuilt with :meth:`JudgeSpec.from_state` (the loaded-judge key rule applies);
    a metrics config this process cannot build (a custom scorer it cannot or may not import,
    see :mod:`meta_evaluator.scores._trust`; ``trust`` lifts the import rule) stays in
    ``state.json`` only, with a WARNING.
    """
    from meta_evaluator.judges import JudgeSpec
    from meta_evaluator.scores import MetricConfig

    own = {j["id"]: j for j in mine["judges"]}
    judges = {
        raw["id"]: JudgeSpec.from_state(raw, base_dir=Path(project_dir))
        for raw in merged["judges"]
        if own.get(raw["id"]) != raw
    }
    known = {_canon(m) for m in mine["metrics"]}
    metrics = []
    for raw in merged["metrics"]:
        if _canon(raw) not in known:
            try:
                metrics.append(MetricConfig.from_state(raw, trust_modules=trust))
            except ConfigError as exc:
                log.warning("a metrics config saved by another process is not loaded: %s", exc)
    return judges, metrics


# --------------------------------------------------------------------------- annotations
@dataclass(kw_only=True)
class AnnotationsSeen:
    """What this process last read or wrote of ``annotations/``."""

    version: tuple[Any, ...] | None = None
    """``state.json``'s bytes plus (inode, mtime, size) of every table it lists (None: absent)."""
    annotators: set[str] = field(default_factory=set)
    """The annotators it listed."""
    touched: set[str] = field(default_factory=set)
    """Annotators this process imported since (its version wins)."""

    @classmethod
    def read(cls, directory: Path) -> AnnotationsSeen:
        """Remember the current state of ``annotations/`` (call before loading the store)."""
        version, entries = _version(Path(directory))
        return cls(version=version, annotators={a for a, _ in entries})


def _version(directory: Path) -> tuple[tuple[Any, ...] | None, list[tuple[str, str]]]:
    """A cheap token that changes whenever another process saves annotations, and the entries."""
    try:
        raw = (directory / STATE_FILE).read_bytes()
    except OSError:
        return None, []
    try:
        entries = [(str(e["annotator_id"]), str(e["file"])) for e in json.loads(raw)["annotators"]]
    except (ValueError, KeyError, TypeError):
        return (raw,), []
    stats: list[Any] = [raw]
    for _, name in entries:
        try:
            st = (directory / name).stat()
            stats.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except OSError:
            stats.append(None)
    return tuple(stats), entries


def merge_annotations(store: AnnotationStore, directory: Path, seen: AnnotationsSeen) -> list[str]:
    """Take into ``store`` the annotators another process saved since ``seen``.

    Call under the state lock, right before ``store.save(directory)``; then replace ``seen``
    with :meth:`AnnotationsSeen.read` of the new files. Cheap when nothing changed on disk
    (``state.json`` is read and the tables it lists are stat'ed).

    Returns:
        The annotators taken from disk.
    """
    version, entries = _version(Path(directory))
    if version is None or version == seen.version:
        return []
    take = [
        a for a, _ in entries if a not in seen.touched and (a in store or a not in seen.annotators)
    ]
    if not take:
        return []
    from meta_evaluator.annotations import AnnotationStore

    try:
        disk = AnnotationStore.load(Path(directory), store.task)
    except (ProjectError, DataError) as exc:
        log.warning("annotations saved by another process could not be merged: %s", exc)
        return []
    frame = disk.long_frame().filter(pl.col(C.ANNOTATOR_ID).is_in(take))
    if not frame.is_empty():
        store.add(frame, overwrite=True)
    log.info("annotations: took %d annotator(s) saved by another process: %r", len(take), take)
    return take
