r"""Prompt templates: placeholders, rendering, and the generated answer-format instructions.

A template is plain text with ``{name}`` placeholders:

- ``{prompt}`` is the task's first prompt column and ``{llm_response}`` its first response column
  (aliases, so one template works for data whose columns are named differently; a real data
  column with that exact name wins over the alias);
- ``{any_column}`` is any column of the evaluation data, by name;
- ``{{`` and ``}}`` are literal braces. Braces that do not enclose a plain name (for example a JSON
  example such as ``{"label": "x"}``) are left untouched.

The answer format is never written by hand in a template: :func:`format_instructions` generates it
from the task schema and is placed in the system message.

Example:
    >>> render_prompt("Q: {prompt}\nA: {answer}", {"prompt": "2+2?", "answer": "4"})
    'Q: 2+2?\nA: 4'
    >>> placeholders("Rate {llm_response} ({{literal}})")
    ['llm_response']
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.eval_task import AnsweringMethod, EvalTask

__all__ = [
    "PROMPT_ALIAS",
    "RESPONSE_ALIAS",
    "build_messages",
    "check_template",
    "format_instructions",
    "placeholders",
    "render_prompt",
    "system_message",
]

PROMPT_ALIAS = "prompt"
"""Placeholder for the task's first prompt column."""
RESPONSE_ALIAS = "llm_response"
"""Placeholder for the task's first response column."""

# "{{" / "}}" escapes, or a placeholder: a name of word characters, dots, hyphens, inner spaces.
_TOKEN_RE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.\-]*(?: [\w.\-]+)*)\}")

_SYSTEM_ROLE = (
    "You are a careful evaluator. Read the material in the user message and label it "
    "according to the instructions there."
)


def placeholders(template: str) -> list[str]:
    """The placeholder names a template uses, in order of first use."""
    seen: dict[str, None] = {}
    for m in _TOKEN_RE.finditer(template):
        if m.group(1) is not None:
            seen.setdefault(m.group(1), None)
    return list(seen)


def _aliases(task: EvalTask | None, columns: Iterable[str]) -> dict[str, str]:
    cols = set(columns)
    out: dict[str, str] = {}
    if task is None:
        return out
    if task.prompt_columns and PROMPT_ALIAS not in cols:
        out[PROMPT_ALIAS] = task.prompt_columns[0]
    if task.response_columns and RESPONSE_ALIAS not in cols:
        out[RESPONSE_ALIAS] = task.response_columns[0]
    return out


def render_prompt(template: str, row: Mapping[str, Any], *, task: EvalTask | None = None) -> str:
    """Fill a template from one data row.

    Args:
        template: Template text (see the module docstring for the placeholder rules).
        row: Column name -> value for one sample. None renders as an empty string.
        task: When given, ``{prompt}`` / ``{llm_response}`` map to its first prompt / response
            column.

    Raises:
        JudgeConfigError: A placeholder names neither a column of ``row`` nor an alias.
    """
    alias = _aliases(task, row.keys())

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        name = m.group(1)
        key = alias.get(name, name)
        if key not in row:
            raise JudgeConfigError(
                f"Prompt template uses {{{name}}} but the row has no column {name!r}; "
                f"available: {sorted([*row.keys(), *alias])!r}."
            )
        value = row[key]
        return "" if value is None else str(value)

    return _TOKEN_RE.sub(sub, template)


def check_template(
    template: str, task: EvalTask, columns: Iterable[str], judge_id: str
) -> list[str]:
    """Check, before any call, that every placeholder of a template can be filled.

    Args:
        template: The judge's template.
        task: The evaluation task (for the ``{prompt}`` / ``{llm_response}`` aliases).
        columns: The evaluation data's columns.
        judge_id: For the error message.

    Returns:
        The data columns the template reads (aliases resolved), in order of first use.

    Raises:
        JudgeConfigError: A placeholder is not a column or alias, or the template is empty.
    """
    cols = list(columns)
    alias = _aliases(task, cols)
    if not template.strip():
        raise JudgeConfigError(
            f"judge {judge_id!r}: the prompt template is empty. Write a template that shows the "
            "judge the data, e.g. 'Response: {llm_response}'."
        )
    used: list[str] = []
    bad: list[str] = []
    for name in placeholders(template):
        key = alias.get(name, name)
        if key in cols:
            used.append(key)
        else:
            bad.append(name)
    if bad:
        avail = sorted(set(cols) | set(alias))
        close = [m for b in bad for m in difflib.get_close_matches(b, avail, n=1)]
        hint = f" Did you mean {', '.join('{' + c + '}' for c in close)}?" if close else ""
        raise JudgeConfigError(
            f"judge {judge_id!r}: prompt template uses {', '.join('{' + b + '}' for b in bad)} "
            f"but the data has no such column.{hint} Available placeholders: {avail!r}. Fix the "
            "template or add the column to the data (write '{{' and '}}' for literal braces)."
        )
    return list(dict.fromkeys(used))


def _label_list(labels: list[Any]) -> str:
    return ", ".join(json.dumps(x) for x in labels)


def format_instructions(task: EvalTask, method: AnsweringMethod) -> str:
    """The answer-format instruction generated from the task schema.

    ``structured`` and ``instructor`` ask for one JSON object (the JSON schema plus the allowed
    labels per task); ``xml`` asks for one XML tag per task.

    Example:
        >>> t = EvalTask(task_schemas={"verdict": ["yes", "no"]}, response_columns=["r"])
        >>> print(format_instructions(t, "xml"))  # doctest: +NORMALIZE_WHITESPACE
        Answer with one XML tag per task, in this order, and nothing else:
        <verdict>...</verdict>: exactly one of "yes", "no"
    """
    lines: list[str] = []
    for name in task.task_names:
        kind = task.task_kind(name)
        labels = task.allowed_labels(name) or []
        if kind == "text":
            desc = "free text (a short explanation)"
        elif kind == "multilabel":
            sep = "a JSON list" if method != "xml" else "values separated by '|'"
            desc = f"{sep} of zero or more of {_label_list(labels)}"
        elif kind == "numeric":
            desc = f"exactly one number of {_label_list(labels)}"
        else:
            desc = f"exactly one of {_label_list(labels)}"
        lines.append((f"<{name}>...</{name}>: " if method == "xml" else f"- {name}: ") + desc)
    if method == "xml":
        return "Answer with one XML tag per task, in this order, and nothing else:\n" + "\n".join(
            lines
        )
    schema = json.dumps(task.output_json_schema(), separators=(",", ":"))
    return (
        "Answer with a single JSON object and nothing else (no prose, no code fences), with "
        "these keys:\n" + "\n".join(lines) + f"\nJSON schema of the answer: {schema}"
    )


def system_message(task: EvalTask, method: AnsweringMethod) -> str:
    """The system message: the evaluator role plus the generated format instructions."""
    return _SYSTEM_ROLE + "\n\n" + format_instructions(task, method)


def build_messages(
    template: str,
    row: Mapping[str, Any],
    *,
    task: EvalTask,
    method: AnsweringMethod,
    system: str | None = None,
) -> list[dict[str, str]]:
    """The chat messages for one row: system (role + format instructions) + user (rendered).

    Args:
        template: The judge's template.
        row: The data row.
        task: The evaluation task.
        method: The answering method.
        system: A precomputed :func:`system_message` (computed when None).
    """
    return [
        {
            "role": "system",
            "content": system if system is not None else system_message(task, method),
        },
        {"role": "user", "content": render_prompt(template, row, task=task)},
    ]
