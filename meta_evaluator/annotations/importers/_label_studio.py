"""Label Studio exports: JSON (quick, snapshot), one task, pre-1.0, JSON-MIN, CSV and TSV.

Shapes (label-studio docs "Export annotations" / "Task format"; label-studio-sdk
``converter.Converter.annotation_result_from_task`` and ``exports/csv2.py``):

* **JSON**: a list of tasks ``{"id", "data": {...}, "annotations": [...], "predictions": [...]}``
  (snapshots add ``"drafts"``; ``completed_by`` is a user id, or ``{"id", "email", ...}`` in a
  snapshot). A single task object is accepted too, and pre-1.0 exports name the annotations
  ``"completions"``. Annotation results are ``{"from_name", "type", "value": {...}}``.
* **JSON-MIN / CSV / TSV**: one row per annotation: the task's data keys at the top level, ``id``
  (task id), one key per control named by its ``from_name`` and ``annotator``,
  ``annotation_id``, ``created_at``, ``updated_at``, ``lead_time``. A control's value is the
  label when one choice was ticked (one text line), else the value object
  (``{"choices": [...]}``, ``[{"rating": 5}]``); CSV cells hold that object as JSON text. The
  converter leaves skipped annotations out and writes a row without annotator for a task nobody
  annotated.

Annotator ids, the same from every export type of one project: the user's **email** whenever
the export carries it (snapshot ``completed_by`` objects, JSON-MIN / CSV from a Label Studio
server), else ``ls_user_<id>`` (the quick JSON export's ``completed_by`` user id, a numeric
JSON-MIN ``annotator``). A user id is translated to the email when the same export pairs them
(``completed_by`` objects, ``created_username`` "email, id") or ``annotator_map`` does
(``{"ls_user_3": "alice@example.org"}``); ``MetaEvaluator.add_annotations`` remembers the pairs
each import learns, so a quick JSON export imported after a snapshot or a CSV export of the same
project lands on the same annotators. ``annotator_map`` (derived id, email or user id -> the id
to store) settles the rest.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from typing import Any, Final

from meta_evaluator.annotations.importers._collect import (
    SKIP,
    Collector,
    id_text,
    list_field,
    logger,
    obj,
)
from meta_evaluator.annotations.importers._registry import ImportOptions, ImportResult, importer
from meta_evaluator.annotations.importers._source import Source
from meta_evaluator.errors import AnnotationError, DataFileError, IdError

__all__: list[str] = []

# result type -> the key of ``value`` holding the answer. Other types (spans ``labels``, regions
# ``rectanglelabels``..., ``taxonomy``, ``ranker``) have no task equivalent and are skipped.
_VALUE_KEYS: Final = {
    "choices": "choices",
    "textarea": "text",
    "rating": "rating",
    "number": "number",
    "datetime": "datetime",
    "pairwise": "selected",
}
_MIN_META: Final = frozenset(
    {
        "id",
        "annotator",
        "annotation_id",
        "created_at",
        "updated_at",
        "lead_time",
        "agreement",
        "history",
    }
)
_CREATED_USERNAME = re.compile(r"^\s*(\S+@\S+?)\s*,\s*(\d+)\s*$")
_CANCELLED = "skipped/cancelled annotation(s) (include_cancelled=True imports them)"
_UNANNOTATED = "task(s) nobody annotated"


# --------------------------------------------------------------------------- detection
def _is_task(rec: dict[str, Any]) -> bool:
    return isinstance(rec.get("data"), dict) and any(
        k in rec for k in ("annotations", "completions", "predictions", "drafts")
    )


def _detect_json(src: Source, opts: ImportOptions) -> bool:
    return src.records is not None and any(_is_task(r) for r in src.sample())


def _detect_min(src: Source, opts: ImportOptions) -> bool:
    return src.frame is None and {"annotator", "annotation_id"} <= src.key_set()


def _detect_csv(src: Source, opts: ImportOptions) -> bool:
    return src.frame is not None and {"annotator", "annotation_id"} <= src.key_set()


# --------------------------------------------------------------------------- annotators
def _user_ids(records: Iterable[dict[str, Any]]) -> dict[str, str]:
    """``ls_user_<id>`` -> email, from every place a JSON export pairs them."""
    out: dict[str, str] = {}
    for rec in records:
        for key in ("annotations", "completions", "drafts"):
            entries = rec.get(key)
            for ann in entries if isinstance(entries, list) else []:
                if not isinstance(ann, dict):
                    continue
                who = ann.get("completed_by")
                if isinstance(who, dict) and isinstance(who.get("email"), str):
                    uid = id_text(who.get("id"))
                    if uid is not None and who["email"].strip():
                        out[f"ls_user_{uid}"] = who["email"].strip()
                match = _CREATED_USERNAME.match(str(ann.get("created_username") or ""))
                if match:
                    out[f"ls_user_{match.group(2)}"] = match.group(1)
    return out


def _annotator(raw: Any, col: Collector) -> str | None:
    """A user id / email / ``completed_by`` object as the stored annotator id (see module doc)."""
    email: str | None = None
    uid: str | None = None
    if isinstance(raw, dict):
        email = raw.get("email") if isinstance(raw.get("email"), str) else None
        uid = id_text(raw.get("id"))
    else:
        text = id_text(raw)
        if text is None:
            return None
        if "@" in text:
            email = text
        elif text.isdigit():
            uid = text
        else:
            return col.annotator(text)
    email = email.strip() if email and email.strip() else None
    user = None if uid is None else f"ls_user_{uid}"
    if email is None and user is not None:
        email = col.user_ids.get(user) or (col.options.known_users or {}).get(user)
    if email is not None:
        return col.annotator(email, user, uid)
    if user is None:
        return None
    return col.annotator(user, uid)


# --------------------------------------------------------------------------- values
def _answers(items: list[dict[str, Any]], col: Collector) -> dict[str, Any]:
    """Result items -> question -> raw value (unknown names and skipped types recorded)."""
    col.seen(it.get("from_name") for it in items)
    answers: dict[str, Any] = {}
    for item in items:
        name, kind = item.get("from_name"), str(item.get("type"))
        if not isinstance(name, str) or name not in col.qmap:
            continue
        key = _VALUE_KEYS.get(kind)
        value = obj(item.get("value"))
        if key is None or key not in value:
            col.skip(name, kind)
            continue
        raw = value[key]
        if kind == "textarea" and isinstance(raw, list):
            raw = "\n".join(str(x) for x in raw if x is not None)
        if name in answers and answers[name] != raw:
            col.skip(name, f"{kind} (per-region)")
            answers[name] = SKIP
            continue
        answers[name] = raw
    return col.map_answers(answers)


def _result_items(holder: dict[str, Any], where: str) -> list[dict[str, Any]]:
    result = holder.get("result")
    if result is None:
        return []
    if not isinstance(result, list):
        raise DataFileError(
            f"{where}: field 'result' must be a list of result objects; got {str(result)[:80]!r}."
        )
    return [it for it in result if isinstance(it, dict)]


def _min_value(cell: Any, question: str, col: Collector) -> Any:
    """A JSON-MIN / CSV cell as the control's raw answer."""
    if isinstance(cell, str):
        text = cell.strip()
        if text[:1] not in ("[", "{"):
            return cell
        try:
            decoded = json.loads(text)
        except ValueError:
            try:  # pandas' to_csv of a list cell (the SDK's old CSV exporter): "['a', 'b']"
                decoded = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return cell
        structured = isinstance(decoded, dict) or (
            isinstance(decoded, list) and any(isinstance(x, dict) for x in decoded)
        )
        task_name = col.qmap.get(question)
        if not structured and task_name is not None and col.kinds[task_name] == "text":
            return cell  # free text that happens to look like JSON
        cell = decoded
    if isinstance(cell, dict):
        return _value_object(cell, question, col)
    if isinstance(cell, list) and cell and all(isinstance(x, dict) for x in cell):
        if len(cell) > 1:
            col.skip(question, "several regions")
            return SKIP
        return _value_object(cell[0], question, col)
    return cell


def _value_object(value: dict[str, Any], question: str, col: Collector) -> Any:
    for key in _VALUE_KEYS.values():
        if key in value:
            raw = value[key]
            if key == "text" and isinstance(raw, list):
                raw = "\n".join(str(x) for x in raw if x is not None)
            return raw
    col.skip(question, f"structured value with keys {sorted(value)[:5]!r}")
    return SKIP


# --------------------------------------------------------------------------- importers
@importer(
    "label_studio_json",
    tool="label_studio",
    detect=_detect_json,
    description="Label Studio JSON export (quick or snapshot, one task object, pre-1.0 "
    "'completions'): tasks with 'data' and 'annotations'",
)
def load_label_studio_json(src: Source, opts: ImportOptions) -> ImportResult:
    """Read a Label Studio JSON export (see the module docstring).

    * Sample id: ``data[id_field]``, else the task ``id`` as text (logged with a count).
    * Values by result type: ``choices`` -> the label (several: a set for a multilabel task, an
      error otherwise); ``rating`` / ``number`` -> the number; ``textarea`` -> the text (lines
      joined with newlines); ``datetime`` -> the text; ``pairwise`` -> the side selected. Other
      types (spans, regions, taxonomy, ranker) are skipped and logged.
    * Skipped / cancelled annotations are left out unless ``include_cancelled``; drafts
      (snapshots) unless ``include_drafts`` (a user's draft never replaces their submitted
      annotation); ``ground_truth`` annotations follow ``ground_truth``.
    * Predictions become judge results, one judge per ``model_version`` (the last prediction
      of a model on a task counts).
    """
    origin = f"Label Studio export {src.name}"
    col = Collector(opts, origin=origin, format="label_studio_json", source_file=src.file_name)
    records = src.rows()
    col.user_ids.update(_user_ids(records))
    fallback_ids = 0
    for pos, rec in enumerate(records, 1):
        if not _is_task(rec):
            raise DataFileError(
                f"{origin}, task {pos}: not a Label Studio task (needs a 'data' object and an "
                f"'annotations' list; keys: {sorted(rec)[:10]!r}). Export the project again as "
                "'JSON', or pass the JSON-MIN / CSV export as it is."
            )
        data = obj(rec.get("data"))
        sid = id_text(data.get(opts.id_field))
        if sid is None:
            sid = id_text(rec.get("id"))
            fallback_ids += sid is not None
        if sid is None:
            raise IdError(
                f"{origin}, task {pos}: no sample id: data has no {opts.id_field!r} and the task "
                "has no 'id'. Add the id to each task's data, or pass id_field=... naming the "
                "data key that holds it."
            )
        where_task = f"{origin}, task {pos} (original_id {sid!r})"
        key = "annotations" if "annotations" in rec else "completions"
        annotations = list_field(rec, key, where_task)
        if not annotations:
            col.drop(_UNANNOTATED)
        submitted: set[str] = set()
        for n, ann in enumerate(annotations, 1):
            where = f"{where_task}, annotation {n}"
            if not isinstance(ann, dict):
                raise DataFileError(f"{where}: expected a JSON object, got {str(ann)[:80]!r}.")
            items = _result_items(ann, where)
            if (ann.get("was_cancelled") or ann.get("skipped")) and not opts.include_cancelled:
                col.seen(it.get("from_name") for it in items)
                col.drop(_CANCELLED)
                continue
            who = _annotator(ann.get("completed_by"), col) or opts.annotator_id
            if who is None:
                raise IdError(
                    f"{where}: no annotator (field 'completed_by' is "
                    f"{ann.get('completed_by')!r}). Export again from Label Studio, or pass "
                    "annotator_id=... naming who made annotations without one (pre-1.0 "
                    "single-user exports)."
                )
            submitted.add(who)
            truth = bool(ann.get("ground_truth"))
            col.add(sid, who, _answers(items, col), where=where, truth=truth)
        _drafts(rec, sid, submitted, col, where_task)
        _predictions(rec, sid, col, where_task)
    if fallback_ids:
        logger.info(
            "%s: %d task(s) have no data key %r; used the Label Studio task id instead",
            origin,
            fallback_ids,
            opts.id_field,
        )
    return _finish(col, fallback_ids)


def _drafts(
    rec: dict[str, Any], sid: str, submitted: set[str], col: Collector, where_task: str
) -> None:
    for n, draft in enumerate(list_field(rec, "drafts", where_task), 1):
        if not isinstance(draft, dict):
            col.drop("draft(s) exported as ids only")
            continue
        where = f"{where_task}, draft {n}"
        items = _result_items(draft, where)
        col.seen(it.get("from_name") for it in items)
        if not col.options.include_drafts:
            col.drop("draft(s) (include_drafts=True imports them)")
            continue
        match = _CREATED_USERNAME.match(str(draft.get("created_username") or ""))
        who = _annotator(draft.get("user"), col) or (
            _annotator(match.group(1), col) if match else None
        )
        if who is None:
            raise IdError(f"{where}: no user (fields 'user' / 'created_username' are empty).")
        if who in submitted or draft.get("annotation") is not None:
            col.drop("draft(s) of a submitted annotation")
            continue
        col.add(sid, who, _answers(items, col), where=where)


def _predictions(rec: dict[str, Any], sid: str, col: Collector, where_task: str) -> None:
    predictions = list_field(rec, "predictions", where_task)
    if not col.options.judges:
        col.drop("prediction(s) (judges=False)", len(predictions))
        return
    for n, pred in enumerate(predictions, 1):
        if not isinstance(pred, dict):
            col.drop("prediction(s) exported as ids only")
            continue
        where = f"{where_task}, prediction {n}"
        col.add_judge(
            pred.get("model_version"),
            sid,
            _answers(_result_items(pred, where), col),
            where=where,
            scores=[pred.get("score")],
        )


def _load_rows(src: Source, opts: ImportOptions, fmt: str) -> ImportResult:
    kind = {"label_studio_csv": src.container.upper()}.get(fmt, "JSON-MIN")
    origin = f"Label Studio {kind} export {src.name}"
    col = Collector(opts, origin=origin, format=fmt, source_file=src.file_name)
    rows = src.rows()
    col.unknown_what = "column(s) (task data or controls)"
    fallback_ids = 0
    col.seen(sorted(k for k in src.key_set() if k not in _MIN_META and k != opts.id_field))
    merged: dict[tuple[str, str, str], tuple[dict[str, Any], str]] = {}
    for pos, row in enumerate(rows, 1):
        sid = id_text(row.get(opts.id_field))
        if sid is None:
            sid = id_text(row.get("id"))
            fallback_ids += sid is not None
        where = f"{origin}, row {pos} (original_id {sid!r})"
        if sid is None:
            raise IdError(
                f"{origin}, row {pos}: no sample id: no {opts.id_field!r} and no task 'id'. Pass "
                "id_field=... naming the data column that holds it."
            )
        raw_who = row.get("annotator")
        if id_text(raw_who) is None and id_text(row.get("annotation_id")) is None:
            col.drop(_UNANNOTATED)
            continue
        who = _annotator(raw_who, col) or opts.annotator_id
        if who is None:
            raise IdError(
                f"{where}: no annotator (field 'annotator' is {raw_who!r}). Export again, or "
                "pass annotator_id=... naming who made these annotations."
            )
        answers = {q: _min_value(row[q], q, col) for q in row if q in col.qmap}
        answers = {q: v for q, v in answers.items() if v is not None}
        # one row per result (the SDK's old CSV exporter): merge the rows of one annotation
        key = (sid, who, id_text(row.get("annotation_id")) or f"row {pos}")
        if key in merged:
            merged[key][0].update(answers)
        else:
            merged[key] = (answers, where)
    for (sid, who, _), (answers, where) in merged.items():
        col.add(sid, who, col.map_answers(answers), where=where)
    return _finish(col, fallback_ids)


def _finish(col: Collector, fallback_ids: int) -> ImportResult:
    """``col.finish()``; unknown ids that are Label Studio task ids get a hint to fix them."""
    try:
        return col.finish()
    except AnnotationError as exc:
        if not fallback_ids or "not in the evaluation data" not in str(exc):
            raise
        raise AnnotationError(
            f"{exc} {fallback_ids} task(s) have no {col.options.id_field!r} in their data, so "
            "their ids are Label Studio task ids: pass id_field=... naming the data key that "
            "holds your sample ids."
        ) from exc


@importer(
    "label_studio_json_min",
    tool="label_studio",
    detect=_detect_min,
    description="Label Studio JSON-MIN export: one object per annotation with 'annotator' and "
    "'annotation_id'",
)
def load_label_studio_json_min(src: Source, opts: ImportOptions) -> ImportResult:
    """Read a Label Studio JSON-MIN export (see the module docstring)."""
    return _load_rows(src, opts, "label_studio_json_min")


@importer(
    "label_studio_csv",
    tool="label_studio",
    detect=_detect_csv,
    description="Label Studio CSV / TSV export: one row per annotation with columns 'annotator' "
    "and 'annotation_id'",
)
def load_label_studio_csv(src: Source, opts: ImportOptions) -> ImportResult:
    """Read a Label Studio CSV or TSV export (see the module docstring)."""
    return _load_rows(src, opts, "label_studio_csv")
