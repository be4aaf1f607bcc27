"""Storing an import in a project: annotations, judge results, and the Label Studio users learnt.

``MetaEvaluator.add_annotations`` is a thin method over :func:`import_into_project`. Everything is
checked before anything is written: an annotator or a judge that already has data in the project
is an error unless ``overwrite=True``.

The project remembers, in ``annotations/label_studio_users.json``, the ``ls_user_<id>`` -> email
pairs any Label Studio export paired and passes them to later imports as ``known_users`` (the
user's own ``annotator_map`` applies on top), so the same person keeps one annotator id across
export types.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_evaluator._ids import id_path
from meta_evaluator._io import atomic_write_text
from meta_evaluator.annotations.importers import load_annotations
from meta_evaluator.annotations.importers._registry import ImportResult
from meta_evaluator.errors import ProjectError

if TYPE_CHECKING:
    from meta_evaluator.project import MetaEvaluator

__all__ = ["import_into_project"]

logger = logging.getLogger("meta_evaluator.annotations.importers")

USERS_FILE = "label_studio_users.json"


def _known_users(directory: Path) -> dict[str, str]:
    path = directory / USERS_FILE
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProjectError(
            f"Cannot read {str(path)!r}: {exc}. Delete it (it only remembers which Label Studio "
            "user id belongs to which email) and import the exports again."
        ) from exc
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def import_into_project(
    ev: MetaEvaluator,
    source: Any,
    *,
    format: str | None,
    overwrite: bool,
    options: dict[str, Any],
) -> ImportResult:
    """Read ``source`` with :func:`load_annotations` and store it in ``ev`` (see module doc).

    Raises:
        ProjectError: A judge in the export already has results and ``overwrite`` is False.
        AnnotationError: An annotator already has annotations and ``overwrite`` is False.
        ConfigError, DataFileError, ColumnError, IdError: As for :func:`load_annotations`.
    """
    task, ids = ev._annotation_context()
    known = _known_users(ev.annotations_dir)
    result = load_annotations(
        source,
        task=task,
        format=format,
        known_ids=ids,
        known_users={**known, **dict(options.pop("known_users", None) or {})},
        **options,
    )
    registered = [j for j in result.judges if j in ev.judges]
    if registered:
        raise ProjectError(
            f"Judge(s) {registered!r} from this export share their id with judge(s) registered "
            "in this project (add_judge / load_judges_from_yaml). Rename the model version / "
            "agent in the export, or pass judges=False to import the human annotations only."
        )
    folders = {j: id_path(ev.results_dir, j, legacy=j) for j in result.judges}
    clash = [j for j, folder in folders.items() if (folder / "state.json").exists()]
    if clash and not overwrite:
        raise ProjectError(
            f"Judge(s) {clash!r} from this export already have results in "
            f"{str(ev.results_dir)!r}. Pass overwrite=True to replace them, or judges=False to "
            "import the human annotations only."
        )
    if result.annotations.height:  # raises before changing anything; saves under the lock
        ev._store_annotations(result.annotations, overwrite=overwrite)
    for judge_id, res in result.judges.items():
        res.save(folders[judge_id])
    learnt = {k: v for k, v in result.user_ids.items() if known.get(k) != v}
    if learnt:
        ev.annotations_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            ev.annotations_dir / USERS_FILE, json.dumps({**known, **learnt}, indent=2)
        )
    return result
