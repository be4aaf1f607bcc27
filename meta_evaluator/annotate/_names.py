"""Annotator names -> ids and file names: the one place the annotate package applies the id rule.

The project-wide rule (``meta_evaluator._ids``: ``validate_id`` / ``id_to_filename``) is used
when it exists; until then a strict stand-in applies (letters, digits, ``_ . -``, at most 64
characters; file names from :func:`safe_file_stem`, which is injective).
"""

from __future__ import annotations

import re

from meta_evaluator.errors import ConfigError

__all__ = ["annotator_file_stem", "check_annotator_id"]

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_annotator_id(name: str) -> str:
    """Return ``name`` as an annotator id, or raise when it is not a valid id.

    Raises:
        ConfigError: The name breaks the id rule (e.g. empty, control characters, too long).

    Example:
        >>> check_annotator_id("alice")
        'alice'
    """
    try:
        from meta_evaluator._ids import validate_id  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        if not isinstance(name, str) or not _ID_RE.match(name):
            raise ConfigError(
                f"annotator name {name!r} is not a valid id: use 1-64 letters, digits, '_', '.' "
                "or '-', starting with a letter or digit (e.g. 'alice' or 'rater_2')."
            ) from None
        return name
    return str(validate_id("annotator", name))


def annotator_file_stem(annotator_id: str) -> str:
    """The file-name stem of an annotator's journal (distinct ids give distinct stems).

    Example:
        >>> annotator_file_stem("alice")
        'alice'
    """
    try:
        from meta_evaluator._ids import id_to_filename  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        from meta_evaluator.data._loader import safe_file_stem

        return safe_file_stem(annotator_id)
    return str(id_to_filename(annotator_id))
