"""Argilla exports: 1.x records and Hugging Face datasets, 2.x nested and flattened records.

Shapes (argilla-io/argilla: 1.x ``FeedbackRecord`` and ``HuggingFaceDatasetMixin``; 2.x
``Record.to_dict`` and ``records/_io/_generic.py`` ``GenericIO.to_list``):

* **1.x records** (``FeedbackRecord.dict()``): ``{"fields", "metadata", "external_id",
  "responses": [{"user_id", "values": {question: {"value": v}}, "status"}], "suggestions":
  [{"question_name", "value", "agent", "score"}]}``.
* **1.x Hugging Face datasets** (``format_as("datasets")`` / ``push_to_huggingface``; JSON lines
  or parquet): one column per field; per question a column of ``[{"user_id", "value",
  "status"}]`` plus ``<q>-suggestion`` and ``<q>-suggestion-metadata`` (``{"type", "score",
  "agent"}``); ``external_id``; ``metadata`` as a JSON string.
* **2.x nested records** (``records.to_list()`` / ``to_json()``, ``Dataset.to_disk``): ``{"id",
  "fields", "metadata", "suggestions": {q: {"value", "score", "agent"}}, "responses": {q:
  [{"value", "user_id"}]}}`` — **without the response status**.
* **2.x flattened records** (``records.to_list(flatten=True)``, ``to_datasets()`` and the Hub's
  parquet / JSON lines): fields and metadata at the top level; per question ``<q>.responses``
  (values), ``<q>.responses.users``, ``<q>.responses.status``; ``<q>.suggestion``,
  ``<q>.suggestion.agent``, ``<q>.suggestion.score``.

Sample id, first found: ``metadata[id_field]``, ``external_id``, ``fields[id_field]``, the
top-level ``id_field`` key (flattened records), the record ``id``. Annotator id: the response's
``user_id``. Only responses whose status is in ``statuses`` count; a 1.x response without status
is ``"submitted"`` (the 1.x SDK default). A 2.x response without status (the nested exports drop
it) cannot be told from a draft, so such an export is refused unless ``statuses=None``, which
imports every response and says how many carried no status. Values: label -> text, multi-label
-> a set, rating -> number, text -> text; rankings keep their order (a JSON list) in a free-text
task and are skipped with a logged reason otherwise (a 2.x ranking is a plain list of options, so
it is recognised from the ``settings.json`` that ``Dataset.to_disk`` / ``to_hub`` write next to
the records; without it a list answer to a free-text task still keeps its order, but a 2.x
ranking mapped to a multi-label task reads as a set); spans are skipped. Suggestions become
judge results, one judge per ``agent``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from meta_evaluator.annotations.importers._collect import (
    SKIP,
    Collector,
    id_text,
    list_field,
    logger,
    obj,
)
from meta_evaluator.annotations.importers._registry import (
    ARGILLA_STATUSES,
    ImportOptions,
    ImportResult,
    importer,
)
from meta_evaluator.annotations.importers._source import Source
from meta_evaluator.errors import DataFileError, IdError

__all__: list[str] = []

_SUG_META: Final = "-suggestion-metadata"
_Response = tuple[str | None, str | None, str | None, Any]
"""(question, user_id, status, value)."""
_Suggestion = tuple[str | None, Any, Any, Any]
"""(question, agent, value, score)."""


# --------------------------------------------------------------------------- detection
def _flat_questions(keys: set[str]) -> set[str]:
    out = {k[: -len(".responses")] for k in keys if k.endswith(".responses")}
    return out | {k[: -len(".suggestion")] for k in keys if k.endswith(".suggestion")}


def _is_response_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and {"user_id", "value"} <= set(v) for v in value)
    )


def _hf_questions(src: Source) -> set[str]:
    keys = src.key_set()
    out = {k[: -len(_SUG_META)] for k in keys if k.endswith(_SUG_META)}
    for rec in src.sample():
        out |= {
            k
            for k, v in rec.items()
            if k not in ("responses", "suggestions") and _is_response_list(v)
        }
    return out


def _detect_flat(src: Source, opts: ImportOptions) -> bool:
    return bool(_flat_questions(src.key_set()))


def _detect_v1(src: Source, opts: ImportOptions) -> bool:
    return any(
        isinstance(r.get("responses"), list)
        and (isinstance(r.get("fields"), dict) or any("values" in obj(x) for x in r["responses"]))
        for r in src.sample()
    )


def _detect_v2(src: Source, opts: ImportOptions) -> bool:
    return any(isinstance(r.get("responses"), dict) for r in src.sample())


def _detect_hf(src: Source, opts: ImportOptions) -> bool:
    return bool(_hf_questions(src))


# --------------------------------------------------------------------------- shared
def _ranking_questions(src: Source) -> set[str]:
    """Ranking question names from an Argilla ``settings.json`` beside the export, if any."""
    if src.path is None:
        return set()
    here = src.path.parent
    # Dataset.to_disk: settings.json beside records.json; to_hub: .argilla/settings.json at the
    # repository root, the parquet files in data/
    for candidate in (
        here / "settings.json",
        here / ".argilla" / "settings.json",
        here.parent / ".argilla" / "settings.json",
    ):
        if not candidate.is_file():
            continue
        try:
            settings = json.loads(Path(candidate).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out = set()
        for q in obj(settings).get("questions") or []:
            q = obj(q)
            kind = q.get("type") or obj(q.get("settings")).get("type")
            if kind == "ranking" and isinstance(q.get("name"), str):
                out.add(q["name"])
        return out
    return set()


def _record_id(rec: dict[str, Any], metadata: dict[str, Any], id_field: str) -> str | None:
    fields = obj(rec.get("fields"))
    for candidate in (
        metadata.get(id_field),
        rec.get("external_id"),
        fields.get(id_field),
        rec.get(id_field),  # flattened 2.x records: metadata and fields at the top level
        rec.get("id"),
    ):
        sid = id_text(candidate)
        if sid is not None:
            return sid
    return None


def _metadata(rec: dict[str, Any], where: str) -> dict[str, Any]:
    raw = rec.get("metadata")
    if isinstance(raw, str):  # 1.x Hugging Face export: metadata as a JSON string
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise DataFileError(
                f"{where}: field 'metadata' is not valid JSON ({exc}): {raw[:80]!r}."
            ) from exc
    return obj(raw)


def _value(question: str | None, value: Any, rankings: set[str], col: Collector, where: str) -> Any:
    """A response / suggestion value, with rankings and spans resolved."""
    if question is None:
        return value
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if all("rank" in v and "value" in v for v in value):  # 1.x ranking
            ranks = [v["rank"] for v in value]
            if not all(r is None or (isinstance(r, int | float) and r == r) for r in ranks):
                raise DataFileError(
                    f"{where}: ranking {question!r}: every 'rank' must be a number (or null); "
                    f"got {ranks!r}."
                )
            ordered = [
                v["value"] for v in sorted(value, key=lambda v: (v["rank"] is None, v["rank"] or 0))
            ]
            return col.ranking(question, ordered)
        col.skip(question, "span")
        return SKIP
    if isinstance(value, dict):
        col.skip(question, "structured value")
        return SKIP
    if question in rankings and isinstance(value, list):
        return col.ranking(question, value)
    return value


def _load(
    src: Source,
    opts: ImportOptions,
    fmt: str,
    responses: Any,
    suggestions: Any,
    *,
    default_status: str | None,
) -> ImportResult:
    """The loop every Argilla shape shares; ``responses`` / ``suggestions`` read one record."""
    origin = f"Argilla export {src.name}"
    col = Collector(opts, origin=origin, format=fmt, source_file=src.file_name)
    rankings = _ranking_questions(src)
    no_status = 0
    for pos, rec in enumerate(src.rows(), 1):
        metadata = _metadata(rec, f"{origin}, record {pos}")
        sid = _record_id(rec, metadata, opts.id_field)
        if sid is None:
            raise IdError(
                f"{origin}, record {pos}: no sample id (looked for metadata[{opts.id_field!r}], "
                f"'external_id', fields[{opts.id_field!r}] and 'id'). Add the id to the record "
                "metadata, or pass id_field=... naming the metadata key that holds it."
            )
        where = f"{origin}, record {pos} (original_id {sid!r})"
        by_user: dict[str, dict[str, Any]] = {}
        for question, user, status, value in responses(rec, where):
            _check_name(question, where)
            col.seen([question])
            if status is not None and not isinstance(status, str):
                raise DataFileError(
                    f"{where}: a response to {question!r} has status {status!r}; Argilla "
                    f"statuses are {ARGILLA_STATUSES!r}."
                )
            if status is None:
                status = default_status
                if status is None:
                    no_status += 1
            if opts.statuses is not None and status is not None and status not in opts.statuses:
                col.drop(f"{status} response(s) (statuses={sorted(opts.statuses)!r})")
                continue
            if user is None:
                raise IdError(
                    f"{where}: a {status or 'status-less'!r} response to {question!r} has no "
                    "'user_id'. Export the records again with their responses' users."
                )
            answers = by_user.setdefault(col.annotator(user), {})
            if question is not None:
                answers[question] = _value(question, value, rankings, col, where)
        for user, answers in by_user.items():
            col.add(sid, user, col.map_answers(answers), where=f"{where}, user {user!r}")
        by_agent: dict[str | None, dict[str, Any]] = {}
        agent_scores: dict[str | None, list[Any]] = {}
        for question, raw_agent, value, score in suggestions(rec):
            if value is None:
                continue
            _check_name(question, where)
            agent = id_text(raw_agent)
            if not opts.judges:
                col.drop("suggestion(s) (judges=False)")
                continue
            col.seen([question])
            value = _value(question, value, rankings, col, where)
            by_agent.setdefault(agent, {})[str(question)] = value
            agent_scores.setdefault(agent, []).append(score)
        for agent, answers in by_agent.items():
            col.add_judge(
                agent,
                sid,
                col.map_answers(answers),
                where=f"{where}, suggestion",
                scores=agent_scores[agent],
            )
    if no_status:
        if opts.statuses is not None:
            raise DataFileError(
                f"{origin}: {no_status} response(s) carry no status. Argilla 2.x "
                "records.to_list() / to_json() (flatten=False) drop it, so drafts cannot be told "
                "from submitted responses. Export with dataset.records.to_list(flatten=True) or "
                "dataset.records.to_datasets() (both keep '<question>.responses.status'), or "
                "pass statuses=None to import every response whatever its status."
            )
        logger.warning(
            "%s: %d response(s) carry no status (Argilla 2.x nested export); imported all of "
            "them because statuses=None, drafts included. Export with "
            "records.to_list(flatten=True) to keep the status.",
            origin,
            no_status,
        )
    return col.finish()


# --------------------------------------------------------------------------- per shape
def _check_name(question: Any, where: str) -> None:
    if question is not None and not isinstance(question, str):
        raise DataFileError(
            f"{where}: a response or suggestion names question {question!r}; question names are "
            "text."
        )


def _v1_responses(rec: dict[str, Any], where: str) -> Iterator[_Response]:
    for resp in list_field(rec, "responses", where):
        if not isinstance(resp, dict):
            raise DataFileError(f"{where}: a response is not an object: {str(resp)[:80]!r}.")
        user, status = id_text(resp.get("user_id")), resp.get("status")
        values = obj(resp.get("values"))
        if not values:  # e.g. a discarded response: still counted by status
            yield None, user, status, None
        for question, holder in values.items():
            value = holder.get("value") if isinstance(holder, dict) else holder
            yield question, user, status, value


def _v1_suggestions(rec: dict[str, Any]) -> Iterator[_Suggestion]:
    suggestions = rec.get("suggestions")
    for sug in suggestions if isinstance(suggestions, list) else []:
        sug = obj(sug)
        yield sug.get("question_name"), sug.get("agent"), sug.get("value"), sug.get("score")


def _v2_responses(rec: dict[str, Any], where: str) -> Iterator[_Response]:
    for question, entries in obj(rec.get("responses")).items():
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                raise DataFileError(
                    f"{where}: a response to {question!r} is not an object: {str(entry)[:80]!r}."
                )
            yield question, id_text(entry.get("user_id")), entry.get("status"), entry.get("value")


def _v2_suggestions(rec: dict[str, Any]) -> Iterator[_Suggestion]:
    for question, sug in obj(rec.get("suggestions")).items():
        sug = obj(sug)
        yield question, sug.get("agent"), sug.get("value"), sug.get("score")


def _flat_responses(rec: dict[str, Any], where: str) -> Iterator[_Response]:
    for key, values in rec.items():
        if not key.endswith(".responses") or values is None:
            continue
        question = key[: -len(".responses")]
        users = rec.get(f"{key}.users") or []
        status = rec.get(f"{key}.status") or []
        if not all(isinstance(x, list) for x in (values, users, status)):
            raise DataFileError(
                f"{where}: fields {key!r}, {key + '.users'!r} and {key + '.status'!r} must be "
                f"lists; got {str(values)[:60]!r}, {str(users)[:60]!r} and {str(status)[:60]!r}."
            )
        for i, value in enumerate(values):
            user = id_text(users[i]) if i < len(users) else None
            yield question, user, status[i] if i < len(status) else None, value


def _flat_suggestions(rec: dict[str, Any]) -> Iterator[_Suggestion]:
    for key, value in rec.items():
        if key.endswith(".suggestion"):
            yield (
                key[: -len(".suggestion")],
                rec.get(f"{key}.agent"),
                value,
                rec.get(f"{key}.score"),
            )


@importer(
    "argilla_v2_flat",
    tool="argilla",
    detect=_detect_flat,
    description="Argilla 2.x flattened records / Hugging Face export (JSON, JSON lines, parquet): "
    "'<question>.responses', '.responses.users', '.responses.status'",
)
def load_argilla_v2_flat(src: Source, opts: ImportOptions) -> ImportResult:
    """Read Argilla 2.x flattened records (see the module docstring)."""
    return _load(
        src, opts, "argilla_v2_flat", _flat_responses, _flat_suggestions, default_status=None
    )


@importer(
    "argilla_v1",
    tool="argilla",
    detect=_detect_v1,
    description="Argilla 1.x FeedbackDataset records: 'responses' as a list of {user_id, values, "
    "status}",
)
def load_argilla_v1(src: Source, opts: ImportOptions) -> ImportResult:
    """Read Argilla 1.x FeedbackDataset records (see the module docstring)."""
    return _load(
        src, opts, "argilla_v1", _v1_responses, _v1_suggestions, default_status="submitted"
    )


@importer(
    "argilla_v2",
    tool="argilla",
    detect=_detect_v2,
    description="Argilla 2.x nested records (records.to_list() / to_json()): 'responses' as "
    "{question: [{value, user_id}]}",
)
def load_argilla_v2(src: Source, opts: ImportOptions) -> ImportResult:
    """Read Argilla 2.x nested records (see the module docstring)."""
    return _load(src, opts, "argilla_v2", _v2_responses, _v2_suggestions, default_status=None)


@importer(
    "argilla_v1_datasets",
    tool="argilla",
    detect=_detect_hf,
    description="Argilla 1.x Hugging Face datasets export: per question a column of "
    "[{user_id, value, status}] and '<question>-suggestion-metadata'",
)
def load_argilla_v1_datasets(src: Source, opts: ImportOptions) -> ImportResult:
    """Read an Argilla 1.x ``format_as("datasets")`` export (see the module docstring)."""
    questions = sorted(_hf_questions(src))

    def responses(rec: dict[str, Any], where: str) -> Iterator[_Response]:
        for question in questions:
            entries = rec.get(question)
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise DataFileError(
                    f"{where}: field {question!r} must be a list of {{user_id, value, status}}; "
                    f"got {str(entries)[:80]!r}."
                )
            for entry in entries:
                entry = obj(entry)
                yield (
                    question,
                    id_text(entry.get("user_id")),
                    entry.get("status"),
                    entry.get("value"),
                )

    def suggestions(rec: dict[str, Any]) -> Iterator[_Suggestion]:
        for question in questions:
            meta = obj(rec.get(f"{question}{_SUG_META}"))
            value = rec.get(f"{question}-suggestion")
            yield question, meta.get("agent"), value, meta.get("score")

    return _load(
        src, opts, "argilla_v1_datasets", responses, suggestions, default_status="submitted"
    )
