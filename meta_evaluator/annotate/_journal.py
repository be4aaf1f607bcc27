"""One annotator's journal: every submit, undo and skip, appended and fsynced before it counts.

The journal (``annotations/annotate/journal/<annotator>.jsonl``) is the source of truth of the
labels collected in the browser; the annotation tables in ``annotations/`` are rebuilt from it.
Each line is one JSON event::

    {"seq": 7, "ts": 1764583200.12, "op": "submit", "sample": "s1",
     "labels": {"rejection": "yes"}, "flag": false, "comment": ""}
    {"seq": 8, "ts": 1764583203.40, "op": "undo", "target": 7}
    {"seq": 9, "ts": 1764583204.01, "op": "skip", "sample": "s2"}

Replaying the events gives the state: per sample the latest submit that was not undone wins
(events are appended in the order the server received them, which is timestamp order, so two
tabs of one annotator never make duplicates). A torn last line (the process died mid-write) is
ignored; it was never confirmed to the browser.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meta_evaluator.errors import ProjectError

__all__ = ["Journal", "Submission"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Submission:
    """One submitted answer for one sample."""

    seq: int
    """Position of the event in the journal (1-based)."""
    ts: float
    """Server time the submit was received (Unix seconds)."""
    sample: str
    """The sample id (``original_id``)."""
    labels: dict[str, Any]
    """Task name -> label (already validated against the task)."""
    flag: bool = False
    """The annotator marked the sample "needs discussion"."""
    comment: str = ""
    """The annotator's comment on the sample."""


@dataclass
class _State:
    submits: dict[int, Submission] = field(default_factory=dict)
    undone: set[int] = field(default_factory=set)
    skipped: dict[str, float] = field(default_factory=dict)
    current: dict[str, Submission] = field(default_factory=dict)


class Journal:
    """Append-only, fsynced event log of one annotator, replayed on open.

    Args:
        path: The ``.jsonl`` file (created with its folder on the first event).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._state = _State()
        self._seq = 0
        if self.path.is_file():
            self._replay()

    # ------------------------------------------------------------------ replay
    def _replay(self) -> None:
        lines = self.path.read_bytes().split(b"\n")
        good = 0
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
                self._apply(event)
            except (ValueError, KeyError, TypeError) as exc:
                if n >= len(lines) - 1:  # the torn last line of a killed process
                    logger.warning("%s: ignoring an incomplete last line", self.path)
                    self._truncate_to(lines[: n - 1])
                    break
                raise ProjectError(
                    f"Annotation journal {str(self.path)!r}, line {n}, is not a journal event "
                    f"({type(exc).__name__}: {exc}). It was edited or damaged: restore it from a "
                    "backup, or delete that line (its submit is lost) and start again."
                ) from exc
            good += 1
        logger.debug("%s: replayed %d events", self.path, good)

    def _truncate_to(self, kept: list[bytes]) -> None:
        data = b"".join(line + b"\n" for line in kept if line.strip())
        with open(self.path, "r+b") as fh:
            fh.truncate(len(data))
            fh.seek(0)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def _apply(self, event: dict[str, Any]) -> None:
        seq = int(event["seq"])
        self._seq = max(self._seq, seq)
        op = event["op"]
        st = self._state
        if op == "submit":
            sub = Submission(
                seq=seq,
                ts=float(event["ts"]),
                sample=str(event["sample"]),
                labels=dict(event["labels"]),
                flag=bool(event.get("flag", False)),
                comment=str(event.get("comment", "")),
            )
            st.submits[seq] = sub
            st.current[sub.sample] = sub
            st.skipped.pop(sub.sample, None)
        elif op == "undo":
            target = st.submits[int(event["target"])]
            st.undone.add(target.seq)
            if st.current.get(target.sample) is target:
                earlier = [
                    s
                    for s in st.submits.values()
                    if s.sample == target.sample and s.seq not in st.undone
                ]
                if earlier:
                    st.current[target.sample] = max(earlier, key=lambda s: s.seq)
                else:
                    del st.current[target.sample]
        elif op == "skip":
            st.skipped[str(event["sample"])] = float(event["ts"])
        else:
            raise ValueError(f"unknown journal op {op!r}")

    # ------------------------------------------------------------------ writes
    def _append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Give the event its seq and ts, write it durably, then apply it (caller holds lock)."""
        event = {"seq": self._seq + 1, "ts": time.time(), **event}
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        created = not self._seq and not self.path.exists()
        if created:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created and hasattr(os, "O_DIRECTORY"):  # make the new file's name durable too
            dfd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        self._apply(event)
        return event

    def submit(
        self, sample: str, labels: dict[str, Any], *, flag: bool = False, comment: str = ""
    ) -> Submission:
        """Record an answer for ``sample`` (it replaces any earlier one); durable on return."""
        with self._lock:
            event = self._append(
                {"op": "submit", "sample": sample, "labels": labels, "flag": flag,
                 "comment": comment}
            )  # fmt: skip
            return self._state.submits[event["seq"]]

    def skip(self, sample: str) -> None:
        """Record that the annotator skipped ``sample`` (it moves to the end of their queue)."""
        with self._lock:
            self._append({"op": "skip", "sample": sample})

    def undo_last(self) -> Submission | None:
        """Revert the latest submit not yet undone; returns it (None when there is none)."""
        with self._lock:
            live = [s for s in self._state.submits.values() if s.seq not in self._state.undone]
            if not live:
                return None
            target = max(live, key=lambda s: s.seq)
            self._append({"op": "undo", "target": target.seq, "sample": target.sample})
            return target

    # ------------------------------------------------------------------ reads
    def current(self) -> dict[str, Submission]:
        """Sample id -> the answer that counts (latest submit not undone)."""
        with self._lock:
            return dict(self._state.current)

    def skipped(self) -> dict[str, float]:
        """Sample id -> when it was last skipped (samples answered since are not included)."""
        with self._lock:
            return {s: t for s, t in self._state.skipped.items() if s not in self._state.current}

    def can_undo(self) -> bool:
        """Whether a submit is left to undo."""
        with self._lock:
            return len(self._state.submits) > len(self._state.undone)
