"""Concurrent saves (issue 6 item 4): state.json and annotations merge, nothing is dropped."""

import polars as pl

from meta_evaluator import MetaEvaluator
from meta_evaluator._merge import merge_states


def labels(annotator, value="yes"):
    return pl.DataFrame(
        {"original_id": ["a", "b"], "annotator_id": [annotator] * 2, "verdict": [value, "no"]}
    )


def test_merge_keeps_the_other_process_judge_and_our_change():
    base = {"task": None, "data": None, "judges": [{"id": "a", "model": "m1"}], "metrics": []}
    ours = {"task": None, "data": None, "judges": [{"id": "a", "model": "m2"}], "metrics": []}
    disk = {
        "task": None,
        "data": {"file": "d.json"},
        "judges": [{"id": "a", "model": "m1"}, {"id": "b", "model": "x"}],
        "metrics": [{"name": "acc"}],
        "future_key": 1,
    }
    merged = merge_states(ours, base, disk)
    assert merged["judges"] == [{"id": "a", "model": "m2"}, {"id": "b", "model": "x"}]
    assert merged["data"] == {"file": "d.json"} and merged["metrics"] == [{"name": "acc"}]
    assert merged["future_key"] == 1


def test_merge_takes_the_disk_version_of_a_judge_we_did_not_change():
    base = {"judges": [{"id": "a", "model": "m1"}], "metrics": []}
    ours = {"judges": [{"id": "a", "model": "m1"}], "metrics": []}
    disk = {"judges": [{"id": "a", "model": "NEW"}], "metrics": []}
    assert merge_states(ours, base, disk)["judges"] == [{"id": "a", "model": "NEW"}]


def test_two_evaluators_adding_judges_keep_both(tmp_path, make_project):
    make_project(tmp_path / "p")
    one = MetaEvaluator(tmp_path / "p", load=True)
    two = MetaEvaluator(tmp_path / "p", load=True)
    one.add_judge(judge_id="one", llm_client="openai", model="m", prompt="{prompt}")
    two.add_judge(judge_id="two", llm_client="openai", model="m", prompt="{prompt}")
    one.save_state()
    two.save_state()
    assert set(two.judges) == {"j", "one", "two"}  # adopted in memory too
    assert set(MetaEvaluator(tmp_path / "p", load=True).judges) == {"j", "one", "two"}


def test_two_evaluators_importing_annotators_keep_both(tmp_path, make_project):
    make_project(tmp_path / "p")
    one = MetaEvaluator(tmp_path / "p", load=True)
    two = MetaEvaluator(tmp_path / "p", load=True)
    assert one.annotations.annotator_ids == two.annotations.annotator_ids == []  # both read
    labels("h1").write_csv(tmp_path / "h1.csv")
    labels("h2").write_csv(tmp_path / "h2.csv")
    one.add_external_annotation_results(tmp_path / "h1.csv", annotator_id="h1")
    two.add_external_annotation_results(tmp_path / "h2.csv", annotator_id="h2")
    one.save_state()
    assert one.annotations.annotator_ids == ["h1", "h2"]
    assert MetaEvaluator(tmp_path / "p", load=True).annotations.annotator_ids == ["h1", "h2"]


def test_reimported_annotator_replaces_the_untouched_copy_and_a_removal_sticks(
    tmp_path, make_project
):
    ev = make_project(tmp_path / "p")
    labels("h1").write_csv(tmp_path / "h1.csv")
    labels("h2").write_csv(tmp_path / "h2.csv")
    ev.add_external_annotation_results(tmp_path / "h1.csv", annotator_id="h1")
    ev.add_external_annotation_results(tmp_path / "h2.csv", annotator_id="h2")
    one = MetaEvaluator(tmp_path / "p", load=True)
    two = MetaEvaluator(tmp_path / "p", load=True)
    one.annotations.remove("h2")
    labels("h1", value="no").write_csv(tmp_path / "h1b.csv")
    two.add_external_annotation_results(tmp_path / "h1b.csv", annotator_id="h1", overwrite=True)
    one.save_state()  # h1 untouched here: the other process's new labels win; h2 stays removed
    back = MetaEvaluator(tmp_path / "p", load=True).annotations
    assert back.annotator_ids == ["h1"]
    assert back.human_data("verdict")["label"].to_list() == ["no", "no"]
