"""Importing human annotations from Label Studio and Argilla exports, as the tools write them.

Both importers only *reshape* an export into the long label table
``original_id, annotator_id, <one column per task>`` (one row per annotator and sample) and then
hand it to :func:`~meta_evaluator.annotations._loader.normalise_label_frame`, the single
validation path every label file goes through. Labels outside the schema, unknown ids and
duplicate (annotator, original_id) pairs therefore raise exactly the errors
:func:`~meta_evaluator.annotations.load_annotation_file` raises. Row numbers in those messages
count the imported (annotator, sample) rows in file order; each message also names the annotator
and the original_id.

Questions map to tasks through ``field_map`` (question name -> task name), else by identical
name. Questions that match no task are ignored (one INFO log line lists them). Values whose
structure has no task equivalent (Label Studio spans / regions / taxonomies, Argilla rankings and
spans) are skipped with one INFO log line. An annotator's record with no value for any task is
dropped (logged with a count).

Example:
    >>> import json, pathlib, tempfile
    >>> from meta_evaluator.eval_task import EvalTask
    >>> task = EvalTask(task_schemas={"rejection": ["rejection", "not rejection"]},
    ...                 response_columns=["llm_response"])
    >>> export = [{"id": 1, "data": {"original_id": "s1"}, "annotations": [
    ...     {"completed_by": 3, "was_cancelled": False, "result": [
    ...         {"from_name": "rejection", "type": "choices",
    ...          "value": {"choices": ["rejection"]}}]}]}]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ls.json"
    >>> _ = path.write_text(json.dumps(export))
    >>> load_label_studio_export(path, task=task).to_dicts()
    [{'original_id': 's1', 'annotator_id': 'ls_user_3', 'rejection': 'rejection'}]
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from meta_evaluator import columns as C
from meta_evaluator.annotations._loader import normalise_label_frame
from meta_evaluator.errors import AnnotationError, ColumnError, ConfigError, DataFileError, IdError
from meta_evaluator.eval_task import EvalTask

__all__ = ["ARGILLA_STATUSES", "load_argilla_export", "load_label_studio_export"]

logger = logging.getLogger(__name__)

ARGILLA_STATUSES: Final = ("submitted", "draft", "discarded")
"""Every status an Argilla response can carry (``ResponseStatus`` in the Argilla SDK)."""

_SKIP: Final = object()
"""Marker: the value has a structure with no task equivalent (span, ranking, region...)."""

# Label Studio result types -> the key of ``value`` holding the answer. Every other type (spans
# ``labels``, regions ``rectanglelabels``..., ``taxonomy``, ``ranker``, ``pairwise``) is skipped.
_LS_VALUE_KEYS: Final = {
    "choices": "choices",
    "textarea": "text",
    "rating": "rating",
    "number": "number",
    "datetime": "datetime",
}


# --------------------------------------------------------------------------- public functions
def load_label_studio_export(
    file_path: str | Path,
    *,
    task: EvalTask,
    known_ids: Collection[str] | None = None,
    id_field: str = C.ORIGINAL_ID,
    field_map: Mapping[str, str] | None = None,
    include_cancelled: bool = False,
) -> pl.DataFrame:
    """Read a Label Studio JSON export (Export -> JSON) into the long annotation table.

    The export is a list of tasks ``{"id": 7, "data": {...}, "annotations": [...]}``; each
    annotation has ``completed_by``, ``was_cancelled`` and ``result`` items
    ``{"from_name": ..., "type": ..., "value": {...}}``. ``predictions`` are ignored.

    * Sample id: ``data[id_field]``; when the task's data has no such key, the Label Studio task
      ``id`` as text (logged with a count).
    * Annotator id: the email when ``completed_by`` is an object carrying one, else
      ``"ls_user_<id>"``.
    * Values by result type: ``choices`` -> the chosen label (several choices: a set for a
      multilabel task, an error otherwise); ``rating`` / ``number`` -> the number; ``textarea``
      -> the text (several lines joined with newlines); ``datetime`` -> the text. Other types
      (spans, regions, taxonomy, ranker...) are skipped and logged.
    * Skipped annotations (``was_cancelled: true``) are left out unless ``include_cancelled``.

    JSON-MIN and CSV exports flatten away who annotated what, so they are not accepted.

    Args:
        file_path: The ``.json`` export.
        task: The task whose columns and schemas the labels follow.
        known_ids: Ids of the evaluation data; labels for other ids are an error.
        id_field: Key of a task's ``data`` holding the sample id.
        field_map: Label Studio control name (``from_name``) -> task name, for controls not
            named after their task.
        include_cancelled: Also import annotations the annotator skipped.

    Returns:
        ``original_id, annotator_id, <task columns in task order>``, one row per annotation.

    Raises:
        DataFileError: Missing or malformed file, not a Label Studio JSON export, or no usable
            annotation in it.
        ConfigError: ``field_map`` names a task the EvalTask does not define.
        ColumnError: No control in the export matches a task.
        IdError: A task without any sample id, or an annotation without ``completed_by``.
        AnnotationError: Several choices for a single-label task, a label outside the schema,
            an unknown id, or a duplicate (annotator, original_id) pair.
    """
    fn = "load_label_studio_export"
    _check_str(id_field, "id_field", fn)
    qmap = _question_map(task, field_map, fn)
    path = Path(file_path)
    origin = f"Label Studio export {str(path)!r}"
    records = _read_records(path, what="Label Studio export")
    acc = _Accumulator(task=task, qmap=qmap, origin=origin)
    fallback_ids = cancelled = 0
    for pos, rec in enumerate(records, 1):
        if "annotations" not in rec:
            raise DataFileError(
                f"{origin}, task {pos}: no 'annotations' key (keys: {sorted(rec)[:10]!r}). "
                "This does not look like a Label Studio JSON export (JSON-MIN and CSV exports "
                "drop who annotated what): export the project again as 'JSON'."
            )
        data = _obj(rec.get("data"))
        sid = _id_text(data.get(id_field))
        if sid is None:
            sid = _id_text(rec.get("id"))
            fallback_ids += sid is not None
        if sid is None:
            raise IdError(
                f"{origin}, task {pos}: no sample id: data has no {id_field!r} and the task "
                "has no 'id'. Add the id to each task's data, or pass id_field=... naming the "
                "data key that holds it."
            )
        for n_ann, ann in enumerate(rec.get("annotations") or [], 1):
            if not isinstance(ann, dict):
                raise DataFileError(
                    f"{origin}, task {pos} (original_id {sid!r}), annotation {n_ann}: expected "
                    f"a JSON object, got {str(ann)[:80]!r}."
                )
            where = f"{origin}, task {pos} (original_id {sid!r}), annotation {n_ann}"
            items = [it for it in ann.get("result") or [] if isinstance(it, dict)]
            if ann.get("was_cancelled") and not include_cancelled:
                cancelled += 1
                acc.seen(it.get("from_name") for it in items)
                continue
            who = _ls_annotator(ann.get("completed_by"))
            if who is None:
                raise IdError(
                    f"{where}: no annotator ('completed_by' is {ann.get('completed_by')!r}). "
                    "Export again from Label Studio, or fill in the user id."
                )
            acc.add(sid, who, _ls_answers(items, acc), where=where)
    if fallback_ids:
        logger.info(
            "%s: %d task(s) have no data key %r; used the Label Studio task id instead",
            origin,
            fallback_ids,
            id_field,
        )
    return acc.finish(
        known_ids=known_ids,
        dropped=f"{cancelled} cancelled (skipped) annotation(s) left out"
        + ("" if include_cancelled else "; pass include_cancelled=True to import them"),
    )


def load_argilla_export(
    file_path: str | Path,
    *,
    task: EvalTask,
    known_ids: Collection[str] | None = None,
    id_field: str = C.ORIGINAL_ID,
    field_map: Mapping[str, str] | None = None,
    statuses: Collection[str] = ("submitted",),
) -> pl.DataFrame:
    """Read Argilla records (1.x FeedbackDataset or 2.x) into the long annotation table.

    Accepted (``.json`` array or ``.jsonl``, one record each; shapes may mix):

    * Argilla 1.x ``FeedbackDataset`` records: ``{"fields", "metadata", "external_id",
      "responses": [{"user_id", "values": {question: {"value": v}}, "status"}]}``.
    * Argilla 2.x records, ``dataset.records.to_list(flatten=False)`` / ``to_json``:
      ``{"id", "fields", "metadata", "responses": {question: [{"value", "user_id",
      "status"}]}}``.
    * Argilla 2.x flattened records (``to_list(flatten=True)``, the Hugging Face export):
      fields and metadata at the top level and, per question, ``"<q>.responses"`` (values),
      ``"<q>.responses.users"`` and ``"<q>.responses.status"`` lists.

    Sample id, first found: ``metadata[id_field]``, ``external_id``, ``fields[id_field]``, the
    record ``id`` (flattened records: the top-level ``id_field`` key, then ``id``). Annotator id:
    the response's ``user_id``. Only responses whose status is in ``statuses`` count; a response
    without a status counts as ``"submitted"`` (the Argilla SDK's default). Values: label ->
    text, multi-label -> a set (a single-label task accepts a one-item set), rating -> number,
    text -> text; rankings and spans are skipped and logged.

    Args:
        file_path: The ``.json`` / ``.jsonl`` export.
        task: The task whose columns and schemas the labels follow.
        known_ids: Ids of the evaluation data; labels for other ids are an error.
        id_field: Metadata (or field) key holding the sample id.
        field_map: Argilla question name -> task name, for questions not named after their task.
        statuses: Response statuses to import: "submitted", "draft" and/or "discarded".

    Returns:
        ``original_id, annotator_id, <task columns in task order>``, one row per user and record.

    Raises:
        DataFileError: Missing or malformed file, a record that is not an object, or no response
            with an accepted status.
        ConfigError: Unknown ``statuses``, or ``field_map`` names a task the EvalTask lacks.
        ColumnError: No question in the export matches a task.
        IdError: A record without any id, or a response without ``user_id``.
        AnnotationError: Several labels for a single-label task, a label outside the schema, an
            unknown id, or a duplicate (annotator, original_id) pair.
    """
    fn = "load_argilla_export"
    _check_str(id_field, "id_field", fn)
    wanted = _check_statuses(statuses, fn)
    qmap = _question_map(task, field_map, fn)
    path = Path(file_path)
    origin = f"Argilla export {str(path)!r}"
    records = _read_records(path, what="Argilla export")
    acc = _Accumulator(task=task, qmap=qmap, origin=origin)
    left_out: dict[str, int] = {}
    no_status = 0
    for pos, rec in enumerate(records, 1):
        sid = _argilla_id(rec, id_field)
        if sid is None:
            raise IdError(
                f"{origin}, record {pos}: no sample id (looked for metadata[{id_field!r}], "
                f"'external_id', fields[{id_field!r}] and 'id'). Add the id to the record "
                "metadata, or pass id_field=... naming the metadata key that holds it."
            )
        where = f"{origin}, record {pos} (original_id {sid!r})"
        by_user: dict[str, dict[str, Any]] = {}
        for question, user, status, value in _argilla_responses(rec):
            acc.seen([question])
            if status is None:
                no_status += 1
                status = "submitted"
            if status not in wanted:
                left_out[status] = left_out.get(status, 0) + 1
                continue
            if user is None:
                raise IdError(
                    f"{where}: a {status!r} response to {question!r} has no 'user_id'. "
                    "Export the records again with their responses' users."
                )
            if question is not None:
                by_user.setdefault(user, {})[question] = value
            else:
                by_user.setdefault(user, {})
        for user, answers in by_user.items():
            acc.add(sid, user, acc.map_answers(answers), where=f"{where}, user {user!r}")
    if no_status:
        logger.info("%s: %d response(s) carry no status; counted as 'submitted'", origin, no_status)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(left_out.items())) or "none"
    return acc.finish(
        known_ids=known_ids,
        dropped=f"responses left out by status (statuses={sorted(wanted)!r}): {counts}",
    )


# --------------------------------------------------------------------------- shared machinery
@dataclass
class _Accumulator:
    """Collects (sample, annotator, task values) rows and the question names seen."""

    task: EvalTask
    qmap: dict[str, str]
    origin: str
    rows: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    questions: dict[str, None] = field(default_factory=dict)
    unknown: dict[str, None] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    empty: int = 0

    def seen(self, names: Any) -> None:
        """Record question names found in the export (whatever their status)."""
        for name in names:
            if isinstance(name, str):
                self.questions[name] = None
                if name not in self.qmap:
                    self.unknown[name] = None

    def map_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Question -> raw value, to task -> raw value (unknown questions dropped)."""
        out: dict[str, Any] = {}
        for question, value in answers.items():
            task_name = self.qmap.get(question)
            if task_name is None:
                continue
            if _is_structured(value):
                self.skipped[question] = "ranking/span"
                continue
            out[task_name] = value
        return out

    def add(self, sid: str, who: str, values: dict[str, Any], *, where: str) -> None:
        """Add one annotator's answers for one sample (task name -> raw value)."""
        clean = {t: self._cell(t, v, where=where) for t, v in values.items()}
        clean = {t: v for t, v in clean.items() if v is not None}
        if not clean:
            self.empty += 1
            return
        self.rows.append((sid, who, clean))

    def _cell(self, task_name: str, value: Any, *, where: str) -> Any:
        """A raw answer as a cell of the task's column (lists only for multilabel tasks)."""
        multilabel = self.task.task_kind(task_name) == "multilabel"
        if isinstance(value, list | tuple):
            items = [v for v in value if v is not None]
            if multilabel:
                return [str(v) for v in items]
            if not items:
                return None
            if len(items) > 1:
                raise AnnotationError(
                    f"{where}: task {task_name!r} got {len(items)} labels {items!r}, but it is "
                    f"{self.task.task_kind(task_name)} (one label per sample). Make it a "
                    "MultiLabelSchema(outcomes=[...]) task, or configure the question as "
                    "single-choice."
                )
            value = items[0]
        if isinstance(value, str) and not value.strip():
            return None
        if multilabel and value is not None:
            return [str(value)]
        return value

    def finish(self, *, known_ids: Collection[str] | None, dropped: str) -> pl.DataFrame:
        """Log what was ignored, check something matched, and validate through the loader."""
        targeted = {self.qmap[q] for q in self.questions if q in self.qmap}
        matched = [t for t in self.task.task_names if t in targeted]
        if not matched:
            raise ColumnError(
                f"{self.origin}: no question matches a task. Questions found: "
                f"{list(self.questions)!r}; tasks: {self.task.task_names!r}. Pass "
                "field_map={'<question name>': '<task name>', ...} to say which question "
                "holds which task's labels."
            )
        if self.unknown:
            logger.info(
                "%s: ignoring question(s) that match no task: %r", self.origin, list(self.unknown)
            )
        if self.skipped:
            logger.info(
                "%s: skipped answers whose type has no task equivalent: %r",
                self.origin,
                self.skipped,
            )
        if self.empty:
            logger.info(
                "%s: %d annotation(s) gave no value for any task; left out", self.origin, self.empty
            )
        if not self.rows:
            raise DataFileError(
                f"{self.origin}: no annotation to import ({dropped}; {self.empty} without any "
                "task value). Check the export holds finished annotations."
            )
        logger.info("%s: %s", self.origin, dropped)
        return normalise_label_frame(
            self._frame(matched), task=self.task, origin=self.origin, known_ids=known_ids
        )

    def _frame(self, tasks: list[str]) -> pl.DataFrame:
        columns = [
            pl.Series(C.ORIGINAL_ID, [r[0] for r in self.rows], dtype=pl.Utf8),
            pl.Series(C.ANNOTATOR_ID, [r[1] for r in self.rows], dtype=pl.Utf8),
        ]
        for t in tasks:
            values = [r[2].get(t) for r in self.rows]
            columns.append(_column(t, values, multilabel=self.task.task_kind(t) == "multilabel"))
        return pl.DataFrame(columns)


def _column(name: str, values: list[Any], *, multilabel: bool) -> pl.Series:
    """One task column: List(Utf8) for multilabel, else numbers or text as the values are."""
    if multilabel:
        return pl.Series(name, values, dtype=pl.List(pl.Utf8))
    present = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in present):
        return pl.Series(name, values, dtype=pl.Utf8)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        dtype = pl.Float64 if any(isinstance(v, float) for v in present) else pl.Int64
        return pl.Series(name, values, dtype=dtype)
    # mixed (e.g. "4" and 4, or booleans): text, which the loader parses per task kind
    text = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
    return pl.Series(name, text, dtype=pl.Utf8)


def _is_structured(value: Any) -> bool:
    """Rankings, spans, regions: objects or lists of objects/lists."""
    if isinstance(value, dict):
        return True
    return isinstance(value, list | tuple) and any(isinstance(v, dict | list) for v in value)


def _question_map(task: EvalTask, field_map: Mapping[str, str] | None, fn: str) -> dict[str, str]:
    """Question name -> task name: ``field_map`` first, then identical names."""
    if field_map is not None and not isinstance(field_map, Mapping):
        raise ConfigError(
            f"The 'field_map' parameter of {fn} must be a mapping of question name -> task name "
            f"or None; got {field_map!r}."
        )
    explicit = dict(field_map or {})
    for question, task_name in explicit.items():
        if task_name not in task.task_schemas:
            raise ConfigError(
                f"The 'field_map' parameter of {fn} maps question {question!r} to "
                f"{task_name!r}, which is not a task; tasks: {task.task_names!r}."
            )
    targets = list(explicit.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise ConfigError(
            f"The 'field_map' parameter of {fn} maps several questions to task(s) {twice!r}; "
            "map exactly one question to each task."
        )
    out = dict(explicit)
    for name in task.task_names:
        if name not in out and name not in targets:
            out[name] = name
    return out


def _check_str(value: Any, name: str, fn: str) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigError(
            f"The {name!r} parameter of {fn} must be a non-empty string; got {value!r}."
        )


def _check_statuses(statuses: Collection[str] | str, fn: str) -> set[str]:
    wanted = {statuses} if isinstance(statuses, str) else set(statuses)
    bad = sorted(s for s in wanted if s not in ARGILLA_STATUSES)
    if not wanted or bad:
        raise ConfigError(
            f"The 'statuses' parameter of {fn} must hold one or more of {ARGILLA_STATUSES!r}; "
            f"got {statuses!r}."
        )
    return wanted


def _read_records(path: Path, *, what: str) -> list[dict[str, Any]]:
    """The export's records: a JSON array (or ``{"records": [...]}``) or JSONL objects."""
    if not path.exists():
        raise DataFileError(
            f"{what} {str(path)!r} does not exist (resolved to {str(path.absolute())!r}). "
            "Check the path and the working directory."
        )
    if path.is_dir():
        raise DataFileError(f"{what} {str(path)!r} is a directory; pass the path of a file.")
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".ndjson"):
        raise DataFileError(
            f"{what} {str(path)!r}: expected a .json or .jsonl file, got {path.suffix!r}. "
            "Export the records as JSON."
        )
    text = path.read_text(encoding="utf-8-sig")
    records: Any
    if suffix == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(
                f"{what} {str(path)!r} is not valid JSON: {exc}. Export it again, or save it as "
                ".jsonl if it holds one record per line."
            ) from exc
        if isinstance(records, dict) and isinstance(records.get("records"), list):
            records = records["records"]
        if not isinstance(records, list):
            raise DataFileError(
                f"{what} {str(path)!r} holds a JSON {type(records).__name__}; expected an array "
                "of records."
            )
    else:
        records = []
        for line_no, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataFileError(
                    f"{what} {str(path)!r}, line {line_no}: invalid JSON ({exc}). JSONL holds "
                    "one JSON object per line."
                ) from exc
    out: list[dict[str, Any]] = []
    for pos, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            raise DataFileError(
                f"{what} {str(path)!r}, record {pos}: expected a JSON object, got "
                f"{str(rec)[:80]!r}."
            )
        out.append(rec)
    if not out:
        raise DataFileError(f"{what} {str(path)!r} holds no records.")
    return out


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _id_text(value: Any) -> str | None:
    """An id as stripped text (``3.0 -> "3"``); None for missing or blank ids."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------------- Label Studio
def _ls_annotator(completed_by: Any) -> str | None:
    """``completed_by`` (a user id, or an object with ``id`` / ``email``) as an annotator id."""
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email.strip():
            return email.strip()
        completed_by = completed_by.get("id")
    uid = _id_text(completed_by)
    return None if uid is None else f"ls_user_{uid}"


def _ls_answers(items: list[dict[str, Any]], acc: _Accumulator) -> dict[str, Any]:
    """Result items -> task name -> raw value (unknown names and skipped types recorded)."""
    acc.seen(it.get("from_name") for it in items)
    answers: dict[str, Any] = {}
    for item in items:
        name, kind = item.get("from_name"), item.get("type")
        if not isinstance(name, str) or name not in acc.qmap:
            continue
        key = _LS_VALUE_KEYS.get(str(kind))
        value = _obj(item.get("value"))
        if key is None or key not in value:
            acc.skipped[name] = str(kind)
            continue
        raw = value[key]
        if kind == "textarea" and isinstance(raw, list):
            raw = "\n".join(str(x) for x in raw if x is not None)
        task_name = acc.qmap[name]
        if task_name in answers and answers[task_name] != raw:
            acc.skipped[name] = f"{kind} (per-region)"
            answers[task_name] = _SKIP
            continue
        answers[task_name] = raw
    return {t: v for t, v in answers.items() if v is not _SKIP}


# --------------------------------------------------------------------------- Argilla
def _argilla_id(rec: dict[str, Any], id_field: str) -> str | None:
    metadata = _obj(rec.get("metadata"))
    fields = _obj(rec.get("fields"))
    for candidate in (
        metadata.get(id_field),
        rec.get("external_id"),
        fields.get(id_field),
        rec.get(id_field),  # flattened 2.x records: metadata and fields at the top level
        rec.get("id"),
    ):
        sid = _id_text(candidate)
        if sid is not None:
            return sid
    return None


def _argilla_responses(
    rec: dict[str, Any],
) -> Iterator[tuple[str | None, str | None, str | None, Any]]:
    """(question, user_id, status, value) for every response of a record, in any shape."""
    responses = rec.get("responses")
    if isinstance(responses, list):
        # Argilla 1.x FeedbackRecord.responses: one entry per user, values per question
        for resp in responses:
            if not isinstance(resp, dict):
                continue
            user, status = _id_text(resp.get("user_id")), resp.get("status")
            values = _obj(resp.get("values"))
            if not values:  # e.g. a discarded response: still counted by status
                yield None, user, status, None
            for question, holder in values.items():
                value = holder.get("value") if isinstance(holder, dict) else holder
                yield question, user, status, value
    elif isinstance(responses, dict):
        # Argilla 2.x Record.to_dict(): {question: [{"value", "user_id", "status"}]}. Source:
        # argilla-io/argilla, argilla/records/_resource.py, RecordResponses.to_dict (the early
        # argilla_sdk omitted "status"; its ResponseModel defaults to "submitted"); usage in
        # https://docs.argilla.io/latest/how_to_guides/import_export (records.to_list()).
        for question, entries in responses.items():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    user = _id_text(entry.get("user_id"))
                    yield question, user, entry.get("status"), entry.get("value")
    # Argilla 2.x flattened records (to_list(flatten=True), the Hugging Face export):
    # "<q>.responses": [values], "<q>.responses.users": [ids], "<q>.responses.status": [...]
    # (argilla-io/argilla, argilla/records/_io GenericIO.to_list and its test_to_list_flatten).
    for key, values in rec.items():
        if not key.endswith(".responses") or not isinstance(values, list):
            continue
        question = key[: -len(".responses")]
        users = rec.get(f"{key}.users") or []
        status = rec.get(f"{key}.status") or []
        for i, value in enumerate(values):
            user = _id_text(users[i]) if i < len(users) else None
            yield question, user, status[i] if i < len(status) else None, value
