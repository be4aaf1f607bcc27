"""Scripts written for the original meta-evaluator (0.3.x) run unchanged.

Every call below is written the way the original's docs (``docs/guides/*.md``) and example
scripts (``examples/rejection/*.py``) write it; the comment above each test names the page.
"""

import hashlib
import json
import os

import polars as pl
import pytest

from meta_evaluator.data import DataLoader, EvalData
from meta_evaluator.errors import AnnotationError, ConfigError, MetricConfigError, ProjectError
from meta_evaluator.eval_task import EvalTask
from meta_evaluator.meta_evaluator import MetaEvaluator
from meta_evaluator.scores import MetricConfig, MetricsConfig
from meta_evaluator.scores.base_scorer import BaseScorer
from meta_evaluator.scores.base_scoring_result import BaseScoringResult
from meta_evaluator.scores.metrics import (
    AccuracyScorer,
    AltTestScorer,
    CohensKappaScorer,
    TextSimilarityScorer,
)

LABELS = ["rejection", "not rejection"]
N = 12


def rejection_task(**extra):
    return EvalTask(
        task_schemas={"rejection": LABELS, "explanation": None},
        prompt_columns=["prompt"],
        response_columns=["llm_response"],
        answering_method="structured",
        structured_outputs_fallback=True,
        **extra,
    )


@pytest.fixture
def files(tmp_path):
    """Data (ids ``sample_1``..), one external judge and two annotators, as CSV files."""
    d = tmp_path / "inputs"
    d.mkdir()
    ids = [f"sample_{i}" for i in range(1, N + 1)]
    truth = [LABELS[i % 2] for i in range(N)]
    pl.DataFrame(
        {
            "id": ids,
            "prompt": [f"question {i}" for i in range(N)],
            "llm_response": [f"answer {i}" for i in range(N)],
            "topic": ["a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c", "c"],
        }
    ).write_csv(d / "data.csv")
    judge = [LABELS[(k + 1) % 2] if k in (2, 7) else t for k, t in enumerate(truth)]
    pl.DataFrame(
        {"original_id": ids, "rejection": judge, "explanation": [f"judge {t}" for t in judge]}
    ).write_csv(d / "judge_results.csv")
    for h, flip in (("annotator_1", {3}), ("annotator_2", set())):
        labels = [LABELS[(k + 1) % 2] if k in flip else t for k, t in enumerate(truth)]
        pl.DataFrame(
            {"original_id": ids, "rejection": labels, "explanation": [f"{h} {t}" for t in labels]}
        ).write_csv(d / f"{h}.csv")
    return d


def accuracy_config():
    return MetricsConfig(
        metrics=[
            MetricConfig(
                scorer=AccuracyScorer(),
                task_names=["rejection"],
                task_strategy="single",
                annotator_aggregation="individual_average",
            )
        ]
    )


def project(tmp_path, files, name="my_project"):
    evaluator = MetaEvaluator(project_dir=str(tmp_path / name), load=False)
    evaluator.add_eval_task(rejection_task())
    evaluator.add_data(
        DataLoader.load_csv(id_column="id", name="rejection", file_path=str(files / "data.csv"))
    )
    return evaluator


# ---------------------------------------------------------------- 1. external results (results.md)
def test_external_results_with_the_original_arguments(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(
        file_path=str(files / "judge_results.csv"),
        judge_id="rejection_judge",
        llm_client="mock_client",
        model_used="mock_model",
        run_id="judge_run_1",
    )
    evaluator.add_external_annotation_results(
        file_path=str(files / "annotator_1.csv"),
        annotator_id="annotator_1",
        run_id="human_run_1",
    )
    evaluator.add_external_annotation_results(
        file_path=str(files / "annotator_2.csv"), annotator_id="annotator_2"
    )
    judge_results = evaluator.load_all_judge_results()
    human_results = evaluator.load_all_human_results()
    assert (len(judge_results), len(human_results)) == (1, 2)
    # stored, and kept after reopening the project
    evaluator.save_state(data_format="json")
    again = MetaEvaluator(project_dir=str(tmp_path / "my_project"), load=True)
    judge = again.load_all_judge_results()["rejection_judge"]
    assert (judge.model, judge.info["client"], judge.run_id) == (
        "mock_model",
        "mock_client",
        "judge_run_1",
    )
    assert judge.data.height == N  # the original's .data
    humans = again.load_all_human_results()
    assert humans["annotator_1"].run_id == "human_run_1"
    assert humans["annotator_2"].run_id is None
    assert humans["annotator_1"].data["rejection"].to_list()[3] == "rejection"
    # shown in the report
    again.add_metrics_config(accuracy_config())
    again.compare_async()
    html = again.score_report.to_html()
    for text in ("mock_model", "mock_client", "judge_run_1", "human_run_1"):
        assert text in html


def test_external_results_before_the_data_are_checked_when_it_arrives(tmp_path, files):
    evaluator = MetaEvaluator(project_dir=str(tmp_path / "p"), load=False)
    evaluator.add_eval_task(rejection_task())
    evaluator.add_external_judge_results(
        file_path=str(files / "judge_results.csv"), judge_id="j", run_id="r1"
    )
    evaluator.add_external_annotation_results(
        file_path=str(files / "annotator_1.csv"), annotator_id="annotator_1"
    )
    # the matching data is accepted ...
    evaluator.add_data(
        DataLoader.load_csv(name="d", file_path=str(files / "data.csv"), id_column="id")
    )
    assert evaluator.data is not None

    # ... data whose ids the labels do not name is refused, with the same kind of error
    other = MetaEvaluator(project_dir=str(tmp_path / "q"), load=False)
    other.add_eval_task(rejection_task())
    other.add_external_annotation_results(
        file_path=str(files / "annotator_1.csv"), annotator_id="annotator_1"
    )
    with pytest.raises(AnnotationError, match=r"annotator 'annotator_1'.*not in the evaluation"):
        other.add_data(DataLoader.load_csv(name="d", file_path=str(files / "data.csv")))
    assert other.data is None  # nothing half-added


# ---------------------------------------------------------------- 3. dotfiles (base.md)
def test_folder_with_only_dotfiles_is_an_empty_project(tmp_path):
    folder = tmp_path / "my_project"
    folder.mkdir()
    (folder / ".gitkeep").write_text("")
    evaluator = MetaEvaluator(project_dir=str(folder))
    assert evaluator.eval_task is None
    (folder / "notes.txt").write_text("x")
    with pytest.raises(ProjectError, match="not empty"):
        MetaEvaluator(project_dir=str(folder))


def test_load_true_on_a_missing_folder_stays_an_error(tmp_path):
    # deliberate difference (README "Migrating"): the original warned and created a new project
    with pytest.raises(ProjectError, match=r"load=False\) and save_state"):
        MetaEvaluator(project_dir=str(tmp_path / "typo"), load=True)
    assert not (tmp_path / "typo").exists()


# ---------------------------------------------------------------- 4. names (judges_run.md, ...)
def test_paths_namespace(tmp_path, files):
    evaluator = project(tmp_path, files)
    root = tmp_path / "my_project"
    assert evaluator.paths.project == root
    assert evaluator.paths.scores == root / "scores"
    assert evaluator.paths.results == root / "results"
    assert evaluator.paths.annotations == root / "annotations"
    assert evaluator.paths.data == root / "data"


def test_load_from_dataframe_and_eval_data_constructor():
    df = pl.DataFrame(
        {"prompt": ["What is AI?", "Explain ML"], "response": ["AI is...", "ML is..."]}
    )
    data = DataLoader.load_from_dataframe(id_column=None, name="my_evaluation", data=df)
    assert data.ids == ["row_000001", "row_000002"]
    assert data.data.columns == ["original_id", "prompt", "response"]
    with_ids = EvalData(
        name="my_evaluation", data=df.with_columns(pl.Series("k", [5, 6])), id_column="k"
    )
    assert with_ids.ids == ["5", "6"]
    assert with_ids.id_column == "k"
    with pytest.raises(TypeError, match="polars"):  # the original raised TypeError
        DataLoader.load_from_dataframe(name="x", data={"prompt": ["a"]})
    with pytest.raises(TypeError, match="polars"):
        EvalData(name="x", data={"prompt": ["a"]})


def test_stratified_sample_by_columns(files):
    data = DataLoader.load_csv(name="d", file_path=str(files / "data.csv"), id_column="id")
    sample_data = data.stratified_sample_by_columns(
        columns=["topic"], sample_percentage=0.5, seed=42
    )
    # strata a:3, b:4, c:5 -> int(3*.5)=1, int(4*.5)=2, int(5*.5)=2 rows (at least one each)
    counts = dict(sample_data.data.group_by("topic").len().iter_rows())
    assert counts == {"a": 1, "b": 2, "c": 2}
    assert set(sample_data.ids) <= set(data.ids)
    assert sample_data.name == data.name
    again = data.stratified_sample_by_columns(columns=["topic"], sample_percentage=0.5, seed=42)
    assert again.ids == sample_data.ids  # reproducible
    tiny = data.stratified_sample_by_columns(columns=["topic"], sample_percentage=0.01)
    assert tiny.data.height == 3  # every stratum keeps one row
    with pytest.raises(ConfigError, match=r"\(0, 1\]"):
        data.stratified_sample_by_columns(columns=["topic"], sample_percentage=1.5)
    with pytest.raises(ConfigError, match="nope"):
        data.stratified_sample_by_columns(columns=["nope"], sample_percentage=0.2)


# ---------------------------------------------------------------- 9. builtin exceptions
def test_missing_files_are_also_file_not_found_errors(tmp_path, files):
    evaluator = project(tmp_path, files)
    with pytest.raises(FileNotFoundError):
        evaluator.load_judges_from_yaml(yaml_file="missing.yaml")
    with pytest.raises(FileNotFoundError):
        DataLoader.load_csv(name="x", file_path=str(tmp_path / "missing.csv"))
    with pytest.raises(FileNotFoundError):
        evaluator.add_external_annotation_results(file_path="missing.csv", annotator_id="a")
    # and the original's ValueErrors stay ValueErrors
    with pytest.raises(ValueError):
        MetaEvaluator(project_dir=str(tmp_path / "e")).add_external_judge_results(
            file_path=str(files / "judge_results.csv"), judge_id="j"
        )


# ---------------------------------------------------------------- 5. keyword arguments
def test_save_state_options(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.save_state(
        include_task=True, include_data=True, data_format="csv", data_filename="main_data.csv"
    )
    assert (tmp_path / "my_project" / "data" / "main_data.csv").is_file()
    again = MetaEvaluator(project_dir=str(tmp_path / "my_project"), load=True)
    assert again.data is not None and again.data.ids == evaluator.data.ids

    evaluator.save_state(include_task=False, include_data=False)
    state = json.loads((tmp_path / "my_project" / "state.json").read_text())
    assert state["task"] is None and state["data"] is None
    with pytest.raises(ConfigError, match=r"must end with '\.json'"):
        evaluator.save_state(data_format="json", data_filename="main_data.csv")
    with pytest.raises(ConfigError, match="plain file name"):
        evaluator.save_state(data_format="csv", data_filename="../escape.csv")


def test_eval_task_annotation_prompt_and_skip_function():
    def skip_empty_responses(row):
        return len(row.get("llm_response", "").strip()) == 0

    task = EvalTask(
        task_schemas={"rejection": LABELS},
        response_columns=["llm_response"],
        skip_function=skip_empty_responses,
        annotation_prompt="Please evaluate this response for rejection.",
    )
    assert task.annotation_prompt == "Please evaluate this response for rejection."
    dumped = task.model_dump(mode="json")
    assert "skip_function" not in dumped  # not saved, as in the original
    assert EvalTask.model_validate(dumped).annotation_prompt == task.annotation_prompt


def test_add_metrics_config_overwrite_and_before_the_task(tmp_path, files):
    evaluator = MetaEvaluator(project_dir=str(tmp_path / "p"), load=False)
    evaluator.add_metrics_config(accuracy_config())  # before add_eval_task: accepted
    evaluator.add_eval_task(rejection_task())
    config = MetricsConfig(
        metrics=[
            MetricConfig(
                scorer=AccuracyScorer(), task_names=["explanation"], task_strategy="single"
            )
        ]
    )
    evaluator.add_metrics_config(accuracy_config(), overwrite=True)
    assert len(evaluator.metrics_configs) == 1

    late = MetaEvaluator(project_dir=str(tmp_path / "q"), load=False)
    late.add_metrics_config(config)  # accuracy on free text: found when the task arrives
    with pytest.raises(MetricConfigError, match="explanation"):
        late.add_eval_task(rejection_task())
    assert late.eval_task is None


# ---------------------------------------------------------------- 4/5. judges (judges_run.md)
@pytest.fixture
def fake_server(monkeypatch):
    from meta_evaluator.testing import FakeLLMServer

    monkeypatch.setenv("ME_TEST_KEY", "sk-test-0000")
    with FakeLLMServer(seed=3) as server:
        yield server


def add_fake_judge(evaluator, server, judge_id="gpt_4_judge"):
    from meta_evaluator.common.models import Prompt

    evaluator.add_judge(
        judge_id=judge_id,
        llm_client="openai",
        model="gpt-fake",
        prompt=Prompt(id="rejection_prompt", prompt="Prompt: {prompt}\nResponse: {llm_response}"),
        base_url=server.base_url,
        api_key_env="ME_TEST_KEY",
    )


def test_run_judges_blocking_with_the_original_arguments(tmp_path, files, fake_server):
    evaluator = project(tmp_path, files)
    add_fake_judge(evaluator, fake_server)
    add_fake_judge(evaluator, fake_server, "claude_judge")
    assert evaluator.judges["gpt_4_judge"].prompt.startswith("Prompt: {prompt}")
    out = evaluator.run_judges(skip_duplicates=True)
    assert set(out) == {"gpt_4_judge", "claude_judge"}
    out = evaluator.run_judges_async(
        judge_ids="gpt_4_judge",  # one id as a string
        run_id="run_custom",
        save_results=True,
        results_format="json",
        skip_duplicates=True,
    )
    assert set(out) == {"gpt_4_judge"}
    saved = evaluator.load_all_judge_results()["gpt_4_judge"]
    assert saved.run_id == "run_custom"
    with pytest.raises(ConfigError, match="results_format"):
        evaluator.run_judges_async(results_format="xlsx")


def test_run_judges_without_saving_writes_nothing(tmp_path, files, fake_server):
    evaluator = project(tmp_path, files)
    add_fake_judge(evaluator, fake_server)
    out = evaluator.run_judges_async(save_results=False)
    assert out["gpt_4_judge"].results_data.height == N
    assert not (tmp_path / "my_project" / "results" / "gpt_4_judge").exists()


def test_skip_function_marks_rows_skipped_without_a_call(tmp_path, files, fake_server):
    evaluator = project(tmp_path, files)
    evaluator.eval_task.skip_function = lambda row: row["topic"] == "c"
    add_fake_judge(evaluator, fake_server)
    out = evaluator.run_judges()["gpt_4_judge"].results_data
    skipped = out.filter(pl.col("status") == "skipped")
    assert skipped.height == 5
    assert len(fake_server.request_log) == N - 5

    def broken(row):
        raise KeyError("nope")

    evaluator.eval_task.skip_function = broken
    with pytest.raises(ConfigError, match="skip_function raised KeyError"):
        evaluator.run_judges()


# ---------------------------------------------------------------- blocking names, 10. report
def test_compare_blocking_name_and_bare_report_file_name(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(file_path=str(files / "judge_results.csv"), judge_id="j")
    for h in ("annotator_1", "annotator_2"):
        evaluator.add_external_annotation_results(file_path=str(files / f"{h}.csv"), annotator_id=h)
    evaluator.add_metrics_config(accuracy_config())
    results = evaluator.compare()
    assert [r.judge_id for r in results] == ["j"]
    scores = tmp_path / "my_project" / "scores"
    for f in scores.glob("score_report.*"):
        f.unlink()
    evaluator.score_report.save("score_report.html", format="html")
    evaluator.score_report.save("score_report.csv", format="csv")
    assert (scores / "score_report.html").is_file() and (scores / "score_report.csv").is_file()
    elsewhere = tmp_path / "out" / "report.csv"
    evaluator.score_report.save(str(elsewhere), format="csv")  # a path with a folder: as given
    assert elsewhere.is_file()


async def test_awaitables_keep_their_names(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(file_path=str(files / "judge_results.csv"), judge_id="j")
    evaluator.add_external_annotation_results(
        file_path=str(files / "annotator_1.csv"), annotator_id="annotator_1"
    )
    evaluator.add_metrics_config(accuracy_config())
    results = await evaluator.acompare()
    # judge flips rows 2 and 7, annotator_1 flips row 3: 9 of 12 agree
    assert results[0].scores["accuracy"] == pytest.approx(9 / 12, abs=1e-12)
    assert evaluator.compare()[0].scores == results[0].scores  # blocking twin, inside a loop


# ---------------------------------------------------------------- 6. imports (scoring.md)
def test_imports_of_the_original():
    from meta_evaluator.common.models import Prompt
    from meta_evaluator.scores import (
        AccuracyScorer as A,
    )
    from meta_evaluator.scores import (
        AltTestScorer,
        BaseScorer,
        BaseScoringResult,
        ClassificationScorer,
        CohensKappaScorer,
        SemanticSimilarityScorer,
        TextSimilarityScorer,
        metrics,
    )
    from meta_evaluator.scores.base_scorer import BaseScorer as B
    from meta_evaluator.scores.base_scoring_result import BaseScoringResult as R

    assert A is AccuracyScorer and B is BaseScorer and R is BaseScoringResult
    for cls in (AltTestScorer, ClassificationScorer, CohensKappaScorer, TextSimilarityScorer):
        assert getattr(metrics, cls.__name__) is cls
    assert SemanticSimilarityScorer is metrics.SemanticSimilarityScorer
    assert Prompt(id="p", prompt="t").prompt == "t"
    with pytest.raises(ImportError):
        from meta_evaluator.scores import NoSuchScorer  # noqa: F401


# ------------------------------------------ compare_async as examples/rejection/run_scoring_only
def test_compare_with_the_original_arguments_and_dict_view(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(
        file_path=str(files / "judge_results.csv"),
        judge_id="rejection_judge",
        llm_client="mock_client",
        model_used="mock_model",
        run_id="judge_run_1",
    )
    for h in ("annotator_1", "annotator_2"):
        evaluator.add_external_annotation_results(
            file_path=str(files / f"{h}.csv"), annotator_id=h, run_id=f"{h}_run"
        )
    config = accuracy_config()
    judge_results = evaluator.load_all_judge_results()
    human_results = evaluator.load_all_human_results()
    evaluator.add_metrics_config(config)
    results = evaluator.compare_async(judge_results=judge_results, human_results=human_results)
    seen = []
    for unique_name, (metric_config, scoring_results) in results.items():
        assert metric_config is config.metrics[0]
        assert unique_name == metric_config.unique_name()
        seen += [(r.judge_id, r.scores["accuracy"]) for r in scoring_results]
    # judge flips rows 2, 7; annotator_1 flips 3: 9/12 and 10/12, mean 19/24
    assert seen == [("rejection_judge", pytest.approx(19 / 24, abs=1e-12))]
    # only the annotators passed are used; the first (config) form of the call also works
    only_one = {"annotator_2": human_results["annotator_2"]}
    again = evaluator.compare_async(config, judge_results=judge_results, human_results=only_one)
    assert again[0].scores["accuracy"] == pytest.approx(10 / 12, abs=1e-12)
    assert len(list(results)) == 1 and results.keys() == [config.metrics[0].unique_name()]


# ------------------------------------------------------------ 2, 7, 11, folder names (scoring.md)
class SixArgScorer(BaseScorer):
    """A scorer written like the original's built-ins: six arguments, charts in its own folder."""

    def __init__(self):
        super().__init__(scorer_name="six_arg")
        self._seen = []  # private: public attributes are the scorer's options (its config)
        self._aggregate_calls = []

    def can_score_task(self, sample_label):
        return isinstance(sample_label, str)

    async def compute_score_async(
        self, judge_data, human_data, task_name, judge_id, aggregation_mode, annotator_aggregation
    ):
        self._seen.append(annotator_aggregation)
        return BaseScoringResult(
            scorer_name=self.scorer_name,
            task_name=task_name,
            judge_id=judge_id,
            scores={"n": float(judge_data.height)},
            metadata={},
            aggregation_mode=aggregation_mode,
            num_comparisons=judge_data.height,
            failed_comparisons=0,
        )

    def aggregate_results(self, results, scores_dir, unique_name=""):
        self._aggregate_calls.append((scores_dir, unique_name))
        out = os.path.join(scores_dir, self.scorer_name, unique_name)  # as the original's do
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "six_arg_scores.txt"), "w") as f:
            f.write(str(len(results)))


class FiveArgScorer(SixArgScorer):
    async def compute_score_async(self, judge_data, human_data, task_name, judge_id, mode):
        self._seen.append("five")
        return await super().compute_score_async(
            judge_data, human_data, task_name, judge_id, mode, None
        )


def test_custom_scorers_get_what_the_original_passes(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(file_path=str(files / "judge_results.csv"), judge_id="j")
    evaluator.add_external_annotation_results(
        file_path=str(files / "annotator_1.csv"), annotator_id="annotator_1"
    )
    six, five = SixArgScorer(), FiveArgScorer()
    config = MetricsConfig(
        metrics=[
            MetricConfig(
                scorer=six,
                task_names=["rejection"],
                task_strategy="single",
                annotator_aggregation="majority_vote",
                display_name="six_rejection",
            ),
            MetricConfig(
                scorer=six,
                task_names=["rejection", "explanation"],
                task_strategy="multitask",
                annotator_aggregation="individual_average",
            ),
            MetricConfig(scorer=five, task_names=["rejection"], task_strategy="single"),
        ]
    )
    evaluator.add_metrics_config(config)
    evaluator.compare_async()
    # the sixth argument: the config's annotator_aggregation, per task for multitask
    assert six._seen == ["majority_vote", "individual_average", "individual_average"]
    # five-argument scorers keep working (called with five; None is what it passes on)
    assert five._seen == ["five", None]
    # aggregate_results(results, scores_dir, unique_name): the project's scores/ folder
    scores = str(tmp_path / "my_project" / "scores")
    first = config.metrics[0]
    assert six._aggregate_calls[0] == (scores, first.unique_name())
    assert (tmp_path / "my_project" / "scores" / "six_arg" / first.unique_name()).is_dir()
    assert (
        tmp_path / "my_project/scores/six_arg" / first.unique_name() / "six_arg_scores.txt"
    ).is_file()
    # display_name is name; the label shows it
    assert first.name == first.display_name == "six_rejection"
    assert first.label() == "six_rejection"
    with pytest.raises(MetricConfigError, match="display_name"):
        MetricConfig(scorer=five, task_names=["rejection"], name="a", display_name="b")


def test_folder_hash_is_the_originals(tmp_path, files):
    # the docs' folders: accuracy_1tasks_22e76eaf_..., text_similarity_1tasks_74d08617_...
    acc = MetricConfig(
        scorer=AccuracyScorer(),
        task_names=["rejection"],
        task_strategy="single",
        display_name="rejection_accuracy",
    )
    assert acc.unique_name() == "accuracy_1tasks_22e76eaf_rejection_accuracy"
    text = MetricConfig(
        scorer=TextSimilarityScorer(), task_names=["explanation"], task_strategy="single"
    )
    assert text.unique_name() == "text_similarity_1tasks_74d08617_single"
    # md5 of the sorted task names joined by "_", as the original's get_unique_name
    multi = MetricConfig(
        scorer=AltTestScorer(), task_names=["b_task", "a_task"], task_strategy="multilabel"
    )
    expected = hashlib.md5(b"a_task_b_task").hexdigest()[:8]
    assert multi.unique_name() == f"alt_test_2tasks_{expected}_multilabel"
    # a config that computes something else never shares that folder (the original overwrote)
    majority = MetricConfig(
        scorer=AccuracyScorer(),
        task_names=["rejection"],
        task_strategy="single",
        annotator_aggregation="majority_vote",
    )
    weighted = MetricConfig(scorer=CohensKappaScorer(weights="linear"), task_names=["rejection"])
    assert "22e76eaf" not in majority.unique_name()
    assert "22e76eaf" not in weighted.unique_name()
    assert (
        MetricConfig(scorer=CohensKappaScorer(), task_names=["rejection"]).unique_name()
        == "cohens_kappa_1tasks_22e76eaf_single"
    )


def test_alt_test_csv_column_suffix_is_the_originals(tmp_path, files):
    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(file_path=str(files / "judge_results.csv"), judge_id="j")
    for h in ("annotator_1", "annotator_2"):
        evaluator.add_external_annotation_results(file_path=str(files / f"{h}.csv"), annotator_id=h)
    scorer = AltTestScorer()
    scorer.min_instances_per_human = 5
    evaluator.add_metrics_config(
        MetricsConfig(
            metrics=[MetricConfig(scorer=scorer, task_names=["rejection"], task_strategy="single")]
        )
    )
    evaluator.compare_async()
    evaluator.score_report.save("score_report.csv", format="csv")
    header = (tmp_path / "my_project/scores/score_report.csv").read_text().splitlines()[0]
    columns = header.split(",")
    assert any(c.endswith("_winning_rate") for c in columns)
    assert any(c.endswith("_advantage_prob") for c in columns)


# ------------------------------------------------------------ 8. ClassificationScorer options
def test_classification_binary_with_pos_label(tmp_path, files):
    from sklearn.metrics import f1_score, precision_score

    from meta_evaluator.scores.metrics import ClassificationScorer

    evaluator = project(tmp_path, files)
    evaluator.add_external_judge_results(file_path=str(files / "judge_results.csv"), judge_id="j")
    for h in ("annotator_1", "annotator_2"):
        evaluator.add_external_annotation_results(file_path=str(files / f"{h}.csv"), annotator_id=h)
    f1 = ClassificationScorer(metric="f1", pos_label="rejection", average="binary")
    precision = ClassificationScorer(metric="precision", pos_label="rejection", average="binary")
    evaluator.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(scorer=f1, task_names=["rejection"], task_strategy="single"),
                MetricConfig(scorer=precision, task_names=["rejection"], task_strategy="single"),
            ]
        )
    )
    results = {r.scorer_name: r for r in evaluator.compare_async()}
    judge = pl.read_csv(files / "judge_results.csv")["rejection"].to_list()
    expected = {}
    for name, fn in (("f1", f1_score), ("precision", precision_score)):
        per_human = [
            fn(
                pl.read_csv(files / f"{h}.csv")["rejection"].to_list(),
                judge,
                pos_label="rejection",
                average="binary",
            )
            for h in ("annotator_1", "annotator_2")
        ]
        expected[name] = sum(per_human) / 2  # individual_average: mean over humans
    assert results["f1"].scores["f1"] == pytest.approx(expected["f1"], abs=1e-12)
    assert results["precision"].scores["precision"] == pytest.approx(
        expected["precision"], abs=1e-12
    )
    with pytest.raises(ConfigError, match="pos_label"):
        ClassificationScorer(metric="f1", average="binary")
    wrong = ClassificationScorer(metric="f1", pos_label=1, average="binary")
    evaluator.add_metrics_config(
        MetricsConfig(
            metrics=[MetricConfig(scorer=wrong, task_names=["rejection"], task_strategy="single")]
        ),
        overwrite=True,
    )
    (bad,) = evaluator.compare_async()  # a failure is a result, with the reason
    assert "pos_label=1 is not a label" in bad.error.message


def test_classification_samples_average_on_label_sets():
    import asyncio

    from sklearn.metrics import f1_score, recall_score
    from sklearn.preprocessing import MultiLabelBinarizer

    from meta_evaluator.scores import TaskContext, task_context
    from meta_evaluator.scores.enums import TaskAggregationMode
    from meta_evaluator.scores.metrics import ClassificationScorer

    outcomes = ["Clarify", "Refuse", "Support"]
    ctx = TaskContext(kind="multilabel", labels=tuple(outcomes), task_names=("harm",))
    judge_sets = [["Clarify"], ["Refuse"], [], ["Clarify", "Support"], ["Support"]]
    human_sets = {
        "h1": [["Clarify", "Support"], ["Refuse"], [], ["Clarify"], ["Refuse"]],
        "h2": [["Clarify"], ["Refuse", "Support"], ["Clarify"], ["Clarify", "Support"], []],
    }
    ids = [f"s{i}" for i in range(5)]
    judge = pl.DataFrame({"original_id": ids, "label": judge_sets})
    human = pl.DataFrame(
        {
            "original_id": ids * 2,
            "human_id": ["h1"] * 5 + ["h2"] * 5,
            "label": human_sets["h1"] + human_sets["h2"],
        }
    )
    mlb = MultiLabelBinarizer(classes=outcomes)
    for metric, fn in (("f1", f1_score), ("recall", recall_score)):
        scorer = ClassificationScorer(metric=metric, average="samples")
        with task_context(ctx):
            res = asyncio.run(
                scorer.compute_score_async(judge, human, "harm", "j", TaskAggregationMode.SINGLE)
            )
        # sklearn on indicator vectors, zero_division=0 (two empty sets score 0), per human
        expected = [
            fn(
                mlb.fit_transform(human_sets[h]),
                mlb.fit_transform(judge_sets),
                average="samples",
                zero_division=0,
            )
            for h in ("h1", "h2")
        ]
        assert res.scores[metric] == pytest.approx(sum(expected) / 2, abs=1e-12)
    # the original's worked example (its tests): samples F1 0.833
    worked = ClassificationScorer(metric="f1", average="samples")
    j2 = pl.DataFrame({"original_id": ["1", "2"], "label": [["Clarify"], ["Refuse"]]})
    h2 = pl.DataFrame(
        {
            "original_id": ["1", "2"],
            "human_id": ["h"] * 2,
            "label": [["Clarify", "Support"], ["Refuse"]],
        }
    )
    with task_context(ctx):
        res = asyncio.run(worked.compute_score_async(j2, h2, "harm", "j", "single"))
    assert res.scores["f1"] == pytest.approx((2 / 3 + 1) / 2, abs=1e-12)
    # samples on single-label tasks is refused before any work
    with pytest.raises(MetricConfigError, match="samples"):
        MetricConfig(scorer=worked, task_names=["rejection"]).validate_against(rejection_task())


def test_metrics_config_add_metric():
    config = MetricsConfig(metrics=[])
    config.add_metric(
        scorer=AccuracyScorer(),
        task_names=["rejection"],
        task_strategy="single",
        annotator_aggregation="majority_vote",
        display_name="rejection_accuracy",
    )
    assert [m.name for m in config.metrics] == ["rejection_accuracy"]
    with pytest.raises(MetricConfigError, match="same config"):
        config.add_metric(
            AccuracyScorer(), ["rejection"], "single", "majority_vote", "rejection_accuracy"
        )
    assert len(config.metrics) == 1


def test_external_results_data_format_for_other_extensions(tmp_path, files):
    evaluator = project(tmp_path, files)
    judge_txt = tmp_path / "judge.txt"
    judge_txt.write_text((files / "judge_results.csv").read_text())
    human_txt = tmp_path / "human.txt"
    human_txt.write_text((files / "annotator_1.csv").read_text())
    evaluator.add_external_judge_results(
        file_path=str(judge_txt), judge_id="j", data_format="csv", run_id="r"
    )
    evaluator.add_external_annotation_results(
        file_path=str(human_txt), annotator_id="annotator_1", data_format="csv"
    )
    assert evaluator.load_all_judge_results()["j"].data.height == N
    assert evaluator.load_all_human_results()["annotator_1"].data.height == N
    with pytest.raises(ConfigError, match="data_format"):
        evaluator.add_external_annotation_results(
            file_path=str(human_txt), annotator_id="b", data_format="xlsx"
        )
