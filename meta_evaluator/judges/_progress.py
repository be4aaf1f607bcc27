"""Progress of judge runs, and quiet client logs while they run.

``progress=None`` (the default) picks the display from where the run is:

- **Jupyter** (with ``tqdm`` installed): one tqdm bar per judge.
- **a terminal**: one stderr line redrawn in place (at most 5 times a second) with, per judge,
  rows done / total, failed rows, rate and ETA.
- **anything else** (CI, logs, a pipe): a plain line to stderr each time a judge passes
  another 10% of its rows, and at least every 10 s.

``progress=True`` forces the in-place line, ``progress=False`` shows nothing. Whatever the
display, a one-line summary per judge is logged at INFO on ``meta_evaluator.judges`` at the end.

:func:`quiet_client_logs` keeps the HTTP client libraries' per-request INFO lines (httpx,
openai, anthropic, litellm) out of the way during a run unless the user set those loggers'
levels (the CLI's ``--verbose`` does: it sets them to DEBUG).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

__all__ = ["CLIENT_LOGGERS", "JudgeProgress", "RunProgress", "quiet_client_logs"]

log = logging.getLogger("meta_evaluator.judges")

_REDRAW_S = 0.2
_LINE_EVERY_S = 10.0
_LINE_STEPS = 10  # a line per 10% of a judge's rows

CLIENT_LOGGERS = ("httpx", "httpcore", "openai", "anthropic", "LiteLLM", "litellm")
"""Loggers of the HTTP client libraries whose per-request lines a run keeps quiet."""


@contextlib.contextmanager
def quiet_client_logs() -> Iterator[None]:
    """Raise :data:`CLIENT_LOGGERS` to WARNING for the duration, where the user set no level.

    A logger whose level the user (or the CLI's ``--verbose``) set explicitly is left alone.
    """
    changed = []
    for name in CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
            changed.append(logger)
    try:
        yield
    finally:
        for logger in changed:
            logger.setLevel(logging.NOTSET)


def _notebook_tqdm() -> Callable[..., Any] | None:
    """The notebook-aware tqdm bar when running in Jupyter with tqdm installed, else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm  # type: ignore[no-any-return]


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
    """Progress of all judges in a run (see the module docstring for the displays).

    Args:
        enabled: True for the in-place line, False for silence, None to choose by place
            (Jupyter bar, terminal line, or periodic plain lines).
        stream: Where to draw (default: stderr).
        clock: Monotonic clock for the periodic lines (a seam for tests).
    """

    def __init__(
        self,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._tqdm: Callable[..., Any] | None = None
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            self._tqdm = _notebook_tqdm() if stream is None else None
            if self._tqdm is not None:
                self.mode: Literal["off", "redraw", "lines", "bars"] = "bars"
            else:
                self.mode = "redraw" if isatty and isatty() else "lines"
        else:
            self.mode = "redraw" if enabled else "off"
        self.enabled = self.mode != "off"
        self.judges: dict[str, JudgeProgress] = {}
        self._bars: dict[str, Any] = {}
        self._steps: dict[str, int] = {}
        self._last_draw = 0.0
        self._last_line = clock()
        self._width = 0

    def add(self, judge_id: str, total: int) -> JudgeProgress:
        """Register a judge with ``total`` rows to process."""
        jp = JudgeProgress(judge_id=judge_id, total=total)
        self.judges[judge_id] = jp
        self._steps[judge_id] = 0
        if self.mode == "bars" and self._tqdm is not None:
            try:
                self._bars[judge_id] = self._tqdm(total=total, desc=judge_id, unit="row")
            except Exception:  # a broken notebook widget stack must not stop a run
                log.debug("progress: cannot draw a tqdm bar; printing lines", exc_info=True)
                self.mode = "lines"
        return jp

    def update(self, judge_id: str, *, failed: bool) -> None:
        """Count one finished row and draw if due."""
        jp = self.judges[judge_id]
        jp.done += 1
        jp.failed += int(failed)
        if self.mode == "redraw" and time.monotonic() - self._last_draw >= _REDRAW_S:
            self.draw()
        elif self.mode == "lines":
            step = jp.done * _LINE_STEPS // jp.total if jp.total else _LINE_STEPS
            if step > self._steps[judge_id]:
                self._steps[judge_id] = step
                self._line(jp.line())
            elif self._clock() - self._last_line >= _LINE_EVERY_S:
                self._line(" | ".join(j.line() for j in self.judges.values()))
        elif self.mode == "bars" and judge_id in self._bars:
            bar = self._bars[judge_id]
            bar.update(1)
            if failed:
                bar.set_postfix(failed=jp.failed, refresh=False)

    def _line(self, text: str) -> None:
        self._last_line = self._clock()
        self.stream.write(text + "\n")
        self.stream.flush()

    def draw(self) -> None:
        """Redraw the line in place."""
        self._last_draw = time.monotonic()
        text = " | ".join(jp.line() for jp in self.judges.values())
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        """Finish the display, and log the per-judge summary lines."""
        if self.mode == "redraw" and self.judges:
            self.draw()
            self.stream.write("\n")
            self.stream.flush()
        elif self.mode == "lines":
            for jid, jp in self.judges.items():
                if jp.total and self._steps[jid] < _LINE_STEPS:  # the run ended early
                    self._line(jp.line())
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
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
