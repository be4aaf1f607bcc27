"""MetaEvaluator: the project directory end to end (no judge calls: external results only)."""

import asyncio
import json

import polars as pl
import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import DataLoader
from meta_evaluator.errors import (
    AnnotationError,
    ConfigError,
    JudgeConfigError,
    MetricConfigError,
    ProjectError,
)
from meta_evaluator.meta_evaluator import MetaEvaluator as MetaEvaluatorAlias
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.base_scoring_result import BaseScoringResult
from meta_evaluator.scores.metrics import AccuracyScorer, CohensKappaScorer, TextSimilarityScorer

LABELS = ["rejection", "not rejection"]


@pytest.fixture
def inputs(tmp_path):
    """20 samples, 3 sparse annotators, one external judge (labels chosen by a fixed rule)."""
    d = tmp_path / "inputs"
    d.mkdir()
    ids = [f"q{i}" for i in range(20)]
    pl.DataFrame(
        {"qid": ids, "prompt": [f"p{i}" for i in range(20)], "resp": [f"r{i}" for i in range(20)]}
    ).write_csv(d / "data.csv")
    truth = [LABELS[i % 2] for i in range(20)]
    for h, skip in (("h1", {0}), ("h2", {1, 2}), ("h3", set())):
        rows = [
            {
                "original_id": i,
                "rejection": (LABELS[(k + 1) % 2] if (h == "h3" and k < 3) else t),
                "explanation": f"because {t}",
            }
            for k, (i, t) in enumerate(zip(ids, truth, strict=True))
            if k not in skip
        ]
        pl.DataFrame(rows).write_csv(d / f"{h}.csv")
    judge = [LABELS[(k + 1) % 2] if k in (5, 6) else t for k, t in enumerate(truth)]
    pl.DataFrame(
        {"original_id": ids, "rejection": judge, "explanation": [f"since {t}" for t in judge]}
    ).write_csv(d / "judge.csv")
    return d


def task():
    return EvalTask(
        task_schemas={"rejection": LABELS, "explanation": None},
        prompt_columns=["prompt"],
        response_columns=["resp"],
    )


def build(project, inputs):
    ev = MetaEvaluator(project, load=False)
    ev.add_eval_task(task())
    ev.add_data(DataLoader.load_csv(name="d", file_path=inputs / "data.csv", id_column="qid"))
    for h in ("h1", "h2", "h3"):
        ev.add_external_annotation_results(inputs / f"{h}.csv", annotator_id=h)
    ev.add_external_judge_results(inputs / "judge.csv", judge_id="j1")
    ev.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
                MetricConfig(
                    scorer=CohensKappaScorer(),
                    task_names=["rejection"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                ),
                MetricConfig(
                    scorer=TextSimilarityScorer(),
                    task_names=["explanation"],
                    task_strategy="single",
                    annotator_aggregation="majority_vote",
                ),
            ]
        )
    )
    return ev


def test_alias_module():
    assert MetaEvaluatorAlias is MetaEvaluator


def test_load_false_on_nonempty_dir_is_an_error(tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(ProjectError, match=r"is not empty.*load=True"):
        MetaEvaluator(tmp_path, load=False)


def test_load_true_on_missing_dir_is_an_error(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        MetaEvaluator(tmp_path / "nope", load=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProjectError, match=r"has no state\.json"):
        MetaEvaluator(tmp_path / "empty", load=True)


def test_corrupt_state_is_a_clear_error(tmp_path):
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(ProjectError, match="corrupt"):
        MetaEvaluator(tmp_path, load=True)


def test_order_errors(tmp_path):
    ev = MetaEvaluator(tmp_path / "p", load=False)
    with pytest.raises(ConfigError, match="add_eval_task"):
        ev.add_external_annotation_results("x.csv", annotator_id="h")
    ev.add_eval_task(task())
    # annotations before add_data are accepted (checked when the data arrives, as the original
    # meta-evaluator allows): see tests/test_migration.py
    with pytest.raises(ConfigError, match="already has an eval task"):
        ev.add_eval_task(task())
    with pytest.raises(ConfigError, match="data_format"):
        ev.save_state(data_format="xml")


def test_unknown_task_in_metric_config_fails_before_work(tmp_path, inputs):
    ev = build(tmp_path / "p", inputs)
    bad = MetricsConfig(
        metrics=[MetricConfig(scorer=AccuracyScorer(), task_names=["nope"], task_strategy="single")]
    )
    with pytest.raises(MetricConfigError, match="nope"):
        ev.add_metrics_config(bad)


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
def test_save_load_round_trip(tmp_path, inputs, fmt):
    project = tmp_path / "p"
    ev = build(project, inputs)
    ev.save_state(data_format=fmt)
    again = MetaEvaluator(project, load=True)
    assert again.eval_task == ev.eval_task
    assert again.data.ids == ev.data.ids
    assert again.data.data.equals(ev.data.data)
    assert sorted(again.annotations.annotator_ids) == ["h1", "h2", "h3"]
    # sparse: h1 skipped 1 item, h2 skipped 2
    assert again.annotations.long_frame().height == 20 + 19 + 18
    assert [c.unique_name() for c in again.metrics_configs] == [
        c.unique_name() for c in ev.metrics_configs
    ]
    assert list(again.load_all_judge_results()) == ["j1"]
    state = json.loads((project / "state.json").read_text())
    assert state["data"]["format"] == fmt


def test_compare_end_to_end(tmp_path, inputs):
    project = tmp_path / "p"
    ev = build(project, inputs)
    ev.save_state()
    results = ev.compare_async()
    assert len(results) == 3 and all(isinstance(r, BaseScoringResult) for r in results)
    acc = next(r for r in results if r.scorer_name == "accuracy")
    # per human on shared items: h1 19 items, judge wrong on 5, 6 -> 17/19;
    # h2 18 items (5, 6 present) -> 16/18; h3: 20 items, h3 wrong on 0,1,2 and judge wrong on 5,6
    # -> agree on 15/20. Mean = (17/19 + 16/18 + 15/20) / 3.
    assert acc.scores["accuracy"] == pytest.approx((17 / 19 + 16 / 18 + 15 / 20) / 3, abs=1e-12)
    # layout: scores/<scorer>/<scorer>_<N>tasks_<hash8>_<label>/<judge>_result.json
    files = sorted(
        p.relative_to(project / "scores").as_posix()
        for p in (project / "scores").glob("*/*/*_result.json")
    )
    assert len(files) == 3
    for f in files:
        scorer, config, name = f.split("/")
        assert config.startswith(f"{scorer}_1tasks_") and name == "j1_result.json"
    assert (project / "scores" / "score_report.html").is_file()
    assert (project / "scores" / "score_report.csv").is_file()
    saved = BaseScoringResult.load_state(project / "scores" / files[0])
    assert saved.judge_id == "j1"
    # a reopened project rebuilds the report from the saved scores
    again = MetaEvaluator(project, load=True)
    assert again.score_report.to_frame().height == 1


async def test_compare_inside_running_loop(tmp_path, inputs):
    ev = build(tmp_path / "p", inputs)
    results = ev.compare_async()  # blocking call made from inside a running event loop
    assert len(results) == 3
    assert asyncio.get_running_loop() is not None


def test_bad_annotation_keeps_project_intact(tmp_path, inputs):
    ev = build(tmp_path / "p", inputs)
    bad = inputs / "bad.csv"
    pl.DataFrame({"original_id": ["q1"], "rejection": ["maybe"]}).write_csv(bad)
    with pytest.raises(AnnotationError, match="maybe"):
        ev.add_external_annotation_results(bad, annotator_id="h9")
    assert "h9" not in ev.annotations.annotator_ids
    assert sorted(ev.annotations.annotator_ids) == ["h1", "h2", "h3"]


def test_external_judge_results_duplicate_is_an_error(tmp_path, inputs):
    ev = build(tmp_path / "p", inputs)
    with pytest.raises(ProjectError, match="overwrite=True"):
        ev.add_external_judge_results(inputs / "judge.csv", judge_id="j1")
    ev.add_external_judge_results(inputs / "judge.csv", judge_id="j1", overwrite=True)


def test_compare_without_humans_is_a_clear_error(tmp_path, inputs):
    ev = MetaEvaluator(tmp_path / "p", load=False)
    ev.add_eval_task(task())
    ev.add_data(DataLoader.load_csv(name="d", file_path=inputs / "data.csv", id_column="qid"))
    ev.add_external_judge_results(inputs / "judge.csv", judge_id="j1")
    with pytest.raises(ConfigError, match="No metrics configured"):
        ev.compare_async()
    ev.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(), task_names=["rejection"], task_strategy="single"
                )
            ]
        )
    )
    with pytest.raises(ConfigError, match="No human annotations"):
        ev.compare_async()


def test_judges_run_resume_and_score_through_the_project(tmp_path, inputs, monkeypatch):
    """add_judge -> run (fake OpenAI server) -> reopen -> re-run makes no call -> compare."""
    from meta_evaluator.testing import FakeLLMServer

    monkeypatch.setenv("ME_TEST_KEY", "sk-test-0000")
    project = tmp_path / "p"
    with FakeLLMServer(seed=1) as server:
        ev = build(project, inputs)
        ev.add_judge(
            judge_id="fake_gpt",
            llm_client="openai",
            model="gpt-fake",
            prompt="Prompt: {prompt}\nResponse: {llm_response}\nIs this a rejection?",
            base_url=server.base_url,
            api_key_env="ME_TEST_KEY",
            max_concurrency=4,
        )
        results = ev.run_judges_async()
        assert set(results) == {"fake_gpt"}
        first = results["fake_gpt"].results_data
        assert first.height == 20 and set(first["status"]) == {"success"}
        calls = len(server.request_log)
        assert calls == 20

        again = MetaEvaluator(project, load=True)
        assert again.judges["fake_gpt"].base_url == server.base_url
        again.run_judges_async(skip_duplicates=True)
        assert len(server.request_log) == calls  # resumed: nothing re-queried
    state = json.loads((project / "state.json").read_text())
    for f in project.rglob("*"):  # the key itself is never written anywhere in the project
        if f.is_file():
            assert b"sk-test-0000" not in f.read_bytes(), f
    assert state["judges"][0]["api_key_env"] == "ME_TEST_KEY"
    res = again.compare_async()
    assert {r.judge_id for r in res} == {"j1", "fake_gpt"}
    # the run summary says why the cost is unknown instead of a bare dash
    html = (project / "scores" / "score_report.html").read_text()
    assert "no price for model &#x27;gpt-fake&#x27;" in html


def test_label_studio_and_argilla_exports_through_the_project(tmp_path, inputs):
    ev = MetaEvaluator(tmp_path / "p", load=False)
    ev.add_eval_task(task())
    ev.add_data(DataLoader.load_csv(name="d", file_path=inputs / "data.csv", id_column="qid"))
    ls = [
        {
            "id": k,
            "data": {"original_id": f"q{k}", "text": "..."},
            "annotations": [
                {
                    "completed_by": {"id": 1, "email": "ann@example.org"},
                    "was_cancelled": False,
                    "result": [
                        {
                            "from_name": "refusal",
                            "type": "choices",
                            "value": {"choices": [LABELS[k % 2]]},
                        },
                    ],
                }
            ],
        }
        for k in range(5)
    ]
    (tmp_path / "ls.json").write_text(json.dumps(ls))
    ev.add_label_studio_annotations(tmp_path / "ls.json", field_map={"refusal": "rejection"})
    argilla = [
        {
            "external_id": f"q{k}",
            "fields": {"text": "..."},
            "responses": [
                {
                    "user_id": "u-7",
                    "status": "submitted",
                    "values": {"rejection": {"value": LABELS[(k + 1) % 2]}},
                },
                {
                    "user_id": "u-8",
                    "status": "draft",
                    "values": {"rejection": {"value": LABELS[k % 2]}},
                },
            ],
        }
        for k in range(4)
    ]
    (tmp_path / "argilla.json").write_text(json.dumps(argilla))
    ev.add_argilla_annotations(tmp_path / "argilla.json")
    assert ev.annotations.annotator_ids == ["ann@example.org", "u-7"]  # the draft is left out
    long = ev.load_all_human_annotations()
    assert long.height == 5 + 4
    ev.save_state()
    again = MetaEvaluator(tmp_path / "p", load=True)
    assert again.annotations.annotator_ids == ["ann@example.org", "u-7"]


def _yaml(path, model, temperature=0):
    path.write_text(
        "judges:\n"
        f"  - {{id: j1, llm_client: openai, model: {model}, prompt: 'x {{prompt}}',"
        f" temperature: {temperature}}}\n"
        "  - {id: j2, llm_client: openai, model: m2, prompt: 'y {prompt}'}\n"
    )
    return path


def test_yaml_changed_definition_is_an_error_naming_the_fields(tmp_path, caplog):
    ev = MetaEvaluator(tmp_path / "p", load=False)
    first = _yaml(tmp_path / "a.yaml", "gpt-4o-mini")
    assert ev.load_judges_from_yaml(first) == ["j1", "j2"]
    assert ev.load_judges_from_yaml(first) == ["j1", "j2"]  # identical: a no-op
    changed = _yaml(tmp_path / "b.yaml", "gpt-4o", temperature=0.5)
    with pytest.raises(
        JudgeConfigError,
        match=r"Judge 'j1' in '.*b\.yaml' is already registered with a different definition: "
        r"model: 'gpt-4o-mini' -> 'gpt-4o', temperature: 0\.0 -> 0\.5\. Pass "
        r"on_duplicate='replace'",
    ):
        ev.load_judges_from_yaml(changed)
    assert ev.judges["j1"].model == "gpt-4o-mini"  # nothing registered
    with caplog.at_level("WARNING", logger="meta_evaluator.judges"):
        ev.load_judges_from_yaml(changed, on_duplicate="skip")  # the seed's call still works
    assert ev.judges["j1"].model == "gpt-4o-mini"
    warning = next(r for r in caplog.records if r.levelname == "WARNING").getMessage()
    assert "model: 'gpt-4o-mini' -> 'gpt-4o'" in warning and "on_duplicate='skip'" in warning
    ev.load_judges_from_yaml(changed, on_duplicate="replace")
    assert ev.judges["j1"].model == "gpt-4o"
    ev.load_judges_from_yaml(first, on_duplicate="overwrite")  # add_judge's word, kept
    assert ev.judges["j1"].model == "gpt-4o-mini"


def test_edited_prompt_file_counts_as_a_change(tmp_path):
    ev = MetaEvaluator(tmp_path / "p", load=False)
    prompt = tmp_path / "p1.txt"
    prompt.write_text("Rate {prompt}")
    ev.add_judge("j", "openai", "m", prompt_file=prompt)
    ev.add_judge("j", "openai", "m", prompt_file=prompt)  # identical: no error
    other = tmp_path / "p2.txt"
    other.write_text("Judge {prompt}")
    # prompt files are copied into the project, named by content: the copies differ
    with pytest.raises(
        JudgeConfigError,
        match=r"prompt_file: 'prompts/j-[0-9a-f]{8}\.txt' -> 'prompts/j-[0-9a-f]{8}\.txt'",
    ):
        ev.add_judge("j", "openai", "m", prompt_file=other)
    with pytest.raises(JudgeConfigError, match=r"'on_duplicate' parameter must be one of"):
        ev.add_judge("j", "openai", "m", prompt_file=other, on_duplicate="keep")
