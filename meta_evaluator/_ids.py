r"""The one rule for ids (judges, annotators) and how an id becomes a file name.

Ids are text a user chose; many become file or folder names inside the project (a judge's
``results/<judge>/`` folder, an annotator's table in ``annotations/``). Two rules keep that safe:

1. :func:`validate_id` refuses ids that cannot be stored or shown safely, *before* anything is
   written: empty or whitespace-only ids, ids longer than :data:`MAX_ID_LENGTH` characters,
   ids with control characters (``"j\n"``) and, for judges, any character other than letters,
   digits, ``_ . -`` (no path characters, so a judge id is also a readable folder name).
2. :func:`id_to_filename` maps ids to file names *injectively*, also on case-insensitive file
   systems: a plain id (lower-case letters, digits, ``_ . -``) is its own file name; any other
   id becomes a readable slug plus a hash of the *full* id (``"a/b"`` -> ``"a_b-<hash>"``).
   A plain id never ends like a hashed name, so ``"a/b"`` and the literal id
   ``"a_b-3ec69c85"`` can never share a file. The real id is always stored inside the file
   (or next to it in a state file); the name is only a key.

Example:
    >>> id_to_filename("human_1")
    'human_1'
    >>> id_to_filename("a/b") != id_to_filename("a_b-3ec69c85")
    True
    >>> validate_id("judge", "gpt4o_mini")
    'gpt4o_mini'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Literal

from meta_evaluator.errors import ConfigError, JudgeConfigError

__all__ = [
    "MAX_ID_LENGTH",
    "IdKind",
    "id_path",
    "id_to_filename",
    "legacy_filename",
    "validate_id",
]

IdKind = Literal["judge", "annotator"]

MAX_ID_LENGTH = 128
"""Longest id accepted, in characters (file names are limited to 255 bytes)."""

_JUDGE_RE = re.compile(r"[A-Za-z0-9_.-]+")
_PLAIN_RE = re.compile(r"[a-z0-9_][a-z0-9_.-]*")
_HASHED_TAIL = re.compile(r"-[0-9a-f]{8}\Z")
_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_SLUG_LEN = 60


def validate_id(kind: IdKind, value: object) -> str:
    r"""Return ``value`` when it is a valid ``kind`` id; raise a clear error otherwise.

    Every id: a string, not blank, at most :data:`MAX_ID_LENGTH` characters, no control
    characters (newlines, tabs, NUL, ...), no leading or trailing whitespace. Judge ids
    additionally hold only letters, digits, ``_``, ``.`` and ``-`` (they name folders and appear in
    file names of scores), and are not ``.`` or ``..``.

    Args:
        kind: ``"judge"`` or ``"annotator"``.
        value: The id to check.

    Raises:
        JudgeConfigError: An invalid judge id.
        ConfigError: An invalid annotator id.

    Example:
        >>> validate_id("annotator", "Dr. Smith / team A")
        'Dr. Smith / team A'
        >>> validate_id("judge", "j\n")
        Traceback (most recent call last):
        ...
        meta_evaluator.errors.JudgeConfigError: judge id 'j\n' has control character(s) ...
    """
    err = JudgeConfigError if kind == "judge" else ConfigError
    if not isinstance(value, str):
        raise err(f"{kind} id must be a string; got {type(value).__name__} {value!r}.")
    if not value.strip():
        raise err(f"{kind} id {value!r} is empty. Give a non-blank id, e.g. 'h1'.")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise err(
            f"{kind} id {value!r} has control character(s) (newline, tab, NUL, ...). "
            "Remove them: ids appear in file names, logs and reports."
        )
    if len(value) > MAX_ID_LENGTH:
        raise err(
            f"{kind} id {value[:40]!r}... is {len(value)} characters long; the limit is "
            f"{MAX_ID_LENGTH}. Use a shorter id."
        )
    if value != value.strip():
        raise err(f"{kind} id {value!r} has leading or trailing whitespace. Strip it.")
    if kind == "judge" and (not _JUDGE_RE.fullmatch(value) or value in {".", ".."}):
        raise err(
            f"judge id {value!r} may only contain letters, digits, '_', '.' and '-' "
            "(it becomes a folder name). Rename it, e.g. 'gpt4o_mini'."
        )
    return value


def id_to_filename(value: str) -> str:
    """The file-name stem for ``value``: injective, portable, readable.

    A plain id (at most 60 lower-case ASCII letters, digits, ``_ . -``, not starting with ``.``
    or ``-`` and not ending in ``-`` plus 8 hex digits) is returned unchanged. Any other id becomes
    ``<slug>-<hash8>``: the slug is the id lower-cased with other characters replaced by ``_``
    (at most 60 characters), the hash is the first 8 hex digits of SHA-256 of the full id. Case
    variants (``"Alice"``, ``"alice"``) therefore get different names on case-insensitive file
    systems too.

    Example:
        >>> id_to_filename("Alice")
        'alice-3bc51062'
        >>> id_to_filename("alice")
        'alice'
    """
    plain = len(value) <= _SLUG_LEN and _PLAIN_RE.fullmatch(value)
    if plain and not _HASHED_TAIL.search(value):
        return value
    slug = _UNSAFE.sub("_", value.lower()).strip("._-")[:_SLUG_LEN] or "id"
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"


def legacy_filename(value: str) -> str:
    """The file-name stem used before :func:`id_to_filename` (read old projects with it).

    Example:
        >>> legacy_filename("gpt4o_mini")
        'gpt4o_mini'
    """
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._") or "unnamed"
    if stem != value:
        stem = f"{stem[:60]}-{hashlib.sha1(value.encode('utf-8')).hexdigest()[:8]}"
    return stem


def id_path(parent: Path, value: str, *, suffix: str = "", legacy: str | None = None) -> Path:
    """``parent / (id_to_filename(value) + suffix)``, or the legacy name when only that exists.

    Projects written before the injective names keep loading: when the new path is missing and
    ``parent / (legacy + suffix)`` exists, that is returned (and written to from then on).

    Args:
        parent: The folder.
        value: The id.
        suffix: File extension (``".parquet"``), or ``""`` for a folder.
        legacy: The name an older version used for this id (None: no fallback).

    Example:
        >>> id_path(Path("results"), "gpt4o_mini").as_posix()
        'results/gpt4o_mini'
    """
    new = parent / f"{id_to_filename(value)}{suffix}"
    if legacy is not None and not new.exists():
        old = parent / f"{legacy}{suffix}"
        if old.exists():
            return old
    return new
