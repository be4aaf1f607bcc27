"""The project's ``state.json``: its shape, the trust boundary of its paths, and merged saves.

A project directory is shared (zipped, versioned, put on a team drive), so opening one is a trust
boundary. This module is the one place that checks what a saved state may point at:

- **Shape.** ``state.json`` must be a JSON object whose ``task`` / ``data`` are objects (or
  null) and whose ``judges`` / ``metrics`` are lists of objects; anything else is a
  :class:`~meta_evaluator.errors.ProjectError` naming the field.
- **Paths.** Every path the project stores (the data file, judges' prompt files, the annotation
  tables listed in ``annotations/state.json``, the folders and tables under ``results/``) must
  be relative and resolve inside the project directory after symlinks. A state that points
  elsewhere raises ``ProjectError`` naming the field and the path, before any file is read.
- **Keys.** A loaded judge may send only a variable that looks like a key (see
  :func:`meta_evaluator.judges._spec.check_loaded_key_env`); so may a loaded metric scorer.
- **Imports.** A custom scorer's import path is imported only if its module is already imported
  or the user opts in (see :mod:`meta_evaluator.scores._trust`).
- **Self-contained.** A prompt file given in code lives outside the project: it is copied into
  ``prompts/<judge_id><suffix>`` when the judge is registered (:func:`import_prompt_file`).

Merging concurrent saves lives in :mod:`meta_evaluator._merge`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_evaluator._io import atomic_write_bytes
from meta_evaluator.errors import MetricConfigError, ProjectError

if TYPE_CHECKING:
    from meta_evaluator.judges import JudgeSpec

__all__ = [
    "MANAGED_DIRS",
    "PROMPTS_DIR",
    "STATE_FILE",
    "check_metric_states",
    "check_project_paths",
    "check_shape",
    "file_name_only",
    "import_prompt_file",
    "inside_project",
    "log_key_destinations",
    "read_state",
]

log = logging.getLogger("meta_evaluator.project")

STATE_FILE = "state.json"
PROMPTS_DIR = "prompts"
"""Where prompt files given in code are copied (``prompts/<judge_id>-<hash8><suffix>``)."""
MANAGED_DIRS = ("data", "results", "annotations", "cache", "scores", "judges", PROMPTS_DIR)
"""Project folders that must not be symlinks to elsewhere."""

_LIST_FIELDS = ("judges", "metrics")
_OBJECT_FIELDS = ("task", "data")


# --------------------------------------------------------------------------- reading
def read_state(project_dir: Path) -> dict[str, Any]:
    """Read ``state.json`` and check its shape and every path in the project (reads no data).

    Args:
        project_dir: The project directory.

    Returns:
        The state, with ``judges`` and ``metrics`` as lists (empty when absent).

    Raises:
        ProjectError: The file is missing, not JSON, of the wrong shape, or a stored path
            points outside the project.
    """
    path = Path(project_dir) / STATE_FILE
    if not path.is_file():
        what = "does not exist" if not Path(project_dir).exists() else "has no state.json"
        raise ProjectError(
            f"Cannot load project {str(project_dir)!r}: the directory {what}. Create it "
            f"with MetaEvaluator({str(project_dir)!r}, load=False) and save_state()."
        )
    inside_project(Path(project_dir), STATE_FILE, field="the project's state.json")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ProjectError(
            f"Cannot read {str(path)!r}: {exc}. The file is corrupt; restore it from backup."
        ) from exc
    state = check_shape(state, where=str(path))
    check_project_paths(Path(project_dir), state)
    return state


def check_shape(state: Any, *, where: str) -> dict[str, Any]:
    """Check that a parsed ``state.json`` has the documented shape.

    Raises:
        ProjectError: Naming the field that has the wrong type.

    Example:
        >>> check_shape({"version": 1, "judges": []}, where="state.json")["metrics"]
        []
    """

    def bad(field: str, want: str, got: Any) -> ProjectError:
        return ProjectError(
            f"{where}: field {field!r} must be {want}; got {type(got).__name__} {_short(got)}. "
            "The file was edited by hand or written by another program: restore it from "
            "backup, or fix that field."
        )

    if not isinstance(state, dict):
        raise bad("(top level)", "a JSON object", state)
    version = state.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad("version", "an integer", version)
    for name in _OBJECT_FIELDS:
        value = state.get(name)
        if value is not None and not isinstance(value, dict):
            raise bad(name, "an object or null", value)
    for name in _LIST_FIELDS:
        value = state.get(name)
        if value is None:
            state[name] = []
        elif not isinstance(value, list):
            raise bad(name, "a list", value)
        else:
            for i, entry in enumerate(value):
                if not isinstance(entry, dict):
                    raise bad(f"{name}[{i}]", "an object", entry)
    data = state.get("data")
    if data is not None:
        for key in ("name", "file", "format"):
            if not isinstance(data.get(key), str):
                raise bad(f"data.{key}", "a string", data.get(key))
    for i, judge in enumerate(state["judges"]):
        if not isinstance(judge.get("id"), str):
            raise bad(f"judges[{i}].id", "a string", judge.get("id"))
        if judge.get("prompt_file") is not None and not isinstance(judge["prompt_file"], str):
            raise bad(f"judges[{i}].prompt_file", "a string", judge["prompt_file"])
    return state


# --------------------------------------------------------------------------- paths
def inside_project(project_dir: Path, raw: Any, *, field: str, base: Path | None = None) -> Path:
    """Resolve a stored path and check that it stays inside the project.

    Args:
        project_dir: The project directory.
        raw: The stored value (a relative path string).
        field: The field holding it, for the message (e.g. ``"state.json: data.file"``).
        base: Folder the path is relative to (default: the project directory).

    Returns:
        The resolved path.

    Raises:
        ProjectError: ``raw`` is not a string, is absolute, or resolves (after symlinks)
            outside the project.
    """
    root = Path(project_dir).resolve()
    if not isinstance(raw, str) or not raw.strip():
        raise ProjectError(f"{field}: expected a relative path string; got {raw!r}.")
    rel = Path(raw)
    target = (Path(base) if base is not None else Path(project_dir)) / rel
    resolved = target.resolve()
    if rel.is_absolute() or raw.startswith("~") or not resolved.is_relative_to(root):
        raise ProjectError(
            f"{field} points outside the project: {raw!r} resolves to {str(resolved)!r}, "
            f"not inside {str(root)!r}. A project may only reference files inside its own "
            "directory (nothing was read). If you trust it, copy the file into the project "
            "and store its path relative to the project."
        )
    return resolved


def check_project_paths(project_dir: Path, state: dict[str, Any]) -> None:
    """Check every path of a project against the trust boundary (see the module docstring).

    Raises:
        ProjectError: A managed folder, the data file, a prompt file, an annotation table or a
            results folder/table resolves outside the project.
    """
    project_dir = Path(project_dir)
    for name in MANAGED_DIRS:
        if (project_dir / name).exists() or (project_dir / name).is_symlink():
            inside_project(project_dir, name, field=f"the project folder {name!r}")
    state_file = f"{project_dir / STATE_FILE}"
    data = state.get("data")
    if data is not None:
        inside_project(
            project_dir, data["file"], field=f"{state_file}: data.file", base=project_dir / "data"
        )
    for i, judge in enumerate(state["judges"]):
        if judge.get("prompt_file") is not None:
            path = inside_project(
                project_dir, judge["prompt_file"], field=f"{state_file}: judges[{i}].prompt_file"
            )
            if not path.is_file():
                raise ProjectError(
                    f"{state_file}: judges[{i}].prompt_file {judge['prompt_file']!r} (judge "
                    f"{judge['id']!r}) does not exist in the project. Restore the file, or "
                    "re-add the judge with add_judge(..., on_duplicate='overwrite')."
                )
    _check_annotation_paths(project_dir)
    _check_results_paths(project_dir)


def _check_annotation_paths(project_dir: Path) -> None:
    ann = project_dir / "annotations" / STATE_FILE
    if not ann.is_file():
        return
    inside_project(project_dir, f"annotations/{STATE_FILE}", field="the annotation state")
    try:
        entries = json.loads(ann.read_text(encoding="utf-8")).get("annotators", [])
    except (OSError, ValueError, AttributeError):
        return  # AnnotationStore.load reports a corrupt file with its own message
    if not isinstance(entries, list):
        raise ProjectError(f"{str(ann)!r}: field 'annotators' must be a list; got {entries!r}.")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ProjectError(f"{str(ann)!r}: field 'annotators[{i}]' must be an object.")
        inside_project(
            project_dir,
            entry.get("file"),
            field=f"{ann!s}: annotators[{i}].file",
            base=project_dir / "annotations",
        )


def _check_results_paths(project_dir: Path) -> None:
    results = project_dir / "results"
    if not results.is_dir():
        return
    for sub in sorted(results.iterdir()):
        if sub.name.startswith("."):
            continue
        rel = f"results/{sub.name}"
        inside_project(project_dir, rel, field=f"the results folder {rel!r}")
        if sub.is_dir():
            for name in ("state.json", "results.parquet", "journal.jsonl"):
                if (sub / name).exists() or (sub / name).is_symlink():
                    inside_project(project_dir, f"{rel}/{name}", field=f"the results table {rel}")


def check_metric_states(metrics: list[dict[str, Any]], *, where: str) -> None:
    """Apply the key-variable rule of loaded judges to loaded metric scorers' ``api_key_env``.

    Raises:
        MetricConfigError: A scorer's ``api_key_env`` does not look like a key variable.
    """
    from meta_evaluator.judges._spec import _names_key_variable

    for i, metric in enumerate(metrics):
        scorer = metric.get("scorer")
        params = scorer.get("params") if isinstance(scorer, dict) else None
        env = params.get("api_key_env") if isinstance(params, dict) else None
        if env is None:
            continue
        if not (isinstance(env, str) and _names_key_variable(env)):
            raise MetricConfigError(
                f"{where}: metrics[{i}].scorer.params.api_key_env {env!r} does not look like an "
                "API-key variable (it must end in '_API_KEY', '_KEY' or '_TOKEN'), so a shared "
                "project cannot send your other environment variables anywhere. Fix the field, "
                "or re-add the metrics config in code after loading."
            )


def log_key_destinations(specs: list[JudgeSpec], pending: set[str]) -> None:
    """Log (INFO), once per judge, which variable a judge from a file sends to which host.

    Args:
        specs: The judges about to run.
        pending: Ids of judges loaded from a file and not announced yet (updated in place).
    """
    from meta_evaluator.judges._spec import key_destination

    for spec in specs:
        if spec.id in pending:
            env, host = key_destination(spec)
            sends = f"sends the key in ${env} to" if env else "sends no key of ours to"
            log.info("judge %r (loaded from a file) %s %s", spec.id, sends, host)
            pending.discard(spec.id)


def file_name_only(path: Any) -> Any:
    """The bare file name of a provenance path (``source_file``), so no local path is stored.

    Example:
        >>> file_name_only("/home/alice/private/data.csv")
        'data.csv'
    """
    return Path(path).name if isinstance(path, str) and path else path


# --------------------------------------------------------------------------- prompts
def import_prompt_file(spec: JudgeSpec, project_dir: Path) -> JudgeSpec:
    """Make a judge's prompt file part of the project (copy it into ``prompts/`` if outside).

    A file already inside the project is kept where it is; any other file is copied to
    ``prompts/<judge_id>-<hash8><suffix>``, named by its content (SHA-256), so registering the
    same judge twice gives the same path (an identical definition), while a changed template
    gets a new file and never overwrites the one a registered judge uses. Either way the
    returned spec stores the path relative to the project, so a saved project is
    self-contained and can be moved or shared.

    Args:
        spec: The judge as registered.
        project_dir: The project directory.

    Returns:
        ``spec`` itself for an inline prompt, else a copy whose ``prompt_file`` is inside.
    """
    from meta_evaluator.judges import JudgeSpec

    source = spec.prompt_path()
    if source is None:
        return spec
    root = Path(project_dir).resolve()
    if source.is_relative_to(root):
        rel = source.relative_to(root).as_posix()
    else:
        content = source.read_bytes()
        digest = hashlib.sha256(content).hexdigest()[:8]
        rel = f"{PROMPTS_DIR}/{spec.id}-{digest}{source.suffix or '.txt'}"
        if not (Path(project_dir) / rel).is_file():
            atomic_write_bytes(Path(project_dir) / rel, content)
    fields = spec.model_dump(exclude_defaults=True)
    fields.update(id=spec.id, llm_client=spec.llm_client, model=spec.model, prompt_file=rel)
    return JudgeSpec.create(base_dir=Path(project_dir), **fields)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
