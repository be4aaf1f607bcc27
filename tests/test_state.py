"""state.json: shape (issue 6 item 8), the path trust boundary (item 1), loaded keys (item 2)."""

import json
import logging
import os
import re
import shutil

import polars as pl
import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.errors import JudgeConfigError, MetricConfigError, ProjectError

LABELS = ["yes", "no"]


def edit_state(path, change):
    state = json.loads((path / "state.json").read_text())
    change(state)
    (path / "state.json").write_text(json.dumps(state))


# ------------------------------------------------------------------ item 8: shape
@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("[]", r"\(top level\)"),
        ('"hello"', r"\(top level\)"),
        ('{"judges": 5}', "judges"),
        ('{"judges": [5]}', r"judges\[0\]"),
        ('{"judges": [{"model": "m"}]}', r"judges\[0\]\.id"),
        ('{"metrics": {"a": 1}}', "metrics"),
        ('{"task": [1, 2]}', "task"),
        ('{"data": "file.csv"}', "data"),
        ('{"data": {"name": "d", "file": 3, "format": "csv"}}', r"data\.file"),
        ('{"version": "one"}', "version"),
    ],
)
def test_wrong_shape_state_names_the_field(tmp_path, content, field):
    tmp_path.joinpath("state.json").write_text(content)
    with pytest.raises(ProjectError, match=rf"field '{field}' must be"):
        MetaEvaluator(tmp_path, load=True)


def test_invalid_task_object_is_a_project_error(tmp_path, make_project):
    make_project(tmp_path / "p")
    edit_state(tmp_path / "p", lambda s: s.update(task={"task_schemas": 5}))
    with pytest.raises(ProjectError, match="field 'task' is not a valid EvalTask"):
        MetaEvaluator(tmp_path / "p", load=True)


# ------------------------------------------------------------------ item 1: paths
@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "data.json").write_text('[{"original_id": "x", "prompt": "SECRET", "resp": "s"}]')
    (secret / "prompt.txt").write_text("SECRET {prompt}")
    return secret


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_data_file_outside_the_project_is_refused(tmp_path, outside, how, make_project):
    project = tmp_path / "p"
    make_project(project)
    if how == "absolute":
        raw = str(outside / "data.json")
    elif how == "dotdot":
        raw = "../../secret/data.json"
    else:
        (project / "data" / "link.json").symlink_to(outside / "data.json")
        raw = "link.json"
    edit_state(project, lambda s: s["data"].update(file=raw))
    with pytest.raises(ProjectError, match=r"data\.file points outside the project") as err:
        MetaEvaluator(project, load=True)
    assert repr(raw) in str(err.value)


def test_the_data_file_itself_a_symlink_to_outside_is_refused(tmp_path, outside, make_project):
    project = tmp_path / "p"
    make_project(project)
    data_file = project / "data" / json.loads((project / "state.json").read_text())["data"]["file"]
    data_file.unlink()
    data_file.symlink_to(outside / "data.json")
    with pytest.raises(ProjectError, match=r"data\.file points outside"):
        MetaEvaluator(project, load=True)


def test_prompt_file_outside_the_project_is_refused_and_nothing_is_read(
    tmp_path, outside, monkeypatch, make_project
):
    project = tmp_path / "p"
    make_project(project)

    def set_prompt(s):
        s["judges"][0].pop("prompt")
        s["judges"][0]["prompt_file"] = str(outside / "prompt.txt")

    edit_state(project, set_prompt)
    reads = []
    real = pl.read_json
    monkeypatch.setattr(pl, "read_json", lambda *a, **k: reads.append(a) or real(*a, **k))
    with pytest.raises(ProjectError, match=r"judges\[0\]\.prompt_file points outside the project"):
        MetaEvaluator(project, load=True)
    assert reads == []  # the data was not even read: the check runs first


def test_prompt_file_relative_to_the_cwd_is_not_looked_up(
    tmp_path, outside, monkeypatch, make_project
):
    project = tmp_path / "p"
    make_project(project)

    def set_prompt(s):
        s["judges"][0].pop("prompt")
        s["judges"][0]["prompt_file"] = "prompt.txt"  # exists in the cwd, not in the project

    edit_state(project, set_prompt)
    monkeypatch.chdir(outside)
    with pytest.raises(ProjectError, match="does not exist in the project"):
        MetaEvaluator(project, load=True)


def test_annotation_table_outside_the_project_is_refused(tmp_path, outside, make_project):
    project = tmp_path / "p"
    ev = make_project(project)
    ev.annotations.add(
        pl.DataFrame({"original_id": ["a"], "annotator_id": ["h1"], "verdict": ["yes"]})
    )
    ev.save_state()
    ann = project / "annotations" / "state.json"
    state = json.loads(ann.read_text())
    state["annotators"][0]["file"] = "../../secret/data.json"
    ann.write_text(json.dumps(state))
    with pytest.raises(ProjectError, match=r"annotators\[0\]\.file points outside the project"):
        MetaEvaluator(project, load=True)


def test_results_folder_symlinked_outside_is_refused(tmp_path, outside, make_project):
    project = tmp_path / "p"
    make_project(project)
    (project / "results").mkdir()
    (project / "results" / "j").symlink_to(outside)
    with pytest.raises(ProjectError, match="the results folder 'results/j' points outside"):
        MetaEvaluator(project, load=True)


def test_state_json_symlinked_outside_is_refused_and_never_copied_in(tmp_path, make_project):
    project = tmp_path / "p"
    ev = make_project(project)
    creds = tmp_path / "docker_config.json"
    creds.write_text('{"auths": {"registry": {"auth": "c2VjcmV0"}}}')
    (project / "state.json").unlink()
    (project / "state.json").symlink_to(creds)
    with pytest.raises(ProjectError, match=r"the project's state\.json points outside"):
        MetaEvaluator(project, load=True)
    ev.save_state()  # an open project saving over it: the outside file's keys are not merged in
    assert "c2VjcmV0" not in (project / "state.json").read_text()
    assert "c2VjcmV0" in creds.read_text()  # and the outside file is untouched


def test_managed_folder_symlinked_outside_is_refused(tmp_path, outside, make_project):
    project = tmp_path / "p"
    make_project(project)
    (project / "cache").symlink_to(outside)
    with pytest.raises(ProjectError, match="the project folder 'cache' points outside"):
        MetaEvaluator(project, load=True)


def test_prompt_file_given_in_code_is_copied_into_the_project(tmp_path, make_project):
    src = tmp_path / "elsewhere" / "my_prompt.txt"
    src.parent.mkdir()
    src.write_text("Judge this: {prompt} / {resp}")
    project = tmp_path / "p"
    make_project(project, prompt_file=src)
    stored = json.loads((project / "state.json").read_text())["judges"][0]["prompt_file"]
    assert re.fullmatch(r"prompts/j-[0-9a-f]{8}\.txt", stored)
    assert (project / stored).read_text() == src.read_text()
    shutil.rmtree(src.parent)  # the original is gone, the project moves: still self-contained
    moved = tmp_path / "moved"
    project.rename(moved)
    again = MetaEvaluator(moved, load=True)
    assert again.judges["j"].prompt_template() == "Judge this: {prompt} / {resp}"


def test_no_local_path_is_stored(tmp_path):
    from meta_evaluator.data import DataLoader

    src = tmp_path / "private" / "alice" / "data.csv"
    src.parent.mkdir(parents=True)
    pl.DataFrame({"qid": ["a"], "prompt": ["p"], "resp": ["r"]}).write_csv(src)
    pl.DataFrame({"original_id": ["a"], "verdict": ["yes"]}).write_csv(src.parent / "ext.csv")
    ev = MetaEvaluator(tmp_path / "p", load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"verdict": LABELS}, prompt_columns=["prompt"], response_columns=["resp"]
        )
    )
    ev.add_data(DataLoader.load_csv(name="d", file_path=src, id_column="qid"))
    ev.add_external_judge_results(src.parent / "ext.csv", judge_id="ext")
    ev.save_state()
    for f in (tmp_path / "p").rglob("*.json"):
        assert "alice" not in f.read_text(), f
    assert json.loads((tmp_path / "p" / "state.json").read_text())["data"]["source_file"] == (
        "data.csv"
    )


def test_prompt_file_from_yaml_is_copied_into_the_project(tmp_path, make_project):
    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "p.txt").write_text("{prompt}")
    (tmp_path / "defs" / "judges.yaml").write_text(
        "judges:\n  - id: y\n    llm_client: openai\n    model: m\n    prompt_file: p.txt\n"
    )
    ev = make_project(tmp_path / "p")
    ev.load_judges_from_yaml(tmp_path / "defs" / "judges.yaml")
    ev.save_state()
    judges = json.loads((tmp_path / "p" / "state.json").read_text())["judges"]
    stored = {j["id"]: j.get("prompt_file") for j in judges}
    assert stored["j"] is None and re.fullmatch(r"prompts/y-[0-9a-f]{8}\.txt", stored["y"])


def test_a_changed_prompt_file_never_overwrites_the_registered_copy(tmp_path, make_project):
    src = tmp_path / "p.txt"
    src.write_text("first {prompt}")
    ev = make_project(tmp_path / "p", prompt_file=src)
    first = ev.judges["j"].prompt_file
    ev.add_judge(judge_id="j", llm_client="openai", model="m", prompt_file=src, on_duplicate="skip")
    assert ev.judges["j"].prompt_file == first  # same content: same file
    src.write_text("second {prompt}")
    ev.add_judge(judge_id="j", llm_client="openai", model="m", prompt_file=src, on_duplicate="skip")
    assert ev.judges["j"].prompt_template() == "first {prompt}"  # the kept judge is intact
    ev.add_judge(
        judge_id="j", llm_client="openai", model="m", prompt_file=src, on_duplicate="overwrite"
    )
    assert ev.judges["j"].prompt_template() == "second {prompt}"
    assert ev.judges["j"].prompt_file != first


# ------------------------------------------------------------------ item 2: keys
@pytest.mark.parametrize("env", ["HOME", "PATH", "DATABASE_URL", "AWS_SECRET_ACCESS_KEY_X"])
def test_loaded_judge_with_a_non_key_variable_is_refused(tmp_path, env, make_project):
    make_project(tmp_path / "p")
    edit_state(tmp_path / "p", lambda s: s["judges"][0].update(api_key_env=env))
    with pytest.raises(JudgeConfigError, match=rf"api_key_env '{env}' does not look like"):
        MetaEvaluator(tmp_path / "p", load=True)


@pytest.mark.parametrize("env", ["OPENAI_API_KEY", "TEAM_LLM_KEY", "HF_TOKEN", "AWS_ACCESS_KEY_ID"])
def test_loaded_judge_with_a_key_variable_loads(tmp_path, env, make_project):
    make_project(tmp_path / "p")
    edit_state(tmp_path / "p", lambda s: s["judges"][0].update(api_key_env=env))
    assert MetaEvaluator(tmp_path / "p", load=True).judges["j"].api_key_env == env


def test_yaml_judge_with_a_non_key_variable_is_refused(tmp_path, make_project):
    (tmp_path / "judges.yaml").write_text(
        "judges:\n  - id: y\n    llm_client: openai\n    model: m\n    prompt: '{prompt}'\n"
        "    base_url: https://collector.example/v1\n    api_key_env: GITHUB_PAT\n"
    )
    ev = make_project(tmp_path / "p")
    with pytest.raises(JudgeConfigError, match=r"'GITHUB_PAT' does not look like.*collector"):
        ev.load_judges_from_yaml(tmp_path / "judges.yaml")
    assert "y" not in ev.judges


def test_yaml_judge_reading_env_through_extra_is_refused(tmp_path, make_project):
    (tmp_path / "judges.yaml").write_text(
        "judges:\n  - id: y\n    llm_client: gemini\n    model: gemini/x\n    prompt: '{prompt}'\n"
        "    extra: {api_key: os.environ/HOME}\n"
    )
    ev = make_project(tmp_path / "p")
    with pytest.raises(JudgeConfigError, match=r"extra parameter\(s\) \['api_key'\]"):
        ev.load_judges_from_yaml(tmp_path / "judges.yaml")


def test_a_judge_in_code_may_name_any_variable(tmp_path, make_project):
    ev = make_project(tmp_path / "p")
    ev.add_judge(judge_id="k", llm_client="openai", model="m", prompt="{prompt}", api_key_env="X")
    assert ev.judges["k"].api_key_env == "X"


def test_loaded_metric_scorer_with_a_non_key_variable_is_refused(tmp_path, make_project):
    from meta_evaluator.scores import MetricConfig, MetricsConfig
    from meta_evaluator.scores.metrics import AccuracyScorer

    ev = make_project(tmp_path / "p")
    ev.add_metrics_config(
        MetricsConfig(metrics=[MetricConfig(scorer=AccuracyScorer(), task_names=["verdict"])])
    )
    ev.save_state()
    edit_state(
        tmp_path / "p", lambda s: s["metrics"][0]["scorer"]["params"].update(api_key_env="HOME")
    )
    with pytest.raises(MetricConfigError, match=r"metrics\[0\]\.scorer\.params\.api_key_env"):
        MetaEvaluator(tmp_path / "p", load=True)


def test_first_run_of_a_loaded_project_logs_which_variable_goes_where(
    tmp_path, caplog, monkeypatch, make_project
):
    from meta_evaluator.testing import FakeLLMServer

    monkeypatch.setenv("ME_TEST_API_KEY", "sk-test")
    with FakeLLMServer(seed=1) as server:
        make_project(tmp_path / "p", base_url=server.base_url, api_key_env="ME_TEST_API_KEY")
        ev = MetaEvaluator(tmp_path / "p", load=True)
        host = server.base_url.split("//")[1].split("/")[0]
        with caplog.at_level(logging.INFO, logger="meta_evaluator"):
            ev.run_judges_async(progress=False)
            ev.run_judges_async(progress=False)
    lines = [r.getMessage() for r in caplog.records if "loaded from a file" in r.getMessage()]
    assert lines == [f"judge 'j' (loaded from a file) sends the key in $ME_TEST_API_KEY to {host}"]


# ------------------------------------------------------------------ item 3: umask
def test_project_files_keep_the_users_umask(tmp_path, monkeypatch, make_project):
    old = os.umask(0o027)
    try:
        ev = make_project(tmp_path / "p")
        ev.annotations.add(
            pl.DataFrame({"original_id": ["a"], "annotator_id": ["h1"], "verdict": ["yes"]})
        )
        ev.save_state(data_format="parquet")
    finally:
        os.umask(old)
    modes = {
        str(f.relative_to(tmp_path)): f.stat().st_mode & 0o777
        for f in (tmp_path / "p").rglob("*")
        if f.is_file() and not f.name.startswith(".")
    }
    assert len(modes) >= 4
    assert set(modes.values()) == {0o640}, modes


def test_cache_files_keep_the_users_umask(tmp_path):
    from meta_evaluator.judges._cache import ResponseCache
    from meta_evaluator.judges._clients import Completion

    old = os.umask(0o022)
    try:
        cache = ResponseCache(tmp_path)
        cache.put("ab" * 32, Completion(text="x"))
    finally:
        os.umask(old)
    (entry,) = [p for p in tmp_path.rglob("*.json")]
    assert entry.stat().st_mode & 0o777 == 0o644
