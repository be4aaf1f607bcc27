"""Inter-process locks on a project directory: one judge run at a time, serialised state saves.

Two OS file locks (``fcntl.flock``, exclusive), each on a small file inside the project:

- ``results/.lock`` is held for the whole of a judge run. A second process that tries to run
  the same project's judges fails at once with :class:`~meta_evaluator.errors.ProjectError`
  naming the holder's pid, or, with ``wait=True``, waits for it (logging the pid) and then
  resumes from the journal, so no row is paid for twice.
- ``.state.lock`` is held while ``state.json`` is re-read, merged and rewritten, so two
  processes adding judges at the same time both keep their judge.

The kernel releases a flock when its holder exits or is killed, so a crashed run never leaves
the project locked; the pid written into the lock file is only for messages. A flock conflicts
with any other open file description, so two ``MetaEvaluator`` objects of one process exclude
each other too.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from meta_evaluator.errors import ProjectError

__all__ = ["POLL_S", "RUN_LOCK", "STATE_LOCK", "ProjectLock"]

log = logging.getLogger("meta_evaluator")

RUN_LOCK = Path("results") / ".lock"
"""The judge-run lock file, relative to the project directory."""
STATE_LOCK = Path(".state.lock")
"""The state-save lock file, relative to the project directory."""
POLL_S = 0.1
"""How often a waiting process tries the lock again, seconds."""


class ProjectLock:
    """An exclusive, inter-process lock on one file of a project.

    Args:
        path: The lock file (created, with its folder, when needed).
        project: The project directory, for messages.
        activity: What the holder is doing, for messages (e.g. ``"running judges"``).
        wait_log_level: Level of the message logged when :meth:`acquire` has to wait.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> with ProjectLock(d / ".lock", project=d, activity="testing").hold(wait=False):
        ...     pass
    """

    def __init__(
        self, path: Path, *, project: Path, activity: str, wait_log_level: int = logging.WARNING
    ) -> None:
        self.path = Path(path)
        self.wait_log_level = wait_log_level
        self.project = Path(project)
        self.activity = activity
        self._fh: IO[str] | None = None

    def holder_pid(self) -> int | None:
        """The pid written by the current (or last) holder, when readable."""
        try:
            return int(self.path.read_text(encoding="ascii").strip() or "x")
        except (OSError, ValueError):
            return None

    def _try(self, *, wait: bool, announced: bool) -> bool:
        """One attempt; True when taken. Raises (wait=False) or logs (once) when held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - closed in release()
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            pid = self.holder_pid()
            who = f"pid {pid}" if pid is not None else "pid unknown"
            if not wait:
                raise ProjectError(
                    f"{str(self.project)!r} is {self.activity} in another process ({who}); "
                    "wait or pass wait=True."
                ) from None
            if not announced:
                log.log(
                    self.wait_log_level,
                    "%s is %s in another process (%s): waiting for it to finish",
                    self.project,
                    self.activity,
                    who,
                )
            return False
        except BaseException:
            fh.close()
            raise
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
        except BaseException:
            fh.close()
            raise
        self._fh = fh
        return True

    def acquire(self, *, wait: bool) -> None:
        """Take the lock; write our pid into the file.

        Args:
            wait: Wait until the holder releases the lock (logging its pid once) instead of
                failing.

        Raises:
            ProjectError: The lock is held by another process and ``wait`` is False.
        """
        announced = False
        while not self._try(wait=wait, announced=announced):
            announced = True
            time.sleep(POLL_S)

    async def acquire_async(self, *, wait: bool) -> None:
        """:meth:`acquire` for a coroutine: waits without blocking the event loop.

        Cancelling the waiting task (Ctrl-C in Jupyter) leaves nothing behind: the lock is only
        taken by a successful attempt, never by a thread still blocked in the kernel.
        """
        announced = False
        while not self._try(wait=wait, announced=announced):
            announced = True
            await asyncio.sleep(POLL_S)

    def release(self) -> None:
        """Release the lock (safe to call twice)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    @contextlib.contextmanager
    def hold(self, *, wait: bool) -> Iterator[ProjectLock]:
        """Context manager around :meth:`acquire` / :meth:`release`."""
        self.acquire(wait=wait)
        try:
            yield self
        finally:
            self.release()
