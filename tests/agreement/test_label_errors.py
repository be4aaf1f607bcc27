"""Label-error candidates: confident learning, cross-checked against cleanlab."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from cleanlab.count import get_confident_thresholds
from cleanlab.filter import find_label_issues

from meta_evaluator.agreement import label_errors_from_frames
from meta_evaluator.errors import ConfigError

SCHEMA = ["unsafe", "safe", "unsure"]


def test_hand_example_flags_the_item_the_judges_contradict(task, judge):
    ann = pl.DataFrame(
        {
            "original_id": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "annotator_id": ["x", "y"] * 4,
            "verdict": ["safe", "safe", "safe", "safe", "unsafe", "unsafe", "unsafe", "safe"],
        }
    )
    # consensus: a safe, b safe, c unsafe, d tie unsafe/safe -> "safe" (alphabetical)
    j1 = judge("j1", {"a": "safe", "b": "unsafe", "c": "unsafe", "d": "unsafe"})
    j2 = judge("j2", {"a": "safe", "b": "unsafe", "c": "unsafe", "d": "safe"})
    out = label_errors_from_frames(task, "verdict", ann, {"j1": j1, "j2": j2}, include_all=True)
    # p (codes unsafe, safe, unsure), hard labels: off-class share 0
    # a = (0, 1, 0), b = (1, 0, 0), c = (1, 0, 0), d = (1/2, 1/2, 0)
    # thresholds: safe over a, b, d: (1 + 0 + 1/2) / 3 = 1/2; unsafe over c: 1
    # b: unsafe 1 >= 1 -> confident unsafe != safe: candidate, margin 0 - 1 = -1 -> score 1
    # d: safe 1/2 >= 1/2 only -> confident safe == given: not a candidate
    rows = {r["original_id"]: r for r in out.iter_rows(named=True)}
    assert out["original_id"][0] == "b"
    assert rows["b"]["is_candidate"] and rows["b"]["suggested_label"] == "unsafe"
    assert rows["b"]["score"] == pytest.approx(1.0) and rows["b"]["self_confidence"] == 0.0
    assert not rows["d"]["is_candidate"] and rows["d"]["score"] == pytest.approx(0.5)
    assert rows["d"]["human_support"] == 0.5
    assert rows["b"]["judge_labels"] == [
        {"judge_id": "j1", "label": "unsafe", "confidence": None},
        {"judge_id": "j2", "label": "unsafe", "confidence": None},
    ]
    assert [v["label"] for v in rows["b"]["human_votes"]] == ["safe", "safe"]
    only = label_errors_from_frames(task, "verdict", ann, {"j1": j1, "j2": j2})
    assert only["original_id"].to_list() == ["b"]


def test_vote_shares_soften_the_probabilities(task, judge):
    ann = pl.DataFrame({"original_id": ["a"], "annotator_id": ["x"], "verdict": ["safe"]})
    j = judge("j", {"a": "unsafe"}, confidence={"a": 0.6})
    out = label_errors_from_frames(task, "verdict", ann, {"j": j}, include_all=True)
    # p = (0.6, 0.2, 0.2): self-confidence of "safe" = 0.2, margin 0.2 - 0.6 -> score 0.7
    assert out["self_confidence"][0] == pytest.approx(0.2)
    assert out["score"][0] == pytest.approx(0.7)


@pytest.mark.parametrize("seed", range(4))
def test_candidates_match_cleanlab_confident_learning(task, judge, annotations, seed):
    rng = np.random.default_rng(seed)
    ann = annotations(seed, n_items=120, n_annotators=3, p_missing=0.2)
    ids = sorted(set(ann["original_id"]))
    judges = {}
    for j in range(3):
        labels = {o: SCHEMA[int(rng.integers(0, 3))] for o in ids if rng.random() < 0.9}
        conf = {o: float(rng.uniform(0.34, 1.0)) for o in labels}
        judges[f"j{j}"] = judge(f"j{j}", labels, conf)
    out = label_errors_from_frames(task, "verdict", ann, judges, include_all=True)
    order = out.sort("original_id")
    given = np.array([SCHEMA.index(v) for v in order["consensus"]])
    # rebuild p exactly as documented: share on the label, (1 - share) / 2 elsewhere
    probs = np.zeros((order.height, 3))
    for n, row in enumerate(order.iter_rows(named=True)):
        for jl in row["judge_labels"]:
            v = np.full(3, (1 - jl["confidence"]) / 2)
            v[SCHEMA.index(jl["label"])] = jl["confidence"]
            probs[n] += v / len(row["judge_labels"])
    if len(set(given)) < 3:
        pytest.skip("cleanlab needs every class among the given labels")
    ref = find_label_issues(given, probs, filter_by="confident_learning")
    assert order["is_candidate"].to_list() == ref.tolist()
    assert np.allclose(
        order["self_confidence"].to_numpy(), probs[np.arange(len(given)), given], atol=1e-12
    )
    thresholds = get_confident_thresholds(given, probs)
    for row, p in zip(order.iter_rows(named=True), probs, strict=True):
        if row["is_candidate"]:
            above = p >= thresholds - 1e-6
            expect = p.argmax() if above.sum() > 1 else above.argmax()
            assert row["suggested_label"] == SCHEMA[expect]
    assert out["score"].is_sorted(descending=True)


def test_errors(task, judge):
    ann = pl.DataFrame({"original_id": ["a"], "annotator_id": ["x"], "verdict": ["safe"]})
    with pytest.raises(ConfigError, match="needs judge labels"):
        label_errors_from_frames(task, "verdict", ann, {})
