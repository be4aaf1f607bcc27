"""The id rule (meta_evaluator._ids): validation and injective file names."""

from __future__ import annotations

import json

import polars as pl
import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator._ids import MAX_ID_LENGTH, id_path, id_to_filename, legacy_filename, validate_id
from meta_evaluator.annotations import AnnotationStore
from meta_evaluator.data import DataLoader
from meta_evaluator.errors import ConfigError, JudgeConfigError
from meta_evaluator.judges import JudgeSpec, load_judge_specs

TASK = EvalTask(task_schemas={"rejection": ["yes", "no"]}, response_columns=["r"])


def one(annotator: str) -> pl.DataFrame:
    return pl.DataFrame({"original_id": ["1"], "annotator_id": [annotator], "rejection": ["yes"]})


def test_file_names_are_injective_including_the_old_collision():
    assert legacy_filename("a/b") == "a_b-3ec69c85"
    ids = ["a/b", "a_b-3ec69c85", "a_b", "A_b", "alice", "Alice", "ALICE"]
    names = [id_to_filename(i) for i in ids]
    assert len(set(names)) == len(ids)
    assert len({n.lower() for n in names}) == len(ids)  # case-insensitive file systems too
    assert id_to_filename("h1") == "h1"  # plain ids stay readable
    long = id_to_filename("x" * MAX_ID_LENGTH)
    assert len(long) < 80


def test_annotators_a_slash_b_and_its_old_slug_never_share_a_file(tmp_path):
    clash = legacy_filename("a/b")  # 'a_b-3ec69c85': today both go to the same file
    assert clash == "a_b-3ec69c85"
    store = AnnotationStore(TASK)
    store.add(one("a/b"))
    store.add(pl.DataFrame({"original_id": ["1"], "annotator_id": [clash], "rejection": ["no"]}))
    store.save(tmp_path)
    back = AnnotationStore.load(tmp_path, TASK)
    assert back.human_data("rejection").sort("human_id").rows() == [
        ("1", "a/b", "yes"),
        ("1", clash, "no"),
    ]
    # the id lives inside the file too
    for entry in json.loads((tmp_path / "state.json").read_text())["annotators"]:
        inside = pl.read_parquet(tmp_path / entry["file"])["annotator_id"].unique().to_list()
        assert inside == [entry["annotator_id"]]


def test_old_store_naming_still_loads_and_is_renamed_on_save(tmp_path):
    store = AnnotationStore(TASK)
    store.add(one("a/b"))
    store.save(tmp_path)
    # rewrite as an older version would have: legacy file name in state.json
    state = json.loads((tmp_path / "state.json").read_text())
    new_file = state["annotators"][0]["file"]
    old_file = f"{legacy_filename('a/b')}.parquet"
    (tmp_path / new_file).rename(tmp_path / old_file)
    state["annotators"][0]["file"] = old_file
    (tmp_path / "state.json").write_text(json.dumps(state))
    back = AnnotationStore.load(tmp_path, TASK)
    assert back.annotator_ids == ["a/b"]
    back.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["state.json", new_file])


def project(tmp_path):
    """A one-sample project and the folder of its input files (``h.csv``: one label)."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "data.csv").write_text("id,r\n1,x\n")
    (d / "h.csv").write_text("original_id,rejection\n1,yes\n")
    ev = MetaEvaluator(tmp_path / "p", load=False)
    ev.add_eval_task(TASK)
    ev.add_data(DataLoader.load_csv(name="d", file_path=d / "data.csv", id_column="id"))
    return ev, d


def test_long_annotator_id_fails_before_any_state_change(tmp_path):
    ev, d = project(tmp_path)
    ev.add_external_annotation_results(d / "h.csv", annotator_id="h1")
    before = sorted(p.name for p in ev.annotations_dir.iterdir())
    with pytest.raises(ConfigError, match=r"is 240 characters long; the limit is 128"):
        ev.add_external_annotation_results(d / "h.csv", annotator_id="a" * 240)
    assert sorted(p.name for p in ev.annotations_dir.iterdir()) == before
    assert ev.annotations.annotator_ids == ["h1"]
    ev.add_external_annotation_results(d / "h.csv", annotator_id="h2")  # later adds still work
    (d / "long.csv").write_text(f"original_id,annotator_id,rejection\n1,{'b' * 240},yes\n")
    with pytest.raises(ConfigError, match=r"annotator id 'b+'\.\.\. is 240 characters"):
        ev.add_annotations_long_format(d / "long.csv")
    with pytest.raises(ConfigError, match=r"control character"):
        ev.add_external_annotation_results(d / "h.csv", annotator_id="h\n3")
    assert ev.annotations.annotator_ids == ["h1", "h2"]


@pytest.mark.parametrize("bad", ["j\n", "j\t", "a/b", "..", "x" * 200, "", " j"])
def test_bad_judge_ids_refused_everywhere(tmp_path, bad):
    with pytest.raises(JudgeConfigError, match=r"judge id"):
        validate_id("judge", bad)
    with pytest.raises(JudgeConfigError, match=r"judge id"):
        JudgeSpec.create(id=bad, llm_client="openai", model="m", prompt="{r}")
    yml = tmp_path / "j.yaml"
    entry = {"id": bad, "llm_client": "openai", "model": "m", "prompt": "{r}"}
    yml.write_text(json.dumps({"judges": [entry]}))
    with pytest.raises(JudgeConfigError, match=r"judge id"):
        load_judge_specs(yml)
    ev, d = project(tmp_path)
    with pytest.raises(JudgeConfigError, match=r"judge id"):
        ev.add_external_judge_results(d / "h.csv", judge_id=bad)
    with pytest.raises(JudgeConfigError, match=r"judge id"):
        ev.add_judge(bad, "openai", "m", prompt="{r}")
    assert not ev.results_dir.exists() or not any(ev.results_dir.iterdir())


def test_judge_folder_falls_back_to_the_old_name(tmp_path):
    (tmp_path / "GPT4").mkdir()
    assert id_path(tmp_path, "GPT4", legacy="GPT4") == tmp_path / "GPT4"
    assert id_path(tmp_path, "Other", legacy="Other") == tmp_path / id_to_filename("Other")
    assert id_path(tmp_path, "gpt4o") == tmp_path / "gpt4o"
