"""Annotator names -> ids and file names: the project-wide id rule, applied in one place.

See :mod:`meta_evaluator._ids`: ``validate_id("annotator", ...)`` refuses names that cannot be
stored or shown safely, and ``id_to_filename`` maps ids to journal file names injectively.
"""

from __future__ import annotations

from meta_evaluator._ids import id_to_filename, validate_id

__all__ = ["annotator_file_stem", "check_annotator_id"]


def check_annotator_id(name: str) -> str:
    """Return ``name`` as an annotator id, or raise when it breaks the id rule.

    Raises:
        ConfigError: The name is blank, too long, padded with whitespace or holds control
            characters.

    Example:
        >>> check_annotator_id("alice")
        'alice'
    """
    return validate_id("annotator", name)


def annotator_file_stem(annotator_id: str) -> str:
    """The file-name stem of an annotator's journal (distinct ids give distinct stems).

    Example:
        >>> annotator_file_stem("alice")
        'alice'
    """
    return id_to_filename(annotator_id)
