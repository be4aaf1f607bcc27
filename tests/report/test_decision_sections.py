"""The decision sections of the report on a small project built from the demo inputs.

Two external judges (the keyword baseline and a copy with every 5th label flipped), two
annotators, one judge run table with failures; metrics from YAML through the CLI. The numbers
shown are checked against independent computations (plain Python, statsmodels).
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.contingency_tables import mcnemar

from meta_evaluator import EvalTask, MetaEvaluator
from meta_evaluator.cli import main
from meta_evaluator.data import DataLoader
from meta_evaluator.judges import JudgeResults
from meta_evaluator.report._evidence import coded_task, gather_evidence
from meta_evaluator.report._explorer import json_for_script
from meta_evaluator.report._health import health_rows

INPUTS = Path(__file__).resolve().parents[2] / "projects" / "demo_rejection" / "inputs"
ANNOTATORS = ("ann_bob", "ann_dara")
EVIL = "</script><script>alert(1)</script>&<b>"
METRICS_YAML = """
metrics:
  - scorer: accuracy
    tasks: [rejection]
    aggregation: majority_vote
  - scorer: cohens_kappa
    tasks: [rejection]
  - scorer: alt_test
    tasks: [rejection]
    options: {min_instances_per_human: 10}
"""


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _build(root: Path, *, score: bool) -> Path:
    data = _read(INPUTS / "data.csv")
    data[0]["llm_response"] = EVIL
    _write(root / "data.csv", data)
    keyword = _read(INPUTS / "keyword_baseline_judge.csv")
    flipped = []
    for i, row in enumerate(keyword):
        row = dict(row)
        if i % 5 == 0:
            row["rejection"] = (
                "rejection" if row["rejection"] == "not rejection" else "not rejection"
            )
        row["explanation"] = EVIL if i == 0 else row["explanation"]
        flipped.append(row)
    _write(root / "flipped.csv", flipped)
    ev = MetaEvaluator(root / "p", load=False)
    ev.add_eval_task(
        EvalTask(
            task_schemas={"rejection": ["rejection", "not rejection"], "explanation": None},
            prompt_columns=["prompt"],
            response_columns=["llm_response"],
        )
    )
    ev.add_data(DataLoader.load_csv("d", root / "data.csv", id_column="sample_id"))
    for name in ANNOTATORS:
        ev.add_external_annotation_results(INPUTS / "annotations" / f"{name}.csv", name)
    ev.add_external_judge_results(INPUTS / "keyword_baseline_judge.csv", "keyword")
    ev.add_external_judge_results(root / "flipped.csv", "flipped")
    ev.save_state()
    (root / "metrics.yaml").write_text(METRICS_YAML, encoding="utf-8")
    if score:
        assert main(["score", str(root / "p"), "--metrics", str(root / "metrics.yaml")]) == 0
    return root / "p"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("decision"), score=True)


@pytest.fixture(scope="module")
def page(project) -> str:
    return (project / "scores" / "score_report.html").read_text(encoding="utf-8")


def _labels(name: str) -> dict[str, str]:
    return {
        r["original_id"]: r["rejection"]
        for r in _read(INPUTS / "annotations" / f"{name}.csv")
        if r["rejection"]
    }


def _consensus() -> dict[str, tuple[str, float]]:
    """Independent majority vote (ties: alphabetically first) and its support."""
    votes: dict[str, list[str]] = {}
    for name in ANNOTATORS:
        for sid, label in _labels(name).items():
            votes.setdefault(sid, []).append(label)
    out = {}
    for sid, vs in votes.items():
        counts = Counter(vs)
        top = max(counts.values())
        out[sid] = (sorted(k for k, n in counts.items() if n == top)[0], top / len(vs))
    return out


def _judge(path: Path) -> dict[str, str]:
    return {r["original_id"]: r["rejection"] for r in _read(path)}


def test_consensus_matches_independent_majority(project):
    ev = MetaEvaluator(project, load=True)
    evidence = gather_evidence(ev)
    coded = coded_task(evidence, evidence.tasks[0])
    expected = _consensus()
    for i, sid in enumerate(coded.ids):
        if sid in expected:
            label, support = expected[sid]
            assert coded.labels[coded.consensus[i]] == label, sid
            assert coded.support[i] == pytest.approx(support)
        else:
            assert coded.consensus[i] == -1


def test_mcnemar_row_matches_statsmodels(project, page):
    cons = _consensus()
    a = _judge(INPUTS / "keyword_baseline_judge.csv")
    b = _judge(project.parent / "flipped.csv")
    ids = [s for s in cons if s in a and s in b]
    ra = np.array([a[s] == cons[s][0] for s in ids])
    rb = np.array([b[s] == cons[s][0] for s in ids])
    table = [[np.sum(ra & rb), np.sum(ra & ~rb)], [np.sum(~ra & rb), np.sum(~ra & ~rb)]]
    p = float(mcnemar(table, exact=True).pvalue)
    section = page.split('id="judge-vs-judge"')[1].split("</table>")[0]
    row = next(r for r in section.split("<tr>") if "accuracy vs consensus" in r)
    shown = re.findall(r'data-sort="([^"]+)">(?:&lt; 0.001|[0-9.]+)</td>', row)[-1]
    assert float(shown) == pytest.approx(p, abs=1e-12)
    assert f"{rb.mean():.3f} vs {ra.mean():.3f}" in row  # pair order: flipped, keyword


def test_heat_map_matches_independent_agreement(page):
    bob, dara = _labels("ann_bob"), _labels("ann_dara")
    shared = [s for s in bob if s in dara]
    agree = sum(bob[s] == dara[s] for s in shared) / len(shared)
    assert f'title="ann_bob vs ann_dara: {len(shared):,} shared items">{agree:.2f}<' in page


def test_explorer_json_is_escaped_and_round_trips(page):
    blocks = re.findall(
        r'<script type="application/json" class="ex-data">(.*?)</script>', page, re.S
    )
    assert len(blocks) == 1  # one labelled task (explanation is free text)
    raw = blocks[0]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    payload = json.loads(raw)
    assert payload["texts"][1][payload["ids"].index("s001")] == EVIL
    assert EVIL in payload["why"][payload["judge_ids"].index("flipped")]
    # most contested first: humans split before unanimous, then more judges wrong
    keys = list(zip(payload["split"], payload["wrong"], strict=True))
    assert keys == sorted(keys, reverse=True)
    assert json_for_script(["\u2028</script>"]) == '["\\u2028\\u003c/script\\u003e"]'
    # nothing from the data reaches the page unescaped
    assert EVIL not in page and html.escape(EVIL) in page


def test_verdict_and_costs(page):
    verdict = page.split('id="verdict"')[1].split('id="summary-table"')[0]
    assert "task: rejection" in verdict
    assert re.search(r"alt-test <span class=\"badge (pass|fail|unknown)\">", verdict)
    assert "cost not recorded" in verdict  # external judges
    assert 'class="recommendation"' in verdict


def test_csv_and_report_regeneration(project):
    csv_path = project / "scores" / "score_report.csv"
    assert main(["report", str(project), "--format", "csv"]) == 0
    frame = pl.read_csv(csv_path)
    assert sorted(frame["judge_id"]) == ["flipped", "keyword"]
    assert any(c.endswith("__ci_low") for c in frame.columns)
    assert any(c.endswith("__verdict") for c in frame.columns)
    html_path = project / "scores" / "score_report.html"
    html_path.unlink()
    assert main(["report", str(project)]) == 0
    assert 'id="explorer"' in html_path.read_text(encoding="utf-8")


def test_header_counts_without_scores(tmp_path):
    project = _build(tmp_path, score=False)
    ev = MetaEvaluator(project, load=True)
    ev.load_metrics_from_yaml(tmp_path / "metrics.yaml")
    page = ev.score_report.to_html()
    assert "2 judges (0 scored)" in page
    assert "3 metric configs (0 with scores)" in page
    assert "No scores yet" in page
    assert 'id="explorer"' in page  # the samples can be explored before any score


def test_run_health_from_results_table(project):
    ev = MetaEvaluator(project, load=True)
    frame = pl.DataFrame(
        {
            "original_id": ["s001", "s002", "s003", "s004"],
            "status": ["success", "parsing_error", "llm_error", "success"],
            "error_message": [None, "no JSON <found>", "HTTP 500", None],
            "llm_raw_response_content": ["{}", "I think <b>yes</b>", None, "{}"],
            "latency_s": [1.0, 2.0, 4.0, 3.0],
            "input_tokens": [10, 20, 30, 40],
            "output_tokens": [1, 2, 3, 4],
            "cost_usd": [0.01, 0.02, 0.0, 0.01],
            "attempts": [1, 3, 4, 1],
            "calls": [1, 3, 4, 0],
            "rejection": ["rejection", None, None, "not rejection"],
        }
    )
    JudgeResults(judge_id="broken", task_names=["rejection"], results_data=frame).save(
        ev.results_dir / "broken"
    )
    rows = health_rows(gather_evidence(ev))
    h = rows["broken"]
    assert h["status"] == {"success": 2, "parsing_error": 1, "llm_error": 1}
    assert h["retries"] == 0 + 2 + 3 + 0
    assert h["calls"] == 8
    assert (h["input_tokens"], h["output_tokens"]) == (100, 10)
    assert h["cost_usd"] == pytest.approx(0.04) and h["cost_per_100"] == pytest.approx(1.0)
    assert h["latency_p50_s"] == pytest.approx(np.median([1, 2, 4, 3]))
    assert h["latency_p95_s"] == pytest.approx(np.quantile([1, 2, 4, 3], 0.95))
    assert h["example"]["id"] == "s002" and h["example"]["error"] == "no JSON <found>"
    page = ev.score_report.to_html()
    assert "no JSON &lt;found&gt;" in page and "I think &lt;b&gt;yes&lt;/b&gt;" in page
    (ev.results_dir / "broken" / "results.parquet").unlink()
    (ev.results_dir / "broken" / "state.json").unlink()


def test_text_similarity_comparison_matches_difflib(project):
    import difflib

    from meta_evaluator.report._compare_judges import compare_judges, item_similarities

    ev = MetaEvaluator(project, load=True)
    evidence = gather_evidence(ev)
    sims = item_similarities(evidence)["explanation"]
    humans = {
        name: {
            r["original_id"]: r["explanation"]
            for r in _read(INPUTS / "annotations" / f"{name}.csv")
            if r["explanation"]
        }
        for name in ANNOTATORS
    }
    judge = {r["original_id"]: r["explanation"] for r in _read(project.parent / "flipped.csv")}
    ids = evidence.samples["original_id"].to_list()
    expected = []
    for sid in ids:
        texts = [h[sid] for h in humans.values() if sid in h]
        ratios = [difflib.SequenceMatcher(None, judge[sid], t).ratio() for t in texts]
        expected.append(np.mean(ratios) if ratios else np.nan)
    np.testing.assert_allclose(sims["flipped"], np.array(expected), atol=1e-12)
    row = next(
        c for c in compare_judges(evidence, {"explanation": sims}) if c.symbol == "similarity"
    )
    assert row.value_a == pytest.approx(np.nanmean(expected), abs=1e-12)  # flipped is judge A
    assert row.difference == pytest.approx(row.value_a - row.value_b, abs=1e-12)


def test_static_table_without_javascript_shows_most_contested(page):
    raw = re.search(r'<script type="application/json" class="ex-data">(.*?)</script>', page, re.S)
    payload = json.loads(raw.group(1))
    static = page.split('class="scroll ex-static"')[1].split("</table>")[0]
    ids = re.findall(r'<tr><th scope="row">([^<]+)</th>', static)
    assert ids == payload["ids"][: len(ids)] and len(ids) == min(50, len(payload["ids"]))


def test_compare_page_equals_a_page_built_afterwards(tmp_path):
    """compare builds the score-independent sections on its evidence thread; the page it
    writes equals one built from scratch afterwards (timestamps aside), and each evidence
    builds its sections once."""
    from meta_evaluator.report import _decision

    ev = MetaEvaluator(_build(tmp_path, score=False), load=True)
    ev.load_metrics_from_yaml(tmp_path / "metrics.yaml")
    ev.compare_async()
    written = (ev.scores_dir / "score_report.html").read_text(encoding="utf-8")
    evidence = _decision.prepared_evidence(ev)
    assert evidence is not None
    assert _decision.evidence_sections(evidence) is _decision.evidence_sections(evidence)
    fresh = ev.score_report.to_html()
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert "Disagreement explorer" in written
    assert stamp.sub("T", fresh) == stamp.sub("T", written)
