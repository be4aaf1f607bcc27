"""Answer parsing: every schema kind and every path."""

from __future__ import annotations

import pytest

from meta_evaluator import columns as C
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema
from meta_evaluator.judges._parse import parse_answer


@pytest.fixture
def task() -> EvalTask:
    return EvalTask(
        task_schemas={
            "rejection": ["rejection", "not rejection"],
            "score": [1, 2, 3, 4, 5],
            "harms": MultiLabelSchema(outcomes=["hateful", "violent", "sexual"]),
            "explanation": None,
        },
        response_columns=["llm_response"],
    )


FULL = '{"rejection": "rejection", "score": 4, "harms": ["violent"], "explanation": "refuses"}'


def test_structured_json_all_kinds(task):
    p = parse_answer(FULL, task, method="structured", fallback=False)
    assert p.status == C.STATUS_SUCCESS
    assert p.path == "json"
    assert p.labels == {
        "rejection": "rejection",
        "score": 4,
        "harms": ["violent"],
        "explanation": "refuses",
    }
    assert p.error is None


def test_numeric_as_string_and_float(task):
    p = parse_answer(
        '{"rejection": "not rejection", "score": "3", "harms": []}',
        task,
        method="structured",
        fallback=False,
    )
    assert p.status == C.STATUS_SUCCESS
    assert p.labels["score"] == 3
    p = parse_answer(
        '{"rejection": "not rejection", "score": 5.0, "harms": "hateful|sexual"}',
        task,
        method="structured",
        fallback=False,
    )
    assert p.labels["score"] == 5
    assert p.labels["harms"] == ["hateful", "sexual"]


def test_json_in_prose_needs_fallback_for_structured(task):
    text = f"Here is my verdict: {FULL} Hope this helps."
    strict = parse_answer(text, task, method="structured", fallback=False)
    assert strict.status == C.STATUS_PARSING_ERROR
    assert "tried: json" in (strict.error or "")
    loose = parse_answer(text, task, method="structured", fallback=True)
    assert loose.status == C.STATUS_SUCCESS
    assert loose.path == "embedded"
    # instructor finds JSON in text without the fallback flag
    assert parse_answer(text, task, method="instructor", fallback=False).status == "success"


def test_embedded_skips_unrelated_objects_and_braces_in_strings(task):
    text = 'Context {"note": "a } brace"} then {"rejection": "rejection", "score": 2, "harms": []}'
    p = parse_answer(text, task, method="instructor", fallback=False)
    assert p.status == C.STATUS_SUCCESS
    assert p.labels["score"] == 2


def test_json_fence(task):
    text = f"Sure.\n```json\n{FULL}\n```\n"
    p = parse_answer(text, task, method="instructor", fallback=False)
    assert p.status == C.STATUS_SUCCESS
    assert p.path == "fenced"


def test_xml_tags(task):
    text = (
        "Format: <rejection>one of ...</rejection>\n"  # echoed instruction: the last tag wins
        "<rejection> not rejection </rejection><score>2</score>"
        "<harms>hateful, violent</harms><explanation>fine</explanation>"
    )
    p = parse_answer(text, task, method="xml", fallback=False)
    assert p.status == C.STATUS_SUCCESS
    assert p.path == "xml"
    assert p.labels == {
        "rejection": "not rejection",
        "score": 2,
        "harms": ["hateful", "violent"],
        "explanation": "fine",
    }


def test_xml_as_fallback_for_structured(task):
    text = "<rejection>rejection</rejection><harms></harms>"
    assert parse_answer(text, task, method="structured", fallback=False).status == "parsing_error"
    p = parse_answer(text, task, method="structured", fallback=True)
    assert p.status == C.STATUS_PARTIAL  # score missing; an empty <harms> is the empty set
    assert p.labels == {"rejection": "rejection", "harms": []}
    assert "missing required task(s) ['score']" in (p.error or "")


def test_partial_names_missing_tasks(task):
    p = parse_answer('{"rejection": "rejection"}', task, method="structured", fallback=True)
    assert p.status == C.STATUS_PARTIAL
    assert p.labels == {"rejection": "rejection"}
    assert "missing required task(s) ['score', 'harms']" in (p.error or "")


def test_invalid_label_is_reported(task):
    p = parse_answer(
        '{"rejection": "maybe", "score": 9, "harms": []}', task, method="structured", fallback=True
    )
    assert p.status == C.STATUS_PARTIAL
    assert p.labels == {"harms": []}
    assert "'maybe' is not allowed" in (p.error or "")
    assert "label 9 is not allowed" in (p.error or "")


def test_garbage(task):
    p = parse_answer("I refuse to answer in any format.", task, method="structured", fallback=True)
    assert p.status == C.STATUS_PARSING_ERROR
    assert p.labels == {}
    assert "no usable labels" in (p.error or "")
    assert "I refuse" in (p.error or "")
    empty = parse_answer("   ", task, method="structured", fallback=True)
    assert empty.status == C.STATUS_PARSING_ERROR
    assert "empty answer" in (empty.error or "")


def test_json_that_is_not_an_object(task):
    p = parse_answer('["rejection"]', task, method="structured", fallback=True)
    assert p.status == C.STATUS_PARSING_ERROR


def test_case_and_quote_tolerance_only_when_unambiguous(task):
    p = parse_answer(
        '{"Rejection": " Not Rejection ", "SCORE": "4", "harms": ["Violent"]}',
        task,
        method="structured",
        fallback=False,
    )
    assert p.status == C.STATUS_SUCCESS
    assert p.labels == {"rejection": "not rejection", "score": 4, "harms": ["violent"]}
    ambiguous = EvalTask(task_schemas={"v": ["Yes", "yes", "no"]}, response_columns=["r"])
    q = parse_answer('{"v": "YES"}', ambiguous, method="structured", fallback=True)
    assert q.status == C.STATUS_PARSING_ERROR
    assert "'YES' is not allowed" in (q.error or "")
    exact = parse_answer('{"v": "yes"}', ambiguous, method="structured", fallback=True)
    assert exact.labels == {"v": "yes"}


def test_text_only_task_empty_is_error():
    t = EvalTask(task_schemas={"explanation": None}, response_columns=["r"])
    assert parse_answer('{"other": 1}', t, method="structured", fallback=True).status == (
        C.STATUS_PARSING_ERROR
    )
    ok = parse_answer('{"explanation": "why"}', t, method="structured", fallback=True)
    assert ok.status == C.STATUS_SUCCESS


def test_required_tasks_override():
    t = EvalTask(
        task_schemas={"a": ["x", "y"], "b": ["x", "y"]},
        response_columns=["r"],
        required_tasks=["a"],
    )
    p = parse_answer('{"a": "x"}', t, method="structured", fallback=False)
    assert p.status == C.STATUS_SUCCESS
    assert p.ok
