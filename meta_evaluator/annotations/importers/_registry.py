"""The importer registry: one decorated function per export format, and detection by content.

An importer is ``fn(source, options) -> ImportResult``, registered with :func:`importer` under a
format name, the tool family it belongs to and a ``detect(source, options) -> bool`` predicate
that looks at the content (keys and value shapes of the first records; never the file extension).
Detection tries the importers in registration order and picks the first whose predicate holds;
the generic ``table`` formats (``long`` / ``wide``) are always tried last, so a format registered
later (a user's own, with :func:`importer`) still wins over them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.annotations.importers._source import Source
from meta_evaluator.errors import ConfigError, DataFileError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._results import JudgeResults

__all__ = [
    "ARGILLA_STATUSES",
    "GROUND_TRUTH_MODES",
    "ImportOptions",
    "ImportResult",
    "Importer",
    "detect_format",
    "importer",
    "importer_names",
    "registered",
]

ARGILLA_STATUSES = ("submitted", "draft", "discarded")
"""Every status an Argilla response can carry (``ResponseStatus`` in the Argilla SDK)."""
GROUND_TRUTH_MODES = ("keep", "exclude", "separate")
"""What to do with Label Studio annotations marked ``ground_truth`` (see ImportOptions)."""
GROUND_TRUTH_ANNOTATOR = "ground_truth"
"""Annotator id of ground-truth annotations with ``ground_truth="separate"``."""


@dataclass(frozen=True, kw_only=True)
class ImportOptions:
    """Every option an importer may read (each importer documents the ones it uses)."""

    task: EvalTask
    """The task whose columns and schemas the labels follow."""
    known_ids: Collection[str] | None = None
    """Ids of the evaluation data; labels for other ids are an error (None: no check)."""
    id_field: str = C.ORIGINAL_ID
    """Data / metadata key (table column) holding the sample id."""
    field_map: Mapping[str, str] | None = None
    """Question / control / column name -> task name, where they differ."""
    annotator_map: Mapping[str, str] | None = None
    """Annotator id as derived (or the raw user id / email) -> the id to store."""
    known_users: Mapping[str, str] | None = None
    """Label Studio ``ls_user_<id>`` -> email pairs learnt from earlier exports of the project."""
    annotator_id: str | None = None
    """The annotator of rows that name none (a one-annotator ``wide`` file, pre-1.0 Label
    Studio completions without ``completed_by``)."""
    annotator_column: str = C.ANNOTATOR_ID
    """Column naming the annotator of each row (``long``)."""
    statuses: frozenset[str] | None = frozenset({"submitted"})
    """Argilla response statuses to import; None imports every response, whatever its status
    (also responses whose export dropped the status)."""
    include_cancelled: bool = False
    """Label Studio: also import skipped / cancelled annotations."""
    include_drafts: bool = False
    """Label Studio: also import drafts (snapshot exports) of users with no submitted
    annotation on the task."""
    ground_truth: Literal["keep", "exclude", "separate"] = "keep"
    """Label Studio ``ground_truth`` annotations: keep them as their author's (and flag them in
    ``ImportResult.ground_truth``), leave them out, or store them under the annotator id
    ``"ground_truth"`` instead of their author's."""
    judges: bool = True
    """Import Label Studio predictions / Argilla suggestions as judge results."""


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    """What an import produced: validated human labels, judge results, and what was left out."""

    format: str
    """The registered format name that read the source."""
    annotations: pl.DataFrame
    """``original_id, annotator_id, <task columns>``, validated (see ``load_annotation_file``)."""
    judges: dict[str, JudgeResults] = field(default_factory=dict)
    """Judge id -> results (Label Studio predictions per ``model_version``, Argilla suggestions
    per ``agent``)."""
    ground_truth: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={C.ORIGINAL_ID: pl.Utf8, C.ANNOTATOR_ID: pl.Utf8}
        )
    )
    """``original_id, annotator_id`` of the imported rows marked ground truth in the tool."""
    dropped: dict[str, int] = field(default_factory=dict)
    """Reason -> number of annotations / responses left out."""
    user_ids: dict[str, str] = field(default_factory=dict)
    """``ls_user_<id>`` -> email, for Label Studio users whose export paired them."""
    summary: str = ""
    """The import's one-line account: what was imported and everything left out."""

    def __repr__(self) -> str:
        judges = f", judges={sorted(self.judges)!r}" if self.judges else ""
        text = f"ImportResult(format={self.format!r}, rows={self.annotations.height}{judges})"
        return f"{text}\n{self.summary}" if self.summary else text

    @property
    def annotator_ids(self) -> list[str]:
        """The imported annotators, sorted."""
        return sorted(self.annotations[C.ANNOTATOR_ID].unique().to_list())


ImportFn = Callable[[Source, ImportOptions], ImportResult]
Detector = Callable[[Source, ImportOptions], bool]


@dataclass(frozen=True)
class Importer:
    """One registered format."""

    name: str
    """Format name accepted by ``format=``."""
    tool: str
    """Tool family (``"label_studio"``, ``"argilla"``, ``"table"``), also accepted by
    ``format=`` to restrict detection to that tool's formats."""
    detect: Detector
    """True when the source has this format's shape."""
    load: ImportFn
    """Reads the source."""
    description: str
    """One line for messages and docs."""


_REGISTRY: dict[str, Importer] = {}


def importer(
    name: str, *, tool: str, detect: Detector, description: str
) -> Callable[[ImportFn], ImportFn]:
    """Register the decorated function as the importer of format ``name``.

    Example:
        >>> "label_studio_json" in importer_names()
        True
    """

    def register(fn: ImportFn) -> ImportFn:
        if name in _REGISTRY:
            raise ConfigError(f"An importer for format {name!r} is already registered.")
        _REGISTRY[name] = Importer(name, tool, detect, fn, description)
        return fn

    return register


def registered() -> list[Importer]:
    """Registered importers, in detection order (the generic ``table`` formats last)."""
    return sorted(_REGISTRY.values(), key=lambda imp: imp.tool == "table")


def importer_names() -> list[str]:
    """Registered format names, in detection order."""
    return [imp.name for imp in registered()]


def detect_format(source: Source, options: ImportOptions, format: str | None = None) -> Importer:
    """The importer for ``source``: by name, by tool family + content, or by content alone.

    Raises:
        ConfigError: ``format`` is neither a format name nor a tool family.
        DataFileError: No registered format (of the family) recognises the content.
    """
    if format is not None and format in _REGISTRY:
        return _REGISTRY[format]
    tools = sorted({imp.tool for imp in _REGISTRY.values()})
    if format is not None and format not in tools:
        raise ConfigError(
            f"The 'format' parameter of add_annotations must be None (detect), a tool "
            f"({', '.join(map(repr, tools))}) or a format "
            f"({', '.join(map(repr, importer_names()))}); "
            f"got {format!r}."
        )
    candidates = [imp for imp in registered() if format is None or imp.tool == format]
    for imp in candidates:
        if imp.detect(source, options):
            return imp
    keys = sorted(source.key_set())
    family = "" if format is None else f" {format}"
    raise DataFileError(
        f"Annotation export {source.name} does not look like any{family} export meta_evaluator "
        f"reads (keys of its first records: {keys[:15]!r}). Formats: "
        + "; ".join(f"{imp.name}: {imp.description}" for imp in candidates)
        + ". Pass format=... to say which it is, and the error will name what is missing."
    )


def check_options(
    *,
    id_field: Any,
    statuses: Any,
    ground_truth: Any,
    annotator_map: Any,
    annotator_id: Any,
    fn: str,
) -> frozenset[str] | None:
    """Validate the options shared by every importer; returns the statuses as a set."""
    if not isinstance(id_field, str) or not id_field:
        raise ConfigError(
            f"The 'id_field' parameter of {fn} must be a non-empty string; got {id_field!r}."
        )
    if ground_truth not in GROUND_TRUTH_MODES:
        raise ConfigError(
            f"The 'ground_truth' parameter of {fn} must be one of "
            f"{', '.join(map(repr, GROUND_TRUTH_MODES))}; got {ground_truth!r}."
        )
    if annotator_map is not None and not (
        isinstance(annotator_map, Mapping)
        and all(
            isinstance(k, str) and isinstance(v, str) and v.strip()
            for k, v in annotator_map.items()
        )
    ):
        raise ConfigError(
            f"The 'annotator_map' parameter of {fn} must map annotator ids / user ids / emails "
            f"(text) to non-empty annotator ids (text), or be None; got {annotator_map!r}."
        )
    if annotator_id is not None and (not isinstance(annotator_id, str) or not annotator_id.strip()):
        raise ConfigError(
            f"The 'annotator_id' parameter of {fn} must be a non-empty string or None; got "
            f"{annotator_id!r}."
        )
    if statuses is None:
        return None
    wanted = {statuses} if isinstance(statuses, str) else set(statuses)
    bad = sorted(str(s) for s in wanted if s not in ARGILLA_STATUSES)
    if not wanted or bad:
        raise ConfigError(
            f"The 'statuses' parameter of {fn} must hold one or more of {ARGILLA_STATUSES!r}, or "
            f"be None (every response, whatever its status); got {statuses!r}."
        )
    return frozenset(wanted)
