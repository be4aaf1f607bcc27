"""Atomic file writes: a crash never leaves a half-written file in the project directory.

A write goes to a temporary file in the destination's folder, is fsynced, then renamed over the
destination. Temporary files are named ``.<name>.<pid>-<host>.<random>.tmp`` so that
:func:`clean_stale_temp_files` can tell a write still in progress (its process is alive) from
the leftovers of a killed one. They are created with mode ``0o666`` minus the user's umask, like
any file ``open()`` creates, so a project on a team drive stays readable by the team (the
``tempfile.mkstemp`` default of ``0o600`` would hide every file from everyone else).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "STALE_TEMP_AGE_S",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "clean_stale_temp_files",
    "create_temp_file",
    "file_version",
]

log = logging.getLogger("meta_evaluator")

STALE_TEMP_AGE_S = 3600.0
"""A temp file whose writer cannot be checked (another host, older naming) is stale after this."""

_HOST = hashlib.sha1(socket.gethostname().encode("utf-8")).hexdigest()[:6]
_LEGACY_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # tempfile.mkstemp names
_OWNER_RE = re.compile(r"\.(\d+)-([0-9a-f]{6})\.[0-9a-f]{8}\.tmp$")


def create_temp_file(path: Path) -> Path:
    """Create an empty temporary file next to ``path`` (mode 0o666 minus the umask).

    Args:
        path: The file the temporary file will replace.

    Returns:
        The temporary file's path (named ``.<name>.<pid>-<host>.<random>.tmp``).
    """
    path = Path(path)
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}-{_HOST}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        os.close(fd)
        return tmp


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` then rename the temp file over ``path`` (same directory).

    Args:
        path: Final destination.
        writer: Writes the complete content to the temporary path it is given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = create_temp_file(path)
    try:
        writer(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""

    def write(p: Path) -> None:
        p.write_bytes(data)

    atomic_write(path, write)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _is_stale(entry: os.DirEntry[str], now: float) -> bool:
    m = _OWNER_RE.search(entry.name)
    if m is not None and m.group(2) == _HOST:
        pid = int(m.group(1))
        return pid != os.getpid() and not _pid_alive(pid)
    try:  # another host's writer, or a name from an older version: judge by age
        return now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_AGE_S
    except OSError:
        return False


def clean_stale_temp_files(root: Path) -> tuple[int, int]:
    """Delete the temporary files that killed writes left under ``root``.

    A temp file written by a live process of this host is kept (the write is in progress);
    one whose writer died is removed; one from another host, or named by an older version, is
    removed once older than :data:`STALE_TEMP_AGE_S`. Symlinked folders are not followed.

    Args:
        root: The project directory.

    Returns:
        ``(files removed, bytes freed)``.
    """
    removed = freed = 0
    now = time.time()
    stack = [Path(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if not (name.endswith(".tmp") and name.startswith(".")):
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
            elif (
                (_OWNER_RE.search(name) or _LEGACY_RE.match(name))
                and entry.is_file(follow_symlinks=False)
                and _is_stale(entry, now)
            ):
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                    os.unlink(entry.path)
                except OSError:
                    continue
                removed += 1
                freed += size
    if removed:
        log.info(
            "removed %d stale temporary file(s) (%.1f MB) left by interrupted writes in %s",
            removed,
            freed / 1e6,
            root,
        )
    return removed, freed


def file_version(path: Path) -> tuple[int, int, int] | None:
    """Identity of a file's current version (inode, mtime, size); None when it does not exist.

    An atomic write always changes it (the new content is a new inode), so comparing versions
    tells whether another process rewrote the file.
    """
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)
