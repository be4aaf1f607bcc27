"""load_external_judge_results: statuses, validation shared with annotations, JudgeResults."""

from __future__ import annotations

import polars as pl
import pytest

from meta_evaluator import columns as C
from meta_evaluator.annotations import load_external_judge_results
from meta_evaluator.errors import AnnotationError, ColumnError, JudgeConfigError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.judges._results import JudgeResults

TASK = EvalTask(
    task_schemas={"rejection": ["rejection", "not rejection"], "score": [1, 2, 3], "why": None},
    response_columns=["llm_response"],
)


def write(tmp_path, text, name="judge.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_partial_rows(tmp_path):
    path = write(
        tmp_path,
        "original_id,rejection,score,why,model\n"
        "1,rejection,3,clear,gpt\n"  # all required tasks -> success
        "2,not rejection,,,gpt\n"  # score missing -> partial
        "3,,,because,gpt\n"  # both missing -> partial
        "4,rejection,1,,gpt\n",  # free text is not required -> success
    )
    res = load_external_judge_results(
        path, judge_id="ext", task=TASK, known_ids=["1", "2", "3", "4"]
    )
    assert isinstance(res, JudgeResults)
    assert res.judge_id == "ext" and res.source == "external"
    assert res.task_names == TASK.task_names
    data = res.results_data
    assert data[C.STATUS].to_list() == [
        C.STATUS_SUCCESS,
        C.STATUS_PARTIAL,
        C.STATUS_PARTIAL,
        C.STATUS_SUCCESS,
    ]
    assert data[C.ERROR_MESSAGE].to_list() == [
        None,
        "no label for required task(s): score",
        "no label for required task(s): rejection, score",
        None,
    ]
    assert "model" not in data.columns
    assert data["score"].dtype == pl.Int64
    assert res.status_counts() == {C.STATUS_SUCCESS: 2, C.STATUS_PARTIAL: 2}
    assert res.labels("rejection").rows() == [
        ("1", "rejection"),
        ("2", "not rejection"),
        ("4", "rejection"),
    ]


def test_required_tasks_option_and_text_only_task(tmp_path):
    task = TASK.model_copy(update={"required_tasks": ["rejection"]})
    path = write(tmp_path, "original_id,rejection,score\n1,rejection,\n")
    res = load_external_judge_results(path, judge_id="j", task=task)
    assert res.results_data[C.STATUS].to_list() == [C.STATUS_SUCCESS]

    text_task = EvalTask(task_schemas={"why": None}, response_columns=["r"])
    path = write(tmp_path, "original_id,why\n1,fine\n2,\n", name="t.csv")
    res = load_external_judge_results(path, judge_id="j", task=text_task)
    assert res.results_data[C.STATUS].to_list() == [C.STATUS_SUCCESS, C.STATUS_PARTIAL]
    assert res.results_data[C.ERROR_MESSAGE].to_list() == [None, "no label for any task"]


def test_same_validation_as_annotations(tmp_path):
    path = write(tmp_path, "original_id,rejection\n1,yes\n")
    with pytest.raises(
        AnnotationError,
        match=r"external judge results file .*\(judge 'j'\), task 'rejection'.*row 1 "
        r"\(judge 'j', original_id '1'\): 'yes'",
    ):
        load_external_judge_results(path, judge_id="j", task=TASK)
    path = write(tmp_path, "original_id,rejection\n1,rejection\n1,rejection\n")
    with pytest.raises(AnnotationError, match=r"judge 'j' labels original_id '1' more than once"):
        load_external_judge_results(path, judge_id="j", task=TASK)
    path = write(tmp_path, "original_id,rejection\n9,rejection\n")
    with pytest.raises(
        AnnotationError, match=r"1 original_id value\(s\) are not in the evaluation"
    ):
        load_external_judge_results(path, judge_id="j", task=TASK, known_ids=["1"])
    path = write(tmp_path, "id,rejection\n1,rejection\n")
    with pytest.raises(ColumnError, match="no id column 'original_id'"):
        load_external_judge_results(path, judge_id="j", task=TASK)
    with pytest.raises(JudgeConfigError, match="judge id ' ' is empty"):
        load_external_judge_results(path, judge_id=" ", task=TASK)


def test_custom_id_column_and_save_load(tmp_path):
    path = write(tmp_path, "sample,rejection,score\nA,rejection,2\n")
    res = load_external_judge_results(path, judge_id="j", task=TASK, id_column="sample")
    assert res.results_data[C.ORIGINAL_ID].to_list() == ["A"]
    res.save(tmp_path / "out")
    back = JudgeResults.load(tmp_path / "out")
    assert back.source == "external"
    assert back.results_data.equals(res.results_data, null_equal=True)
