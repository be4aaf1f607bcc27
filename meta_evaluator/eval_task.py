"""EvalTask: what the judges and the humans label, and how.

A task schema value decides the task's *kind*:

=========================================  ============  ==========================================
schema value                               kind          label stored as
=========================================  ============  ==========================================
``["rejection", "not rejection"]``         categorical   ``str`` (list order = ordinal order)
``[1, 2, 3, 4, 5]``                        numeric       ``int`` / ``float`` (a rating scale)
``None``                                   text          ``str`` (free text)
``MultiLabelSchema(outcomes=[...])``       multilabel    ``list[str]`` (a set of outcomes)
=========================================  ============  ==========================================

Example:
    >>> task = EvalTask(task_schemas={"rejection": ["rejection", "not rejection"],
    ...                               "explanation": None},
    ...                 prompt_columns=["prompt"], response_columns=["llm_response"])
    >>> task.task_kind("rejection"), task.task_kind("explanation")
    ('categorical', 'text')
    >>> task.validate_label("rejection", "rejection")
    'rejection'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from meta_evaluator import columns as C
from meta_evaluator.errors import AnnotationError, MetaEvaluatorError, TaskSchemaError

__all__ = ["AnsweringMethod", "EvalTask", "MultiLabelSchema", "TaskKind"]

TaskKind = Literal["categorical", "numeric", "text", "multilabel"]
AnsweringMethod = Literal["structured", "instructor", "xml"]


def _domain_error(exc: ValidationError, owner: str) -> MetaEvaluatorError:
    """Turn a pydantic ValidationError into our own exception (the first error's message)."""
    for err in exc.errors():
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, MetaEvaluatorError):
            return original
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()))
        parts.append(f"{loc or 'value'}: {err.get('msg')} (got {err.get('input')!r})")
    return TaskSchemaError(f"{owner}: " + "; ".join(parts))


class _DomainModel(BaseModel):
    """A pydantic model whose validation failures raise meta_evaluator errors."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _domain_error(exc, type(self).__name__) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Validate ``obj`` (raising meta_evaluator errors instead of ValidationError)."""
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise _domain_error(exc, cls.__name__) from None


class MultiLabelSchema(_DomainModel):
    """A multi-label task: each sample's label is a *set* of these outcomes (stored as a list).

    Example:
        >>> MultiLabelSchema(outcomes=["hateful", "violent", "sexual"]).outcomes
        ['hateful', 'violent', 'sexual']
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["multilabel"] = "multilabel"
    """Discriminator written to state files."""
    outcomes: list[str]
    """The outcomes a label set may contain."""

    @field_validator("outcomes")
    @classmethod
    def _check_outcomes(cls, v: list[str]) -> list[str]:
        if not v:
            raise TaskSchemaError(
                "MultiLabelSchema: 'outcomes' is empty. List at least one outcome, "
                "e.g. MultiLabelSchema(outcomes=['hateful', 'violent'])."
            )
        dup = sorted({o for o in v if v.count(o) > 1})
        if dup:
            raise TaskSchemaError(
                f"MultiLabelSchema: duplicate outcomes {dup!r}. Each outcome must appear once."
            )
        return _stripped_labels(v, "MultiLabelSchema 'outcomes'")


SchemaValue = list[str] | list[int | float] | MultiLabelSchema | None


def _stripped_labels(labels: list[str], owner: str) -> list[str]:
    """``labels`` with surrounding whitespace removed; refuses blank labels and collisions.

    Incoming labels (files, exports, judge answers) are stripped the same way, so a schema label
    ``"Yes "`` and an exported ``"Yes "`` both become ``"Yes"`` and match.
    """
    out = [x.strip() for x in labels]
    blank = [x for x, y in zip(labels, out, strict=True) if not y]
    if blank:
        raise TaskSchemaError(
            f"{owner} has blank label(s) {blank!r}. Every label needs visible text: remove them "
            "or give them names."
        )
    groups: dict[str, list[str]] = {}
    for raw, clean in zip(labels, out, strict=True):
        groups.setdefault(clean, []).append(raw)
    clash = [raws for raws in groups.values() if len(raws) > 1]
    if clash:
        raise TaskSchemaError(
            f"{owner} lists label(s) that are the same once surrounding whitespace is removed: "
            f"{clash!r}. Each allowed label must appear once: drop the repeats."
        )
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


class EvalTask(_DomainModel):
    """The labelling task: its schemas, the data columns judges see, and how judges answer.

    Args:
        task_schemas: Task name -> schema (see the module docstring for the four kinds).
        prompt_columns: Data columns holding the prompt shown to the evaluated LLM (or None).
        response_columns: Data columns holding the evaluated LLM's response.
        answering_method: How judges answer: "structured" (JSON-schema output), "instructor"
            (JSON in text) or "xml" (XML tags).
        structured_outputs_fallback: If a structured answer fails to parse, fall back to JSON
            found in text, then XML tags.
        required_tasks: Tasks a judge row must answer to count as "success" (the others make a
            row "partial" when missing). Default: every task that is not free text.
        annotation_prompt: Instructions for human annotators (shown by the annotation UI).
        skip_function: ``fn(row) -> bool``; rows it marks are ``skipped`` without a call.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=False)

    task_schemas: dict[str, SchemaValue]
    """Task name -> schema."""
    prompt_columns: list[str] | None = None
    """Data columns holding the prompt the evaluated LLM saw."""
    response_columns: list[str] = Field(default_factory=list)
    """Data columns holding the evaluated LLM's response."""
    answering_method: AnsweringMethod = "structured"
    """How judges answer: structured output, JSON in text, or XML tags."""
    structured_outputs_fallback: bool = True
    """Fall back to JSON-in-text, then XML tags, when structured parsing fails."""
    required_tasks: list[str] | None = None
    """Tasks that must be answered for a row to be a success (default: all non-text tasks)."""
    annotation_prompt: str | None = None
    """Instructions shown to human annotators in the annotation UI (saved with the task)."""
    skip_function: Callable[[dict[str, Any]], bool] | None = Field(default=None, exclude=True)
    """``skip_function(row) -> bool``: rows it returns True for get status ``skipped`` without a
    judge call. ``row`` is the data row as a dict. Not saved: reassign it after
    ``MetaEvaluator(..., load=True)`` (``ev.eval_task.skip_function = fn``)."""

    @field_validator("task_schemas", mode="before")
    @classmethod
    def _coerce_schemas(cls, v: Any) -> Any:
        if not isinstance(v, dict) or not v:
            raise TaskSchemaError(
                f"EvalTask: 'task_schemas' must be a non-empty dict of task name -> schema; got "
                f"{v!r}. Example: {{'rejection': ['rejection', 'not rejection']}}."
            )
        out: dict[str, Any] = {}
        for name, schema in v.items():
            if not isinstance(name, str) or not name.strip():
                raise TaskSchemaError(f"EvalTask: task name {name!r} must be a non-empty string.")
            if name in C.RESERVED:
                raise TaskSchemaError(
                    f"EvalTask: task name {name!r} is reserved: meta_evaluator's result and "
                    f"annotation tables have a column of that name. Rename the task (e.g. "
                    f"{name + '_label'!r}); reserved names: {list(C.RESERVED)!r}."
                )
            if schema is None or isinstance(schema, MultiLabelSchema):
                out[name] = schema
            elif isinstance(schema, dict) and schema.get("kind") == "multilabel":
                out[name] = MultiLabelSchema(**schema)
            elif isinstance(schema, list | tuple):
                labels = list(schema)
                if not labels:
                    raise TaskSchemaError(
                        f"EvalTask: task {name!r} has an empty label list. List the allowed "
                        "labels, or use None for a free-text task."
                    )
                if all(isinstance(x, str) for x in labels):
                    pass
                elif all(_is_number(x) for x in labels):
                    if any(isinstance(x, float) and not math.isfinite(x) for x in labels):
                        raise TaskSchemaError(
                            f"EvalTask: task {name!r} has a non-finite rating in {labels!r}."
                        )
                else:
                    raise TaskSchemaError(
                        f"EvalTask: task {name!r} mixes label types in {labels!r}. Use only "
                        "strings (categorical) or only numbers (a rating scale)."
                    )
                seen: set[Any] = set()
                dup = [x for x in labels if x in seen or seen.add(x)]  # type: ignore[func-returns-value]
                if dup:
                    raise TaskSchemaError(
                        f"EvalTask: task {name!r} lists label(s) {dup!r} more than once. "
                        "Each allowed label must appear once."
                    )
                if isinstance(labels[0], str):
                    labels = _stripped_labels(labels, f"EvalTask: task {name!r}")
                out[name] = labels
            else:
                raise TaskSchemaError(
                    f"EvalTask: task {name!r} has schema {schema!r}. Use a list of labels, a list "
                    "of numbers, None (free text) or MultiLabelSchema(outcomes=[...])."
                )
        return out

    @model_validator(mode="after")
    def _check_columns(self) -> EvalTask:
        cols = list(self.prompt_columns or []) + list(self.response_columns)
        if not cols:
            raise TaskSchemaError(
                "EvalTask: no prompt_columns and no response_columns. Name at least one data "
                "column the judge should read, e.g. response_columns=['llm_response']."
            )
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            raise TaskSchemaError(
                f"EvalTask: column(s) {dup!r} appear more than once in prompt_columns + "
                "response_columns. List each column once."
            )
        if self.required_tasks is not None:
            unknown = [t for t in self.required_tasks if t not in self.task_schemas]
            if unknown:
                raise TaskSchemaError(
                    f"EvalTask: required_tasks names unknown task(s) {unknown!r}; known tasks: "
                    f"{sorted(self.task_schemas)!r}."
                )
        return self

    # ------------------------------------------------------------------ queries
    @property
    def task_names(self) -> list[str]:
        """Task names in definition order."""
        return list(self.task_schemas)

    @property
    def data_columns(self) -> list[str]:
        """Every data column a judge reads (prompt columns first)."""
        return list(self.prompt_columns or []) + list(self.response_columns)

    @property
    def effective_required_tasks(self) -> list[str]:
        """The tasks a judge row must answer to be a success."""
        if self.required_tasks is not None:
            return list(self.required_tasks)
        return [t for t in self.task_schemas if self.task_kind(t) != "text"]

    def _require(self, task_name: str) -> SchemaValue:
        if task_name not in self.task_schemas:
            raise TaskSchemaError(
                f"Unknown task {task_name!r}; this EvalTask defines {self.task_names!r}."
            )
        return self.task_schemas[task_name]

    def task_kind(self, task_name: str) -> TaskKind:
        """Return the kind of a task: "categorical", "numeric", "text" or "multilabel"."""
        schema = self._require(task_name)
        if schema is None:
            return "text"
        if isinstance(schema, MultiLabelSchema):
            return "multilabel"
        return "numeric" if _is_number(schema[0]) else "categorical"

    def allowed_labels(self, task_name: str) -> list[Any] | None:
        """The allowed labels (ordinal order) or multilabel outcomes; None for free text."""
        schema = self._require(task_name)
        if schema is None:
            return None
        if isinstance(schema, MultiLabelSchema):
            return list(schema.outcomes)
        return list(schema)

    def validate_label(self, task_name: str, value: Any, *, where: str = "") -> Any:
        """Return ``value`` normalised to the task's label type, or None when missing.

        Numbers given as strings ("3") are converted for numeric scales; categorical labels given
        as numbers are matched by their string form; surrounding whitespace is ignored (schema
        labels are stripped too) and blank text is a missing label. Multilabel values may be a
        list, a JSON list string or an ``"a|b"`` string: blank means *not labelled* (None),
        ``"[]"`` or ``[]`` means *labelled, no outcome applies* (an empty list).

        Args:
            task_name: The task the label belongs to.
            value: The raw label.
            where: Text naming the origin (file, row, annotator) for the error message.

        Raises:
            AnnotationError: The value is outside the schema.
        """
        schema = self._require(task_name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        ctx = f"{where}: " if where else ""
        if schema is None:
            return value if isinstance(value, str) else str(value)
        if isinstance(schema, MultiLabelSchema):
            items = _as_list(value)
            if items is None:
                return None
            items = [x.strip() if isinstance(x, str) else x for x in items]
            bad = [x for x in items if x not in schema.outcomes]
            if bad:
                raise AnnotationError(
                    f"{ctx}task {task_name!r}: outcome(s) {bad!r} are not in the schema. "
                    f"Allowed outcomes: {schema.outcomes!r}."
                )
            return sorted(set(items), key=schema.outcomes.index)
        if _is_number(schema[0]):
            num: Any = value
            if isinstance(value, str):
                try:
                    num = float(value.strip())
                except ValueError:
                    num = value
            if _is_number(num):
                for allowed in schema:
                    if float(num) == float(allowed):
                        return allowed
            raise AnnotationError(
                f"{ctx}task {task_name!r}: label {value!r} is not on the rating scale. "
                f"Allowed labels: {schema!r}."
            )
        text = value.strip() if isinstance(value, str) else _num_to_str(value)
        if not text:
            return None
        if text in schema:
            return text
        raise AnnotationError(
            f"{ctx}task {task_name!r}: label {value!r} is not in the schema. Allowed labels "
            f"(case-sensitive): {schema!r}. Fix the file or add the label to task_schemas."
        )

    def output_json_schema(self) -> dict[str, Any]:
        """A JSON schema for a judge's answer: one property per task (labels as enums)."""
        props: dict[str, Any] = {}
        for name in self.task_schemas:
            kind = self.task_kind(name)
            labels = self.allowed_labels(name)
            if kind == "text":
                props[name] = {"type": "string"}
            elif kind == "multilabel":
                props[name] = {"type": "array", "items": {"type": "string", "enum": labels}}
            elif kind == "numeric":
                props[name] = {"type": "number", "enum": labels}
            else:
                props[name] = {"type": "string", "enum": labels}
        return {
            "type": "object",
            "properties": props,
            "required": self.task_names,
            "additionalProperties": False,
        }


def _num_to_str(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_list(value: Any) -> list[Any] | None:
    """A multilabel cell as a list: blank text is None (not labelled), ``"[]"`` is ``[]``."""
    if isinstance(value, list | tuple | set):
        return list(value)
    if hasattr(value, "to_list"):
        return list(value.to_list())
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if s.startswith("["):
            try:
                parsed = json.loads(s)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return parsed
        return [p.strip() for p in s.split("|") if p.strip()]
    return [value]
