"""coded_task on numeric-scale and multilabel tasks; the sections that read it."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from meta_evaluator.judges import JudgeResults
from meta_evaluator.report._confusion import confusion_section
from meta_evaluator.report._decision import decision_sections
from meta_evaluator.report._evidence import ReportEvidence, TaskInfo, coded_task


def _judge_frame(ids, **tasks):
    frame = pl.DataFrame({"original_id": ids, "status": ["success"] * len(ids), **tasks})
    return JudgeResults(judge_id="x", task_names=list(tasks), results_data=frame).results_data


@pytest.fixture
def evidence():
    ids = ["a", "b", "c", "d"]
    humans = pl.DataFrame(
        {
            "original_id": ["a", "b", "c", "d", "a", "b", "c"],
            "annotator_id": ["h1"] * 4 + ["h2"] * 3,
            "score": [1, 2, 3, 3, 1, 3, 2],
            "tags": [["x"], ["x", "y"], [], ["y"], ["x"], ["y", "x"], ["y"]],
        },
        schema_overrides={"score": pl.Int64, "tags": pl.List(pl.Utf8)},
    )
    judges = {
        "j": _judge_frame(ids, score=[1, 3, 3, 2], tags=[["x"], ["x", "y"], ["y"], None]),
        "k": _judge_frame(ids, score=[2, 2, 3, None], tags=[["y"], ["x"], ["y"], ["y"]]),
    }
    return ReportEvidence(
        tasks=[
            TaskInfo(name="score", kind="numeric", labels=["1", "2", "3"]),
            TaskInfo(name="tags", kind="multilabel", labels=["x", "y"]),
        ],
        text_columns=["text"],
        samples=pl.DataFrame({"original_id": ids, "text": ["t1", "t2", "t3", "t4"]}),
        humans=humans,
        judges=judges,
    )


def test_numeric_codes_and_consensus(evidence):
    coded = coded_task(evidence, evidence.tasks[0])
    assert coded.labels == ["1", "2", "3"]
    assert coded.humans.tolist() == [[0, 1, 2, 2], [0, 2, 1, -1]]
    assert coded.judges.tolist() == [[0, 2, 2, 1], [1, 1, 2, -1]]
    # b: 2 vs 3 tie -> "2" (alphabetically first); c: 3 vs 2 -> "2"; d: only h1 -> "3"
    assert coded.consensus.tolist() == [0, 1, 1, 2]
    assert coded.support.tolist() == [1.0, 0.5, 0.5, 1.0]


def test_multilabel_sets_are_labels(evidence):
    coded = coded_task(evidence, evidence.tasks[1])
    assert coded.labels == ["", "x", "x|y", "y"]  # distinct sets, sorted; [] is ""
    assert coded.humans[1].tolist()[1] == coded.labels.index("x|y")  # ["y", "x"] == ["x", "y"]
    assert coded.judges[0].tolist()[3] == -1


def test_bland_altman_matches_numpy(evidence):
    page = confusion_section(evidence)
    # judge j vs the mean human rating per item: a 1 vs 1, b 3 vs 2.5, c 3 vs 2.5, d 2 vs 3
    diff = np.array([0.0, 0.5, 0.5, -1.0])
    bias, sd = diff.mean(), diff.std(ddof=1)
    assert f"bias {bias:.3f}" in page
    assert f"[{bias - 1.96 * sd:.3f}, {bias + 1.96 * sd:.3f}]" in page
    # the inline Bland-Altman plot: one bubble per distinct (mean, difference), no external URL
    svg = page.split('<svg class="ba"')[1].split("</svg>")[0]
    assert svg.count("<circle") == 3 and "http" not in svg  # b and c share (2.75, +0.5)


def test_sections_render_for_every_task_kind(evidence):
    out = decision_sections([], [], evidence, {})
    assert out.explorer.count('class="ex-data"') == 2
    assert "judge-vs-judge" in out.judge_vs_judge
    assert re.search(r"alpha \((ordinal|nominal)\)", out.judge_vs_judge)
    assert "quadratic" in out.judge_vs_judge  # kappa on a rating scale is weighted


def test_explorer_embeds_at_most_max_rows(evidence, monkeypatch):
    from meta_evaluator.report import _explorer

    monkeypatch.setattr(_explorer, "MAX_ROWS", 2)
    coded = coded_task(evidence, evidence.tasks[0])
    payload = _explorer.explorer_payload(evidence, coded)
    assert len(payload["ids"]) == 2 and payload["n_samples"] == 4
    assert payload["ids"] == [coded.ids[i] for i in _explorer.contested_order(coded)[:2]]
    assert "Only the 2 most contested of 4 samples are embedded." in _explorer.explorer_sections(
        evidence
    )
