"""Lost or corrupt results tables (issue 6 item 8): rebuilt from the journal, else a clear error;
a judge whose results vanished is never silently dropped from scoring nor left in the report."""

import json
import logging
import shutil

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.data import EvalData
from meta_evaluator.errors import ConfigError, ProjectError
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.metrics import AccuracyScorer
from meta_evaluator.testing import FakeLLMServer

IDS = [f"q{i}" for i in range(12)]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with a run judge ('run', fake server) and an external judge ('ext')."""
    monkeypatch.setenv("ME_REC_API_KEY", "sk-rec")
    path = tmp_path / "p"
    ev = MetaEvaluator(path, load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"verdict": ["yes", "no"]},
            prompt_columns=["prompt"],
            response_columns=["resp"],
        )
    )
    frame = pl.DataFrame({"qid": IDS, "prompt": IDS, "resp": IDS})
    ev.add_data(EvalData.from_frame("d", frame, id_column="qid"))
    ext = tmp_path / "ext.csv"
    pl.DataFrame({"original_id": IDS, "verdict": ["yes", "no"] * 6}).write_csv(ext)
    ev.add_external_judge_results(ext, judge_id="ext")
    ev.add_external_annotation_results(ext, annotator_id="h1")
    ev.add_metrics_config(
        MetricsConfig(metrics=[MetricConfig(scorer=AccuracyScorer(), task_names=["verdict"])])
    )
    with FakeLLMServer(seed=2, answer=lambda p, s: json.dumps({"verdict": "yes"})) as server:
        ev.add_judge(
            judge_id="run",
            llm_client="openai",
            model="m",
            prompt="{prompt}",
            base_url=server.base_url,
            api_key_env="ME_REC_API_KEY",
        )
        ev.run_judges_async(progress=False)
        calls = len(server.request_log)
    assert calls == len(IDS)
    ev.compare_async()
    return path


@pytest.mark.parametrize("damage", ["delete", "corrupt", "state"])
def test_damaged_results_table_is_rebuilt_from_the_journal(project, caplog, damage):
    before = MetaEvaluator(project, load=True).load_all_judge_results()["run"].results_data
    table = project / "results" / "run" / "results.parquet"
    if damage == "delete":
        table.unlink()
    elif damage == "corrupt":
        table.write_bytes(b"PAR1 not really parquet")
    else:
        (project / "results" / "run" / "state.json").write_text("[]")
    ev = MetaEvaluator(project, load=True)
    with caplog.at_level(logging.WARNING, logger="meta_evaluator"):
        after = ev.load_all_judge_results()["run"]
    assert_frame_equal(after.results_data, before)
    assert after.model == "m"
    assert any("results rebuilt from" in r.getMessage() for r in caplog.records)
    assert table.is_file()  # saved back: the next load reads it without a warning
    assert {r.judge_id for r in ev.compare_async()} == {"run", "ext"}


def test_damaged_results_without_a_journal_name_the_file(project):
    (project / "results" / "ext" / "results.parquet").unlink()
    ev = MetaEvaluator(project, load=True)
    with pytest.raises(ProjectError, match=r"results/ext/results\.parquet' is missing"):
        ev.compare_async()
    with pytest.raises(ProjectError, match="no journal to rebuild them from"):
        ev.load_all_judge_results()


def test_corrupt_external_results_name_the_folder(project):
    (project / "results" / "ext" / "results.parquet").write_bytes(b"garbage")
    with pytest.raises(ProjectError, match=r"results/ext'.*no journal"):
        MetaEvaluator(project, load=True).compare_async()


def test_unfinished_run_is_reported_not_silently_dropped(project, caplog):
    shutil.rmtree(project / "results" / "ext")
    run = project / "results" / "run"
    (run / "results.parquet").unlink()
    (run / "state.json").unlink()  # as after a kill during the first run: journal only
    ev = MetaEvaluator(project, load=True)
    with (
        caplog.at_level(logging.WARNING, logger="meta_evaluator"),
        pytest.raises(ConfigError, match="No judge results to score"),
    ):
        ev.compare_async()
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "'run'" in text and "unfinished run, 12 row(s) journaled" in text


def test_vanished_judge_is_not_left_stale_in_the_report(project, caplog):
    saved = MetaEvaluator(project, load=True).score_report
    assert {r.judge_id for r in saved.results} == {"run", "ext"}
    shutil.rmtree(project / "results" / "ext")  # its score files are still in scores/
    assert list((project / "scores").rglob("ext_result.json"))
    with caplog.at_level(logging.WARNING, logger="meta_evaluator"):
        report = MetaEvaluator(project, load=True).score_report
    assert {r.judge_id for r in report.results} == {"run"}
    assert any("left out of the report" in r.getMessage() for r in caplog.records)
