import pytest

from meta_evaluator import columns as C
from meta_evaluator.errors import AnnotationError, TaskSchemaError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema


def make(**schemas):
    return EvalTask(task_schemas=schemas, prompt_columns=["prompt"], response_columns=["resp"])


def test_kinds_and_labels():
    task = make(cat=["b", "a"], num=[1, 2, 3], text=None, ml=MultiLabelSchema(outcomes=["x", "y"]))
    assert [task.task_kind(t) for t in task.task_names] == [
        "categorical",
        "numeric",
        "text",
        "multilabel",
    ]
    assert task.allowed_labels("cat") == ["b", "a"]  # schema order kept (ordinal order)
    assert task.allowed_labels("text") is None
    assert task.effective_required_tasks == ["cat", "num", "ml"]
    assert task.data_columns == ["prompt", "resp"]


@pytest.mark.parametrize(
    ("schemas", "match"),
    [
        ({"t": []}, "empty label list"),
        ({"t": ["a", "a"]}, "more than once"),
        ({"t": ["a", 1]}, "mixes label types"),
        ({"t": "abc"}, "has schema 'abc'"),
        ({}, "non-empty dict"),
    ],
)
def test_schema_errors(schemas, match):
    with pytest.raises(TaskSchemaError, match=match):
        EvalTask(task_schemas=schemas, response_columns=["r"])


def test_multilabel_schema_errors():
    with pytest.raises(TaskSchemaError, match="empty"):
        MultiLabelSchema(outcomes=[])
    with pytest.raises(TaskSchemaError, match="duplicate outcomes"):
        MultiLabelSchema(outcomes=["a", "a"])


def test_column_errors():
    with pytest.raises(TaskSchemaError, match="no prompt_columns and no response_columns"):
        EvalTask(task_schemas={"t": ["a"]}, response_columns=[])
    with pytest.raises(TaskSchemaError, match="more than once"):
        EvalTask(task_schemas={"t": ["a"]}, prompt_columns=["x"], response_columns=["x"])
    with pytest.raises(TaskSchemaError, match="unknown task"):
        EvalTask(task_schemas={"t": ["a"]}, response_columns=["x"], required_tasks=["nope"])


def test_validate_label_normalises():
    task = make(cat=["0", "1"], num=[1, 2, 3], text=None, ml=MultiLabelSchema(outcomes=["x", "y"]))
    assert task.validate_label("cat", 1) == "1"
    assert task.validate_label("cat", 1.0) == "1"
    assert task.validate_label("num", "2") == 2
    assert task.validate_label("num", 3.0) == 3
    assert task.validate_label("text", 5) == "5"
    assert task.validate_label("ml", "y|x") == ["x", "y"]
    assert task.validate_label("ml", '["y"]') == ["y"]
    assert task.validate_label("ml", "") is None  # blank = not labelled; "[]" = no outcome
    assert task.validate_label("cat", None) is None
    assert task.validate_label("num", float("nan")) is None


def test_validate_label_errors_name_the_place():
    task = make(cat=["Yes", "No"], num=[1, 2, 3], ml=MultiLabelSchema(outcomes=["x"]))
    with pytest.raises(
        AnnotationError, match=r"f\.csv row 3: task 'cat': label 'yes'.*'Yes', 'No'"
    ):
        task.validate_label("cat", "yes", where="f.csv row 3")  # case-sensitive
    with pytest.raises(AnnotationError, match="not on the rating scale"):
        task.validate_label("num", 7)
    with pytest.raises(AnnotationError, match=r"outcome\(s\) \['z'\]"):
        task.validate_label("ml", ["x", "z"])
    with pytest.raises(TaskSchemaError, match="Unknown task 'nope'"):
        task.validate_label("nope", "x")


def test_round_trip_through_json():
    task = make(cat=["a", "b"], num=[1, 2.5], text=None, ml=MultiLabelSchema(outcomes=["x", "y"]))
    again = EvalTask.model_validate(task.model_dump(mode="json"))
    assert again == task
    assert again.task_kind("ml") == "multilabel"


def test_output_json_schema():
    task = make(cat=["a", "b"], num=[1, 2], text=None, ml=MultiLabelSchema(outcomes=["x"]))
    schema = task.output_json_schema()
    assert schema["required"] == ["cat", "num", "text", "ml"]
    assert schema["properties"]["cat"] == {"type": "string", "enum": ["a", "b"]}
    assert schema["properties"]["ml"]["items"]["enum"] == ["x"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", C.RESERVED)
def test_task_named_like_a_results_column_is_refused(name):
    with pytest.raises(TaskSchemaError, match=rf"task name '{name}' is reserved"):
        make(**{name: ["a", "b"]})


def test_schema_labels_are_stripped_like_incoming_labels():
    task = make(t=["Yes ", " No"], ml=MultiLabelSchema(outcomes=[" a", "b "]))
    assert task.allowed_labels("t") == ["Yes", "No"]
    assert task.allowed_labels("ml") == ["a", "b"]
    assert task.validate_label("t", "Yes ") == "Yes"  # a Label Studio export of "Yes "
    assert task.validate_label("t", " No\n") == "No"
    assert task.validate_label("ml", [" b", "a "]) == ["a", "b"]
    assert task.output_json_schema()["properties"]["t"]["enum"] == ["Yes", "No"]


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (["yes ", "yes"], r"same once surrounding whitespace is removed: \[\['yes ', 'yes'\]\]"),
        (["yes", "  "], r"blank label\(s\) \['  '\]"),
        (["", "no"], r"blank label\(s\) \[''\]"),
    ],
)
def test_labels_blank_or_colliding_after_stripping_are_refused(labels, match):
    with pytest.raises(TaskSchemaError, match=match):
        make(t=labels)
    with pytest.raises(TaskSchemaError, match=match):
        MultiLabelSchema(outcomes=labels)


def test_multilabel_blank_is_unlabelled_and_empty_list_is_no_outcome():
    task = make(ml=MultiLabelSchema(outcomes=["x", "y"]))
    assert task.validate_label("ml", "") is None
    assert task.validate_label("ml", "   ") is None
    assert task.validate_label("ml", "[]") == []
    assert task.validate_label("ml", []) == []
    assert task.validate_label("ml", "y|x") == ["x", "y"]
    assert task.validate_label("ml", '["y", "x"]') == ["x", "y"]
    assert task.validate_label("ml", " y | x ") == ["x", "y"]
