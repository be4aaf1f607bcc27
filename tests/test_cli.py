"""The meta-evaluator command line on a small project (external judge, no model calls)."""

from pathlib import Path

import pytest

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.cli import main
from meta_evaluator.data import DataLoader
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.metrics import AccuracyScorer

INPUTS = Path(__file__).resolve().parents[1] / "projects" / "demo_rejection" / "inputs"


@pytest.fixture(autouse=True)
def _restore_client_log_levels():
    """main() sets the client libraries' log levels (process-wide): undo it after each test."""
    import logging

    from meta_evaluator.judges._progress import CLIENT_LOGGERS

    before = {n: logging.getLogger(n).level for n in CLIENT_LOGGERS}
    yield
    for n, level in before.items():
        logging.getLogger(n).setLevel(level)


@pytest.fixture
def project(tmp_path):
    ev = MetaEvaluator(tmp_path / "p", load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"rejection": ["rejection", "not rejection"], "explanation": None},
            prompt_columns=["prompt"],
            response_columns=["llm_response"],
        )
    )
    ev.add_data(DataLoader.load_csv("d", INPUTS / "data.csv", id_column="sample_id"))
    ev.add_external_annotation_results(INPUTS / "annotations" / "ann_bob.csv", "ann_bob")
    ev.add_external_annotation_results(INPUTS / "annotations" / "ann_dara.csv", "ann_dara")
    ev.add_external_judge_results(INPUTS / "keyword_baseline_judge.csv", "kw")
    ev.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(), task_names=["rejection"], task_strategy="single"
                )
            ]
        )
    )
    ev.save_state()
    return tmp_path / "p"


def test_status_score_report(project, capsys):
    assert main(["status", str(project)]) == 0
    out = capsys.readouterr().out
    assert "results 'kw' (external)" in out and "annotators: 2" in out
    assert main(["score", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Score Report" in out and "kw" in out
    assert (project / "scores" / "score_report.html").is_file()
    assert main(["report", str(project), "--format", "csv"]) == 0
    assert (project / "scores" / "score_report.csv").read_text().startswith("judge_id")


def test_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["status", str(tmp_path / "missing")]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["run-judges", str(tmp_path / "missing")]) == 2


def test_rerun_requeries_bypassing_the_cache_and_no_cache_leaves_it_alone(
    project, monkeypatch, capsys
):
    from meta_evaluator.testing import FakeLLMServer

    monkeypatch.setenv("ME_TEST_API_KEY", "sk-test")
    with FakeLLMServer(seed=3) as server:
        ev = MetaEvaluator(project, load=True)
        ev.add_judge(
            "fake",
            "openai",
            "gpt-fake",
            prompt="{prompt} / {llm_response}",
            base_url=server.base_url,
            api_key_env="ME_TEST_API_KEY",
        )
        ev.save_state()
        rows = len(ev.data)
        assert main(["run-judges", str(project), "--judge", "fake"]) == 0
        first = len(server.request_log)  # repeated prompts are answered from the cache
        assert 0 < first <= rows
        assert main(["run-judges", str(project), "--judge", "fake"]) == 0
        assert len(server.request_log) == first  # resumed from the journal
        cache = sorted((project / "cache").rglob("*.json"))
        before = {p: p.read_bytes() for p in cache}
        assert main(["run-judges", str(project), "--judge", "fake", "--rerun", "--no-cache"]) == 0
        assert len(server.request_log) == first + rows  # every row re-queried ...
        assert {p: p.read_bytes() for p in cache} == before  # ... and the cache untouched
        assert main(["run-judges", str(project), "--judge", "fake", "--rerun"]) == 0
        assert len(server.request_log) == first + 2 * rows  # --rerun bypasses the cache
    assert "fake: {'success'" in capsys.readouterr().out


def test_run_judges_wait_flag_is_passed_through(project, monkeypatch):
    calls: list[dict] = []

    def fake_run(self, **kwargs):
        calls.append(kwargs)
        return {}

    monkeypatch.setattr(MetaEvaluator, "run_judges_async", fake_run)
    assert main(["run-judges", str(project)]) == 0
    assert main(["run-judges", str(project), "--wait"]) == 0
    assert [c["wait"] for c in calls] == [False, True]


def test_client_request_logs_quiet_unless_verbose(project):
    import logging

    from meta_evaluator.judges._progress import CLIENT_LOGGERS

    assert main(["status", str(project)]) == 0
    assert {logging.getLogger(n).level for n in CLIENT_LOGGERS} == {logging.WARNING}
    assert main(["status", str(project), "--verbose"]) == 0  # after the command works too
    assert {logging.getLogger(n).level for n in CLIENT_LOGGERS} == {logging.DEBUG}
    assert main(["-v", "status", str(project)]) == 0
    assert {logging.getLogger(n).level for n in CLIENT_LOGGERS} == {logging.DEBUG}
