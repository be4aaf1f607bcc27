"""A small progress display for judge runs.

On a TTY one stderr line per run is redrawn in place (at most 5 times a second) with, per judge,
rows done / total, failed rows, rate and ETA. When stderr is not a TTY (CI, logs) nothing is
drawn; a one-line summary per judge is logged at INFO level on logger ``meta_evaluator.judges``
when the run ends.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

__all__ = ["JudgeProgress", "RunProgress"]

log = logging.getLogger("meta_evaluator.judges")

_REDRAW_S = 0.2


@dataclass(kw_only=True)
class JudgeProgress:
    """Counters for one judge."""

    judge_id: str
    """The judge."""
    total: int
    """Rows to process in this run (reused rows excluded)."""
    done: int = 0
    """Rows finished (any status)."""
    failed: int = 0
    """Rows finished with parsing_error or llm_error."""
    started: float = field(default_factory=time.monotonic)
    """Monotonic start time."""

    @property
    def rate(self) -> float:
        """Rows per second so far."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def eta_s(self) -> float | None:
        """Seconds left at the current rate (None before the first row)."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None

    def line(self) -> str:
        """``judge: done/total (failed) rate/s ETA``."""
        eta = self.eta_s()
        eta_txt = "--" if eta is None else _fmt_s(eta)
        return (
            f"{self.judge_id}: {self.done}/{self.total} done, {self.failed} failed, "
            f"{self.rate:.1f}/s, ETA {eta_txt}"
        )


def _fmt_s(secs: float) -> str:
    s = round(secs)
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class RunProgress:
    """Progress of all judges in a run.

    Args:
        enabled: True to draw, False for silence, None to draw only when ``stream`` is a TTY.
        stream: Where to draw (default: stderr).
    """

    def __init__(self, *, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.judges: dict[str, JudgeProgress] = {}
        self._last_draw = 0.0
        self._width = 0

    def add(self, judge_id: str, total: int) -> JudgeProgress:
        """Register a judge with ``total`` rows to process."""
        jp = JudgeProgress(judge_id=judge_id, total=total)
        self.judges[judge_id] = jp
        return jp

    def update(self, judge_id: str, *, failed: bool) -> None:
        """Count one finished row and redraw if due."""
        jp = self.judges[judge_id]
        jp.done += 1
        jp.failed += int(failed)
        if self.enabled and time.monotonic() - self._last_draw >= _REDRAW_S:
            self.draw()

    def draw(self) -> None:
        """Redraw the line in place."""
        self._last_draw = time.monotonic()
        text = " | ".join(jp.line() for jp in self.judges.values())
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        """Final redraw + newline (when drawing), and the per-judge summary log lines."""
        if self.enabled and self.judges:
            self.draw()
            self.stream.write("\n")
            self.stream.flush()
        for jp in self.judges.values():
            log.info(
                "judge %s: %d/%d rows, %d failed, %.1f rows/s, %.1f s",
                jp.judge_id,
                jp.done,
                jp.total,
                jp.failed,
                jp.rate,
                time.monotonic() - jp.started,
            )
