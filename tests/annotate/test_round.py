from __future__ import annotations

import json
import threading
from pathlib import Path

import polars as pl
import pytest

from meta_evaluator import MetaEvaluator
from meta_evaluator.annotate import AnnotationRound, SubmitError
from meta_evaluator.annotate._tokens import OWNER, hash_token
from meta_evaluator.errors import ConfigError


def _labels(proj: Path) -> dict[tuple[str, str], dict]:
    frame = MetaEvaluator(proj, load=True).annotations.long_frame()
    return {(r.pop("annotator_id"), r.pop("original_id")): r for r in frame.iter_rows(named=True)}


def test_submits_land_in_the_annotation_tables_imported_ones_use(project):
    rnd = AnnotationRound(project.project_dir, annotators=["alice", "bob"])
    rnd.submit("alice", {"sample": "s01", "labels": {"verdict": "good", "score": 4}})
    rnd.submit("bob", {"sample": "s01", "labels": {"verdict": "bad", "score": "2"}})
    assert rnd.flush()
    assert _labels(project.project_dir) == {
        ("alice", "s01"): {"verdict": "good", "score": 4},
        ("bob", "s01"): {"verdict": "bad", "score": 2},
    }
    human = MetaEvaluator(project.project_dir, load=True).annotations.human_data("verdict")
    assert human.sort("human_id")["label"].to_list() == ["good", "bad"]


def test_two_tabs_never_duplicate_last_write_wins(project):
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    first = rnd.submit("alice", {"sample": "s02", "labels": {"verdict": "good", "score": 1}})
    second = rnd.submit("alice", {"sample": "s02", "labels": {"verdict": "bad", "score": 5}})
    assert second["ts"] >= first["ts"] and second["done"] == 1
    rnd.flush()
    assert _labels(project.project_dir) == {("alice", "s02"): {"verdict": "bad", "score": 5}}


def test_a_restart_without_flush_replays_the_journal(project):
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    rnd.submit("alice", {"sample": "s03", "labels": {"verdict": "unsure", "score": 3}})
    del rnd  # "killed": nothing flushed to the tables
    assert not (project.project_dir / "annotations" / "alice.parquet").exists()
    again = AnnotationRound(project.project_dir)  # annotators come from round.json
    assert again.settings.annotators == ["alice"]
    assert again.session("alice")["done"] == ["s03"]
    assert _labels(project.project_dir) == {("alice", "s03"): {"verdict": "unsure", "score": 3}}


def test_undo_removes_the_label_from_the_tables(project):
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    rnd.submit("alice", {"sample": "s04", "labels": {"verdict": "good", "score": 2}})
    rnd.flush()
    assert rnd.undo("alice") == {"sample": "s04", "done": 0, "total": 20, "can_undo": False}
    rnd.flush()
    assert _labels(project.project_dir) == {}
    with pytest.raises(SubmitError, match="Nothing to undo") as info:
        rnd.undo("alice")
    assert info.value.status == 409


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"verdict": "great", "score": 1}, "not in the schema"),
        ({"verdict": "good", "score": 9}, "not on the rating scale"),
        ({"verdict": "good"}, r"required task\(s\) \['score'\]"),
        ({"verdict": "good", "score": 1, "extra": 1}, r"Unknown task\(s\) \['extra'\]"),
        ("good", "must be an object"),
    ],
)
def test_bad_submits_are_refused_with_the_reason_and_journal_nothing(project, labels, message):
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    with pytest.raises(SubmitError, match=message):
        rnd.submit("alice", {"sample": "s05", "labels": labels})
    assert rnd.session("alice")["done"] == []


def test_unassigned_sample_is_404(project):
    rnd = AnnotationRound(project.project_dir, annotators=["a", "b"], overlap=1)
    other = rnd.queues["b"][0]
    with pytest.raises(SubmitError) as info:
        rnd.submit("a", {"sample": other, "labels": {"verdict": "good", "score": 1}})
    assert info.value.status == 404
    with pytest.raises(SubmitError):
        rnd.item("a", other)


def test_tokens_are_stored_only_as_hashes(project):
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    tokens = rnd.new_tokens
    assert set(tokens) == {OWNER, "alice"}
    folder = project.project_dir / "annotations" / "annotate"
    text = "".join(p.read_text() for p in folder.rglob("*") if p.is_file())
    for tok in tokens.values():
        assert tok not in text and hash_token(tok) in text
    assert rnd.who(tokens["alice"]) == "alice" and rnd.who(tokens[OWNER]) == OWNER
    assert rnd.who("nope") is None and rnd.who(None) is None
    again = AnnotationRound(project.project_dir)
    assert again.new_tokens == {} and again.who(tokens["alice"]) == "alice"
    renewed = AnnotationRound(project.project_dir, new_tokens=True)
    assert renewed.who(tokens["alice"]) is None
    assert renewed.who(renewed.new_tokens["alice"]) == "alice"


def test_names_follow_the_id_rule_and_must_not_clash_with_imports(project, tmp_path):
    for bad in ["bad\nname", "", " alice", "x" * 200]:  # invalid under any id rule
        with pytest.raises(ConfigError, match="annotator"):
            AnnotationRound(project.project_dir, annotators=[bad])
    with pytest.raises(ConfigError, match="No annotators"):
        AnnotationRound(project.project_dir)
    csv = tmp_path / "h1.csv"
    pl.DataFrame({"original_id": ["s01"], "verdict": ["good"], "score": [3]}).write_csv(csv)
    project.add_external_annotation_results(csv, annotator_id="h1")
    with pytest.raises(ConfigError, match="already have imported labels"):
        AnnotationRound(project.project_dir, annotators=["h1"])


def test_imported_labels_written_meanwhile_are_kept(project, tmp_path):
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    rnd.submit("alice", {"sample": "s01", "labels": {"verdict": "good", "score": 1}})
    rnd.flush()
    csv = tmp_path / "h1.csv"
    pl.DataFrame({"original_id": ["s02"], "verdict": ["bad"], "score": [2]}).write_csv(csv)
    other = MetaEvaluator(project.project_dir, load=True)  # another process imports
    other.add_external_annotation_results(csv, annotator_id="h1")
    rnd.submit("alice", {"sample": "s03", "labels": {"verdict": "bad", "score": 5}})
    rnd.flush()
    assert set(_labels(project.project_dir)) == {("alice", "s01"), ("alice", "s03"), ("h1", "s02")}


def test_low_agreement_queue_holds_only_contested_samples(project, tmp_path):
    for who, verdicts in {"h1": ["good", "bad", "good"], "h2": ["good", "good", "bad"]}.items():
        csv = tmp_path / f"{who}.csv"
        pl.DataFrame(
            {"original_id": ["s01", "s02", "s03"], "verdict": verdicts, "score": [1, 1, 1]}
        ).write_csv(csv)
        project.add_external_annotation_results(csv, annotator_id=who)
    rnd = AnnotationRound(project.project_dir, annotators=["carol"], queue="low-agreement")
    assert rnd.queues == {"carol": ["s02", "s03"]}
    saved = json.loads((project.project_dir / "annotations/annotate/round.json").read_text())
    assert saved["queue"] == "low-agreement" and saved["priority"] == ["s02", "s03"]
    assert AnnotationRound(project.project_dir).queues == {"carol": ["s02", "s03"]}


def test_status_reports_progress_flags_and_pairwise_agreement(project):
    rnd = AnnotationRound(project.project_dir, annotators=["a", "b"])
    # verdict: a = good good bad, b = good bad bad -> agreement 2/3;
    # kappa: p_o = 2/3, p_e = (2/3*1/3 + 1/3*2/3) = 4/9, kappa = (2/3-4/9)/(1-4/9) = 0.4
    for s, va, vb in [("s01", "good", "good"), ("s02", "good", "bad"), ("s03", "bad", "bad")]:
        rnd.submit("a", {"sample": s, "labels": {"verdict": va, "score": 3}})
        rnd.submit("b", {"sample": s, "labels": {"verdict": vb, "score": 3}, "flag": s == "s02",
                         "comment": "<b>unsure</b>" if s == "s02" else ""})  # fmt: skip
    rnd.skip("a", "s04")
    st = rnd.status()
    assert [(p["annotator"], p["done"], p["total"], p["skipped"], p["flagged"])
            for p in st["annotators"]] == [("a", 3, 20, 1, 0), ("b", 3, 20, 0, 1)]  # fmt: skip
    assert st["flags"] == [{"annotator": "b", "sample": "s02", "comment": "<b>unsure</b>"}]
    verdict, score = st["agreement"]
    assert verdict["task"] == "verdict" and verdict["n"] == 3
    assert verdict["agreement"] == pytest.approx(2 / 3, abs=1e-12)
    assert verdict["kappa"] == pytest.approx(0.4, abs=1e-12)
    assert score["agreement"] == 1.0 and score["kappa"] is None  # one label for all: undefined


def test_concurrent_submits_from_many_threads_lose_nothing(project):
    names = [f"p{i}" for i in range(8)]
    rnd = AnnotationRound(project.project_dir, annotators=names)

    def work(name):
        for s in rnd.queues[name]:
            rnd.submit(name, {"sample": s, "labels": {"verdict": "good", "score": 2}})

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rnd.flush()
    assert len(_labels(project.project_dir)) == 8 * 20


def test_compare_scores_a_judge_against_the_browser_labels_at_once(project, tmp_path):
    from meta_evaluator.scores import MetricConfig, MetricsConfig
    from meta_evaluator.scores.metrics import AccuracyScorer

    ids = [f"s{i:02d}" for i in range(20)]
    csv = tmp_path / "judge.csv"
    pl.DataFrame({"original_id": ids, "verdict": ["good"] * 20, "score": [3] * 20}).write_csv(csv)
    project.add_external_judge_results(csv, judge_id="j1")
    project.add_metrics_config(
        MetricsConfig(
            metrics=[
                MetricConfig(
                    scorer=AccuracyScorer(),
                    task_names=["verdict"],
                    task_strategy="single",
                    annotator_aggregation="individual_average",
                )
            ]
        )
    )
    project.save_state()
    rnd = AnnotationRound(project.project_dir, annotators=["alice", "bob"])
    for i, s in enumerate(ids):
        rnd.submit("alice", {"sample": s, "labels": {"verdict": "good", "score": 3}})
        bob = "good" if i % 2 else "bad"  # bob agrees with the judge on 10 of 20
        rnd.submit("bob", {"sample": s, "labels": {"verdict": bob, "score": 3}})
    rnd.flush()
    (result,) = MetaEvaluator(project.project_dir, load=True).compare_async()
    # individual_average: mean(alice 20/20, bob 10/20) = 0.75
    assert result.scores["accuracy"] == pytest.approx(0.75, abs=1e-12)


def test_adding_an_annotator_keeps_everyone_s_answers_in_their_queue(project):
    rnd = AnnotationRound(project.project_dir, annotators=["a", "b"], overlap=1)
    mine = list(rnd.queues["a"])
    for s in mine:
        rnd.submit("a", {"sample": s, "labels": {"verdict": "good", "score": 1}})
    grown = AnnotationRound(project.project_dir, annotators=["c"])  # the samples are re-dealt
    assert set(mine) <= set(grown.queues["a"])
    assert grown.session("a")["done"] == sorted(mine)
    assert grown.queues["c"]


def test_a_bad_overlap_saves_nothing(project):
    with pytest.raises(ConfigError, match="overlap"):
        AnnotationRound(project.project_dir, annotators=["a", "b"], overlap=3)
    assert not (project.project_dir / "annotations" / "annotate" / "round.json").exists()
    assert AnnotationRound(project.project_dir, annotators=["a"]).settings.overlap is None


def test_a_long_lived_project_object_sees_browser_labels(project):
    # e.g. a notebook that loaded the annotations before a round ran in a terminal
    assert project.annotations.annotator_ids == []
    rnd = AnnotationRound(project.project_dir, annotators=["alice"])
    rnd.submit("alice", {"sample": "s01", "labels": {"verdict": "good", "score": 2}})
    rnd.flush()
    project.save_state()  # does not write the stale copy back over the new labels
    assert _labels(project.project_dir) == {("alice", "s01"): {"verdict": "good", "score": 2}}
    assert project.annotations.annotator_ids == ["alice"]  # merged in on save
