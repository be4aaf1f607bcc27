"""The vectorised report evidence and explorer JSON equal slow, per-item references."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from meta_evaluator.report import _explorer
from meta_evaluator.report._evidence import ReportEvidence, TaskInfo, coded_task
from meta_evaluator.report._explorer import explorer_payload, json_for_script, payload_json

LABELS = ["b", "a", "c"]  # schema order is not alphabetical: ties must still go to "a"


def _random_evidence(seed: int) -> ReportEvidence:
    rng = np.random.default_rng(seed)
    n = 60
    ids = [f"s{i}" for i in rng.permutation(n)]
    texts = ["</script>\u2028 & <b>", None, "x" * 4100, "plain"]
    samples = pl.DataFrame(
        {"original_id": ids, "text": [texts[k] for k in rng.integers(0, 4, n)]},
        schema_overrides={"text": pl.Utf8},
    )
    rows = []
    for a in ["h1", "h2", "h3"]:
        for sid in rng.permutation([*ids, "not-a-sample"]).tolist():
            if rng.random() < 0.8:
                rows.append((sid, a, [*LABELS, "off-schema", None][rng.integers(0, 5)]))
    humans = pl.DataFrame(
        rows,
        schema={"original_id": pl.Utf8, "annotator_id": pl.Utf8, "label": pl.Utf8},
        orient="row",
    )
    judges = {}
    for jid in ["j1", "j2"]:
        picked = rng.permutation(ids)[: n - 5].tolist()
        m = len(picked)
        judges[jid] = pl.DataFrame(
            {
                "original_id": picked,
                "status": rng.choice(["success", "partial", "error"], m).tolist(),
                "error_message": ["boom <x>"] * m,
                "confidence": rng.random(m).tolist(),
                "label": rng.choice(LABELS, m).tolist(),
                "rationale": rng.choice(["why </script>", "because", "y" * 4005], m).tolist(),
            }
        )
    return ReportEvidence(
        tasks=[
            TaskInfo(name="label", kind="categorical", labels=LABELS),
            TaskInfo(name="rationale", kind="text", labels=None),
        ],
        text_columns=["text"],
        samples=samples,
        humans=humans,
        judges=judges,
    )


def _slow_codes(evidence: ReportEvidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-item Python loops: human codes, judge codes and the majority consensus."""
    ids = evidence.samples["original_id"].to_list()
    annotators = sorted(set(evidence.humans["annotator_id"].to_list()))
    humans = np.full((len(annotators), len(ids)), -1)
    for sid, a, label in evidence.humans.iter_rows():
        if sid in ids and label in LABELS:
            humans[annotators.index(a), ids.index(sid)] = LABELS.index(label)
    judges = np.full((len(evidence.judges), len(ids)), -1)
    for r, df in enumerate(evidence.judges.values()):
        for row in df.iter_rows(named=True):
            if row["status"] in ("success", "partial"):
                judges[r, ids.index(row["original_id"])] = LABELS.index(row["label"])
    consensus = []
    for i in range(len(ids)):
        votes = [LABELS[c] for c in humans[:, i] if c >= 0]
        if not votes:
            consensus.append(-1)
            continue
        top = max(votes.count(v) for v in votes)
        consensus.append(LABELS.index(min(v for v in votes if votes.count(v) == top)))
    return humans, judges, np.array(consensus)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coded_task_equals_per_item_reference(seed):
    evidence = _random_evidence(seed)
    coded = coded_task(evidence, evidence.tasks[0])
    humans, judges, consensus = _slow_codes(evidence)
    assert coded.humans.tolist() == humans.tolist()
    assert coded.judges.tolist() == judges.tolist()
    assert coded.consensus.tolist() == consensus.tolist()
    assert coded_task(evidence, evidence.tasks[0]) is coded  # coded once per report


@pytest.mark.parametrize("seed", [0, 1])
def test_payload_json_equals_json_of_lists(seed, monkeypatch):
    evidence = _random_evidence(seed)
    coded = coded_task(evidence, evidence.tasks[0])
    monkeypatch.setattr(_explorer, "MAX_ROWS", 40)
    payload = explorer_payload(evidence, coded)
    as_lists = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in payload.items()}
    text = payload_json(payload)
    assert text == json_for_script(as_lists)
    assert "</script" not in text and "\u2028" not in text
    back = json.loads(text)
    clip = "x" * 4000 + " … (cut)"
    assert clip in back["texts"][0] and "" in back["texts"][0]  # long text cut, null -> ""
    # the reference cut and status notes, per item
    order = _explorer.contested_order(coded)[:40].tolist()
    raw = evidence.samples["text"].to_list()
    assert back["texts"][0] == [
        "" if raw[i] is None else raw[i] if len(raw[i]) <= 4000 else raw[i][:4000] + " … (cut)"
        for i in order
    ]
    assert back["ids"] == [coded.ids[i] for i in order]


def test_int_json_edge_shapes():
    for values in (
        np.zeros((0, 3), dtype=np.int64),
        np.zeros((4, 0), dtype=np.int64),
        np.array([[-1, 2], [3, -4]], dtype=np.int64),
        np.array([], dtype=np.int64),
        np.array([5, -1], dtype=np.int64),
    ):
        assert _explorer._int_json(values) == json.dumps(values.tolist(), separators=(",", ":"))
