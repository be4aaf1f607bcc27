from __future__ import annotations

from collections import Counter

import polars as pl
import pytest

from meta_evaluator.annotate._assignment import assign, low_agreement_samples
from meta_evaluator.errors import ConfigError
from meta_evaluator.eval_task import EvalTask, MultiLabelSchema

IDS = [f"s{i}" for i in range(50)]


def test_every_sample_goes_to_exactly_k_annotators_evenly():
    q = assign(IDS, ["c", "a", "b", "d"], overlap=2, seed=7)
    counts = Counter(s for ids in q.values() for s in ids)
    assert set(counts) == set(IDS) and set(counts.values()) == {2}
    assert all(len(set(ids)) == len(ids) for ids in q.values())
    assert sorted(len(ids) for ids in q.values()) == [25, 25, 25, 25]  # 50*2/4


def test_default_overlap_is_everyone_in_a_personal_seeded_order():
    q = assign(IDS, ["a", "b"], seed=1)
    assert sorted(q["a"]) == sorted(IDS) == sorted(q["b"])
    assert q["a"] != q["b"] and q["a"] != IDS
    assert assign(IDS, ["a", "b"], seed=1) == q  # a restart gives the same queues
    assert assign(IDS, ["a", "b"], seed=2) != q


def test_priority_restricts_and_orders_the_round():
    q = assign(IDS, ["a", "b", "c"], overlap=2, priority=["s9", "s3", "s5"])
    for ids in q.values():
        assert ids == [s for s in ["s9", "s3", "s5"] if s in ids]
    assert Counter(s for ids in q.values() for s in ids) == {"s9": 2, "s3": 2, "s5": 2}


@pytest.mark.parametrize("k", [0, 3])
def test_overlap_out_of_range_is_a_config_error(k):
    with pytest.raises(ConfigError, match="overlap"):
        assign(IDS, ["a", "b"], overlap=k)


def test_low_agreement_orders_most_contested_first():
    task = EvalTask(
        task_schemas={"v": ["x", "y", "z"], "m": MultiLabelSchema(outcomes=["p", "q"]), "t": None},
        response_columns=["r"],
    )
    rows = [
        # s1: v all agree, m 1 of 3 pairs agree -> 1/3
        ("s1", "a", "x", ["p"], "t"), ("s1", "b", "x", ["p"], "u"), ("s1", "c", "x", ["q"], None),
        # s2: v x,y,z -> 0 pairs agree
        ("s2", "a", "x", None, None), ("s2", "b", "y", None, None), ("s2", "c", "z", None, None),
        # s3: full agreement -> left out; s4: one rating -> left out
        ("s3", "a", "y", [], None), ("s3", "b", "y", [], None), ("s4", "a", "x", None, None),
    ]  # fmt: skip
    frame = pl.DataFrame(
        rows,
        schema={"original_id": pl.Utf8, "annotator_id": pl.Utf8, "v": pl.Utf8,
                "m": pl.List(pl.Utf8), "t": pl.Utf8},
        orient="row",
    )  # fmt: skip
    assert low_agreement_samples(frame, task) == ["s2", "s1"]


def test_low_agreement_without_disagreement_is_a_clear_error():
    task = EvalTask(task_schemas={"v": ["x", "y"]}, response_columns=["r"])
    frame = pl.DataFrame({"original_id": ["s1"], "annotator_id": ["a"], "v": ["x"]})
    with pytest.raises(ConfigError, match="no sample has disagreeing labels"):
        low_agreement_samples(frame, task)
