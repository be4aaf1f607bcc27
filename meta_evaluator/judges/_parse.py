"""Answer parsing: a judge's raw text -> labels validated against the task schema.

Paths, tried in this order (the first that yields every required task wins; otherwise the one
with the most labels is kept):

=============  ==========================================================================
``json``       the whole text is one JSON object (structured output)
``fenced``     a JSON object inside a ```json fence
``embedded``   the first JSON object in the text (``json.JSONDecoder.raw_decode`` at each
               ``{``, so braces inside strings are handled) that has at least one task key
``xml``        ``<task>label</task>`` tags (the *last* tag per task, so an echoed
               instruction before the answer does not win)
=============  ==========================================================================

``answering_method="structured"`` tries ``json``; ``"instructor"`` tries ``json``, ``fenced``,
``embedded``; ``"xml"`` tries ``xml``. With ``fallback=True`` every path is tried (in the order
above, the method's own paths first).

Label matching: a label is first validated exactly with :meth:`EvalTask.validate_label`
(numbers written as strings are accepted for rating scales). If that fails, surrounding
whitespace, quotes and case are ignored **only when exactly one allowed label matches** that
way; otherwise (no match, or labels that differ only by case such as ``"Yes"``/``"yes"``) the
label is rejected and the reason recorded. Task keys in JSON match exactly, or ignoring case when
unambiguous. No value is guessed beyond that.

Status: ``success`` when every required task (``EvalTask.effective_required_tasks``) has a
valid label, ``partial`` when some are missing but at least one task has a label,
``parsing_error`` when nothing usable was found.

Example:
    >>> from meta_evaluator.eval_task import EvalTask
    >>> t = EvalTask(task_schemas={"verdict": ["yes", "no"]}, response_columns=["r"])
    >>> parse_answer('Sure! {"verdict": "Yes"}', t, method="structured", fallback=True).labels
    {'verdict': 'yes'}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from meta_evaluator import columns as C
from meta_evaluator.errors import AnnotationError
from meta_evaluator.eval_task import AnsweringMethod, EvalTask

__all__ = ["ParsedAnswer", "parse_answer"]

_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


@dataclass(frozen=True, kw_only=True)
class ParsedAnswer:
    """The outcome of parsing one answer."""

    labels: dict[str, Any] = field(default_factory=dict)
    """Task name -> validated label (only tasks that were found and valid)."""
    status: str = C.STATUS_PARSING_ERROR
    """``success``, ``partial`` or ``parsing_error``."""
    error: str | None = None
    """Why the answer is not a full success (None on success without remarks)."""
    path: str | None = None
    """Which parsing path produced the labels (json, fenced, embedded, xml)."""

    @property
    def ok(self) -> bool:
        """True for ``success`` or ``partial``."""
        return self.status in (C.STATUS_SUCCESS, C.STATUS_PARTIAL)


def parse_answer(
    text: str | None, task: EvalTask, *, method: AnsweringMethod, fallback: bool
) -> ParsedAnswer:
    """Parse a judge's raw answer against the task schema.

    Args:
        text: The raw answer text.
        task: The evaluation task (schemas, required tasks).
        method: The task's answering method (decides the first parsing paths).
        fallback: Also try the other paths (``EvalTask.structured_outputs_fallback``).

    Returns:
        The labels, the status and a precise error message for anything not a full success.
    """
    if text is None or not text.strip():
        return ParsedAnswer(error="empty answer: the judge returned no text")
    own = {
        "structured": ["json"],
        "instructor": ["json", "fenced", "embedded"],
        "xml": ["xml"],
    }[method]
    paths = own + [p for p in ("json", "fenced", "embedded", "xml") if p not in own and fallback]
    best: ParsedAnswer | None = None
    for path in paths:
        found = _extract(path, text, task)
        if found is None:
            continue
        parsed = _validate(found, task, path)
        if parsed.status == C.STATUS_SUCCESS:
            return parsed
        if best is None or len(parsed.labels) > len(best.labels):
            best = parsed
    if best is not None and best.labels:
        return best
    tried = ", ".join(paths)
    detail = f" ({best.error})" if best is not None and best.error else ""
    return ParsedAnswer(
        error=f"no usable labels found (tried: {tried}){detail}; answer starts with "
        f"{text.strip()[:80]!r}"
    )


# ---------------------------------------------------------------------- extraction
def _extract(path: str, text: str, task: EvalTask) -> dict[str, Any] | None:
    if path == "json":
        try:
            obj = json.loads(text.strip())
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None
    if path == "fenced":
        for m in _FENCE_RE.finditer(text):
            try:
                obj = json.loads(m.group(1).strip())
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
        return None
    if path == "embedded":
        return _first_object(text, task)
    return _xml_tags(text, task)


def _first_object(text: str, task: EvalTask) -> dict[str, Any] | None:
    names = {n.lower() for n in task.task_names}
    first: dict[str, Any] | None = None
    pos = text.find("{")
    while pos != -1:
        try:
            obj, _end = _DECODER.raw_decode(text, pos)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            if any(str(k).lower() in names for k in obj):
                return obj
            first = first if first is not None else obj
        pos = text.find("{", pos + 1)
    return first


def _xml_tags(text: str, task: EvalTask) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for name in task.task_names:
        pat = re.compile(
            rf"<\s*{re.escape(name)}\s*>(.*?)<\s*/\s*{re.escape(name)}\s*>", re.S | re.I
        )
        hits = pat.findall(text)
        if hits:
            out[name] = hits[-1].strip()
    return out or None


# ---------------------------------------------------------------------- validation
def _match_key(obj: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name in obj:
        return True, obj[name]
    matches = [k for k in obj if isinstance(k, str) and k.strip().lower() == name.lower()]
    if len(matches) == 1:
        return True, obj[matches[0]]
    return False, None


def _loose(value: Any) -> str:
    return str(value).strip().strip("\"'`").strip().lower()


def _validate_one(task: EvalTask, name: str, value: Any, path: str) -> Any:
    kind = task.task_kind(name)
    if kind == "multilabel" and path == "xml" and isinstance(value, str):
        value = [p for p in re.split(r"[|,\n]", value) if p.strip()] if "[" not in value else value
    try:
        return task.validate_label(name, value)
    except AnnotationError:
        pass
    allowed = task.allowed_labels(name) or []
    if kind == "multilabel":
        items = value if isinstance(value, list) else [value]
        fixed = [_unique_loose(x, allowed) for x in items]
        if all(f is not None for f in fixed):
            return task.validate_label(name, fixed)
    elif kind in ("categorical", "numeric"):
        fixed_one = _unique_loose(value, allowed)
        if fixed_one is not None:
            return task.validate_label(name, fixed_one)
    raise AnnotationError(f"task {name!r}: label {value!r} is not allowed; allowed: {allowed!r}")


def _unique_loose(value: Any, allowed: list[Any]) -> Any:
    key = _loose(value)
    hits = [a for a in allowed if _loose(a) == key]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        try:
            num = float(key)
        except ValueError:
            return None
        nums = [a for a in allowed if not isinstance(a, str) and float(a) == num]
        return nums[0] if len(nums) == 1 else None
    return None


def _validate(found: dict[str, Any], task: EvalTask, path: str) -> ParsedAnswer:
    labels: dict[str, Any] = {}
    problems: list[str] = []
    for name in task.task_names:
        present, raw = _match_key(found, name)
        if not present or raw is None:
            continue
        try:
            value = _validate_one(task, name, raw, path)
        except AnnotationError as exc:
            problems.append(str(exc))
            continue
        if value is not None:
            labels[name] = value
    missing = [t for t in task.effective_required_tasks if t not in labels]
    if missing:
        problems.insert(0, f"missing required task(s) {missing!r}")
    error = "; ".join(problems) or None
    if not labels:
        status = C.STATUS_PARSING_ERROR
    elif missing:
        status = C.STATUS_PARTIAL
    else:
        status = C.STATUS_SUCCESS
    return ParsedAnswer(labels=labels, status=status, error=error, path=path)
