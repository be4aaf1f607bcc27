"""Argilla 1.x text-classification records (``DatasetForTextClassification``, before Feedback).

Shape (argilla-io/argilla 1.x ``TextClassificationRecord``; ``rg.load(...)``, ``to_datasets()``,
the cleanlab tutorial's records): ``{"text", "inputs", "prediction": [(label, score)] (or
``[{"label", "score"}]``), "prediction_agent", "annotation": label or [labels],
"annotation_agent", "multi_label", "metadata", "status", "id"}`` with ``status`` one of
``TaskStatus``: ``Default``, ``Edited``, ``Discarded``, ``Validated``.
"""

from __future__ import annotations

from typing import Any, Final

from meta_evaluator.annotations.importers._argilla import _metadata, _record_id
from meta_evaluator.annotations.importers._collect import Collector, id_text
from meta_evaluator.annotations.importers._registry import ImportOptions, ImportResult, importer
from meta_evaluator.annotations.importers._source import Source
from meta_evaluator.errors import DataFileError, IdError

__all__: list[str] = []

_TC_STATUS: Final = {
    "Validated": "submitted",
    "Default": "draft",
    "Edited": "draft",
    "Discarded": "discarded",
}
"""Argilla 1.x ``TaskStatus`` of a record -> the response status it amounts to."""


def _detect_text_classification(src: Source, opts: ImportOptions) -> bool:
    keys = src.key_set()
    return (
        "multi_label" in keys and "tokens" not in keys and bool({"annotation", "prediction"} & keys)
    )


def _predicted(prediction: Any, multi_label: bool, where: str) -> tuple[Any, list[float]]:
    """A 1.x ``prediction`` ([(label, score)] or [{"label", "score"}]): label(s), score(s)."""
    pairs: list[tuple[Any, float]] = []
    for item in prediction:
        if isinstance(item, dict):
            label, score = item.get("label"), item.get("score")
        elif isinstance(item, list | tuple) and len(item) == 2:
            label, score = item
        else:
            raise DataFileError(
                f"{where}: field 'prediction' must hold (label, score) pairs; got "
                f"{str(item)[:60]!r}."
            )
        if score is not None and not (
            isinstance(score, int | float) and not isinstance(score, bool)
        ):
            raise DataFileError(
                f"{where}: field 'prediction' holds score {score!r} for {label!r}; scores are "
                "numbers."
            )
        pairs.append((label, float(score if score is not None else 0.0)))
    if multi_label:
        chosen = [(label, score) for label, score in pairs if score >= 0.5]
        return [label for label, _ in chosen], [score for _, score in chosen]
    label, score = max(pairs, key=lambda p: p[1])
    return label, [score]


@importer(
    "argilla_v1_text_classification",
    tool="argilla",
    detect=_detect_text_classification,
    description="Argilla 1.x TextClassificationRecord dicts (DatasetForTextClassification): "
    "'text', 'annotation', 'annotation_agent', 'prediction', 'multi_label', 'status'",
)
def load_argilla_v1_text_classification(src: Source, opts: ImportOptions) -> ImportResult:
    """Read Argilla 1.x text-classification records (``rg.load(...)``, ``to_datasets()``).

    The record's ``annotation`` is the answer to one question named ``"annotation"``: map it
    with ``field_map={"annotation": "<task>"}``, else it goes to the task of that name, else to
    the only categorical / multi-label task. The annotator is ``annotation_agent`` (else
    ``annotator_id``). The record ``status`` counts as the response status: ``Validated`` ->
    submitted, ``Default`` / ``Edited`` -> draft, ``Discarded`` -> discarded. ``prediction``
    becomes a judge per ``prediction_agent``: the highest-scoring label (multi-label: every
    label scoring 0.5 or more).
    """
    origin = f"Argilla export {src.name}"
    col = Collector(
        opts, origin=origin, format="argilla_v1_text_classification", source_file=src.file_name
    )
    question = "annotation"
    if question not in col.qmap:
        labelled = [t for t, k in col.kinds.items() if k in ("categorical", "multilabel")]
        if len(labelled) == 1:
            col.qmap[question] = labelled[0]
    for pos, rec in enumerate(src.rows(), 1):
        metadata = _metadata(rec, f"{origin}, record {pos}")
        sid = _record_id(rec, metadata, opts.id_field)
        if sid is None:
            raise IdError(
                f"{origin}, record {pos}: no sample id (looked for metadata[{opts.id_field!r}] "
                "and 'id'). Add the id to the record metadata, or pass id_field=..."
            )
        where = f"{origin}, record {pos} (original_id {sid!r})"
        col.seen([question])
        annotation = rec.get("annotation")
        raw_status = rec.get("status")
        status = _TC_STATUS.get(str(raw_status), "submitted" if raw_status is None else None)
        if status is None:
            raise DataFileError(
                f"{where}: field 'status' is {raw_status!r}; Argilla 1.x records carry one of "
                f"{sorted(_TC_STATUS)!r}."
            )
        if annotation is not None and annotation != []:
            if opts.statuses is not None and status not in opts.statuses:
                col.drop(f"{status} response(s) (statuses={sorted(opts.statuses)!r})")
            else:
                who = id_text(rec.get("annotation_agent")) or opts.annotator_id
                if who is None:
                    raise IdError(
                        f"{where}: no annotator (field 'annotation_agent' is empty). Pass "
                        "annotator_id=... naming who annotated these records."
                    )
                answers = col.map_answers({question: annotation})
                col.add(sid, col.annotator(who), answers, where=f"{where}, user {who!r}")
        prediction = rec.get("prediction")
        if isinstance(prediction, list) and prediction:
            if not opts.judges:
                col.drop("prediction(s) (judges=False)")
                continue
            value, scores = _predicted(prediction, bool(rec.get("multi_label")), where)
            answers = col.map_answers({question: value})
            col.add_judge(
                rec.get("prediction_agent"),
                sid,
                answers,
                where=f"{where}, prediction",
                scores=scores,
            )
    return col.finish()
