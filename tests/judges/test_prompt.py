"""Prompt rendering, template checks and generated format instructions."""

from __future__ import annotations

import json

import pytest

from meta_evaluator.errors import JudgeConfigError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema
from meta_evaluator.judges._prompt import (
    build_messages,
    check_template,
    format_instructions,
    placeholders,
    render_prompt,
)


@pytest.fixture
def task() -> EvalTask:
    return EvalTask(
        task_schemas={"rejection": ["rejection", "not rejection"], "why": None},
        prompt_columns=["question"],
        response_columns=["answer", "answer2"],
    )


def test_aliases_map_to_first_columns(task):
    row = {"question": "Q?", "answer": "A!", "answer2": "B", "topic": "t"}
    out = render_prompt("{prompt}|{llm_response}|{answer2}|{topic}", row, task=task)
    assert out == "Q?|A!|B|t"


def test_real_column_wins_over_alias(task):
    row = {"question": "Q?", "answer": "A!", "answer2": "B", "prompt": "real"}
    assert render_prompt("{prompt}", row, task=task) == "real"


def test_literal_braces_and_json_left_alone():
    tpl = 'Use {{braces}} and {"json": 1} with {x}'
    assert placeholders(tpl) == ["x"]
    assert render_prompt(tpl, {"x": None}) == 'Use {braces} and {"json": 1} with '


def test_check_template_lists_available(task):
    cols = ["original_id", "question", "answer", "answer2"]
    assert check_template("{prompt} {llm_response} {answer2}", task, cols, "j") == [
        "question",
        "answer",
        "answer2",
    ]
    with pytest.raises(JudgeConfigError, match=r"judge 'j'.*\{rubric\}.*Available placeholders"):
        check_template("{llm_response} {rubric}", task, cols, "j")
    with pytest.raises(JudgeConfigError, match="empty"):
        check_template("  ", task, cols, "j")


def test_render_missing_column_raises():
    with pytest.raises(JudgeConfigError, match="no column 'nope'"):
        render_prompt("{nope}", {"a": 1})


def test_format_instructions_generated_from_schema():
    task = EvalTask(
        task_schemas={
            "rejection": ["rejection", "not rejection"],
            "score": [1, 2, 3],
            "harms": MultiLabelSchema(outcomes=["hateful", "violent"]),
            "why": None,
        },
        response_columns=["r"],
    )
    js = format_instructions(task, "structured")
    assert '- rejection: exactly one of "rejection", "not rejection"' in js
    assert "- score: exactly one number of 1, 2, 3" in js
    assert '- harms: a JSON list of zero or more of "hateful", "violent"' in js
    assert "- why: free text" in js
    schema = json.loads(js.split("JSON schema of the answer: ", 1)[1])
    assert schema == task.output_json_schema()
    assert format_instructions(task, "instructor") == js
    xml = format_instructions(task, "xml")
    assert '<rejection>...</rejection>: exactly one of "rejection", "not rejection"' in xml
    assert "values separated by '|'" in xml


def test_build_messages(task):
    msgs = build_messages(
        "Q: {prompt}\nA: {llm_response}",
        {"question": "q", "answer": "a", "answer2": "b"},
        task=task,
        method="xml",
    )
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert "<rejection>" in msgs[0]["content"]
    assert msgs[1]["content"] == "Q: q\nA: a"


def test_misspelt_placeholder_suggests_the_column():
    task = EvalTask(task_schemas={"t": ["a", "b"]}, response_columns=["llm_response"])
    with pytest.raises(JudgeConfigError, match=r"Did you mean \{llm_response\}\?"):
        check_template("{llm_respons}", task, ["original_id", "llm_response"], "j")
