"""AgreementReport: every number against krippendorff / statsmodels / sklearn or by hand."""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations

import krippendorff
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from meta_evaluator.agreement import agreement_from_frames
from meta_evaluator.errors import ConfigError
from meta_evaluator.stats import gwet_ac1, percent_agreement

SCHEMA = ["unsafe", "safe", "unsure"]


def wide(ann: pl.DataFrame, column: str):
    """items (sorted) x annotators (sorted) object matrix, None = missing."""
    items = sorted(set(ann["original_id"]))
    raters = sorted(set(ann["annotator_id"]))
    cell = {(o, a): v for o, a, v in ann.select("original_id", "annotator_id", column).iter_rows()}
    return items, raters, [[cell.get((o, a)) for a in raters] for o in items]


def codes(matrix, order):
    pos = {v: i for i, v in enumerate(order)}
    return np.array([[np.nan if v is None else pos[v] for v in row] for row in matrix]).T


def test_hand_computed_three_annotators(task):
    ann = pl.DataFrame(
        {
            "original_id": ["a", "a", "a", "b", "b", "b", "c", "c", "d"],
            "annotator_id": ["x", "y", "z", "x", "y", "z", "x", "y", "x"],
            "verdict": ["safe", "safe", "unsafe", "unsure", "unsure", "unsure", "safe", "unsafe",
                        "safe"],
        }
    )  # fmt: skip
    rep = agreement_from_frames(task, "verdict", ann)
    # per item: a = safe 2/3; b = unsure 3/3; c = tie safe/unsafe -> "safe" (sorted); d = 1 vote
    per = rep.per_item
    assert per["original_id"].to_list() == ["a", "b", "c", "d"]
    assert per["consensus"].to_list() == ["safe", "unsure", "safe", "safe"]
    assert per["agreement"].to_list() == pytest.approx([2 / 3, 1.0, 0.5, 1.0])
    assert per["tie"].to_list() == [False, False, True, False]
    assert per["n_labels"].to_list() == [3, 3, 2, 1]
    assert per.row(0, named=True)["votes"] == [
        {"annotator_id": "x", "label": "safe"},
        {"annotator_id": "y", "label": "safe"},
        {"annotator_id": "z", "label": "unsafe"},
    ]
    # percent agreement: a = 2/6 ordered pairs agree -> 1/3, b = 1, c = 0: mean 4/9
    assert rep.overall["percent_agreement"] == pytest.approx(4 / 9, abs=1e-12)
    assert rep.overall["n_items"] == 4 and rep.overall["n_raters"] == 3
    assert rep.overall["n_items_multi"] == 3
    assert rep.overall["fleiss_kappa"] is None  # 3, 3, 2 and 1 labels: Fleiss does not apply
    # pairwise x-y: shared a, b, c, d? (y has a, b, c) -> agree on a, b: 2/3
    xy = rep.pairwise.filter((pl.col("rater_a") == "x") & (pl.col("rater_b") == "y")).row(
        0, named=True
    )
    assert xy["n_items"] == 3 and xy["percent_agreement"] == pytest.approx(2 / 3)
    assert xy["cohen_kappa"] == pytest.approx(
        cohen_kappa_score(["safe", "unsure", "safe"], ["safe", "unsure", "unsafe"]), abs=1e-12
    )
    # per annotator z: vs x (a, b: 1 agree of 2) and y (a, b: 1 of 2) -> pooled 2/4
    z = rep.per_annotator.filter(pl.col("annotator_id") == "z").row(0, named=True)
    assert z["agreement_with_others"] == pytest.approx(0.5) and z["n_items"] == 2
    assert rep.low_agreement()["original_id"].to_list() == ["c", "a"]
    assert rep.low_agreement(threshold=0.6)["original_id"].to_list() == ["c"]


@pytest.mark.parametrize("seed", range(3))
def test_random_with_missing_matches_reference_packages(task, annotations, seed):
    ann = annotations(seed)
    rep = agreement_from_frames(task, "verdict", ann)
    items, raters, matrix = wide(ann, "verdict")
    rel = codes(matrix, SCHEMA)  # raters x items
    ref_alpha = krippendorff.alpha(reliability_data=rel, level_of_measurement="nominal")
    assert rep.overall["krippendorff_alpha"] == pytest.approx(ref_alpha, abs=1e-9)
    assert rep.overall["percent_agreement"] == pytest.approx(percent_agreement(matrix), 1e-12)
    assert rep.overall["gwet_ac1"] == pytest.approx(gwet_ac1(matrix, categories=SCHEMA), abs=1e-12)
    for a, b in combinations(range(len(raters)), 2):
        both = [(r[a], r[b]) for r in matrix if r[a] is not None and r[b] is not None]
        row = rep.pairwise.filter(
            (pl.col("rater_a") == raters[a]) & (pl.col("rater_b") == raters[b])
        ).row(0, named=True)
        assert row["n_items"] == len(both)
        assert row["percent_agreement"] == pytest.approx(np.mean([x == y for x, y in both]))
        ref = cohen_kappa_score([x for x, _ in both], [y for _, y in both], labels=SCHEMA)
        assert row["cohen_kappa"] == pytest.approx(ref, abs=1e-9)
    # consensus: most votes, ties to the alphabetically first label
    for oid, row in zip(items, matrix, strict=True):
        votes = Counter(v for v in row if v is not None)
        top = max(votes.values())
        expect = min(v for v, n in votes.items() if n == top)
        got = rep.per_item.filter(pl.col("original_id") == oid).row(0, named=True)
        assert got["consensus"] == expect
        assert got["agreement"] == pytest.approx(top / sum(votes.values()))
        assert got["tie"] == (sum(n == top for n in votes.values()) > 1)


def test_numeric_task_uses_interval_alpha_and_quadratic_kappa(task, annotations):
    ann = annotations(5)
    rep = agreement_from_frames(task, "score", ann)
    _, raters, matrix = wide(ann, "score")
    rel = np.array([[np.nan if v is None else v for v in row] for row in matrix], float).T
    assert rep.overall["alpha_level"] == "interval"
    ref = krippendorff.alpha(reliability_data=rel, level_of_measurement="interval")
    assert rep.overall["krippendorff_alpha"] == pytest.approx(ref, abs=1e-9)
    row = rep.pairwise.row(0, named=True)
    a, b = raters.index(row["rater_a"]), raters.index(row["rater_b"])
    both = [(r[a], r[b]) for r in matrix if r[a] is not None and r[b] is not None]
    ref_k = cohen_kappa_score(
        [x for x, _ in both], [y for _, y in both], labels=[1, 2, 3, 4, 5], weights="quadratic"
    )
    assert row["cohen_kappa"] == pytest.approx(ref_k, abs=1e-9)
    assert rep.per_item["consensus"].dtype == pl.Int64


def test_fleiss_when_every_item_has_the_same_number_of_labels(task, annotations):
    ann = annotations(2, p_missing=0.0)
    rep = agreement_from_frames(task, "verdict", ann)
    _, _, matrix = wide(ann, "verdict")
    pos = {v: i for i, v in enumerate(SCHEMA)}
    table, _ = aggregate_raters(np.array([[pos[v] for v in r] for r in matrix]), n_cat=3)
    assert rep.overall["fleiss_kappa"] == pytest.approx(
        sm_fleiss_kappa(table, method="fleiss"), abs=1e-9
    )


def test_judges_join_pairwise_and_per_annotator(task, judge):
    ann = pl.DataFrame(
        {
            "original_id": ["a", "a", "b", "b", "c", "c"],
            "annotator_id": ["x", "y"] * 3,
            "verdict": ["safe", "safe", "unsafe", "safe", "unsure", "unsure"],
        }
    )
    j = judge("gpt", {"a": "safe", "b": "unsafe", "c": "safe", "zzz": "safe"})
    rep = agreement_from_frames(task, "verdict", ann, {"gpt": j})
    assert set(rep.pairwise["rater_b"]) == {"y", "gpt"}
    g = rep.per_annotator.filter(pl.col("annotator_id") == "gpt").row(0, named=True)
    # judge vs x: a, b agree, c not (2/3); vs y: a agrees (1/3): pooled 3/6
    assert g["rater_kind"] == "judge" and g["agreement_with_others"] == pytest.approx(0.5)
    rel = np.array([[1, 0, 2], [1, 1, 2], [1, 0, 1]], float)  # x, y, gpt in schema codes
    assert rep.overall["krippendorff_alpha_with_judges"] == pytest.approx(
        krippendorff.alpha(reliability_data=rel, level_of_measurement="nominal"), abs=1e-9
    )
    assert rep.overall["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=rel[:2], level_of_measurement="nominal"), abs=1e-9
    )
    assert rep.per_item.row(2, named=True)["judge_votes"] == [{"judge_id": "gpt", "label": "safe"}]
    humans_only = agreement_from_frames(task, "verdict", ann, {"gpt": j}, include_judges=False)
    assert "gpt" not in set(humans_only.per_annotator["annotator_id"])
    assert "judge_votes" not in humans_only.per_item.columns


def test_multilabel_sets_compare_as_whole_sets(task):
    ann = pl.DataFrame(
        {
            "original_id": ["a", "a", "b", "b"],
            "annotator_id": ["x", "y", "x", "y"],
            "tags": [["rude", "spam"], ["spam", "rude"], ["spam"], []],
        }
    )
    rep = agreement_from_frames(task, "tags", ann)
    assert rep.per_item["agreement"].to_list() == [1.0, 0.5]
    assert rep.per_item["consensus"].to_list()[0] == ["rude", "spam"]
    assert rep.overall["percent_agreement"] == pytest.approx(0.5)


def test_exports_and_csv(tmp_path, task, annotations, data):
    ann = annotations(1)
    rep = agreement_from_frames(task, "verdict", ann, data=data(60))
    low = rep.low_agreement(0.67)
    assert low.height > 0
    assert low["agreement"].is_sorted()
    n = rep.export_label_studio(tmp_path / "ls.json", threshold=0.67)
    tasks = json.loads((tmp_path / "ls.json").read_text())
    assert n == len(tasks) == low.height
    first = low.row(0, named=True)["original_id"]
    idx = int(first[1:])
    assert tasks[0] == {
        "data": {
            "id": first,
            "prompt": f"prompt {idx}",
            "response": f"response {idx}",
            "original_id": first,
        }
    }
    n = rep.export_argilla(tmp_path / "ag.json", threshold=0.67)
    records = json.loads((tmp_path / "ag.json").read_text())
    assert n == low.height and records[0]["id"] == first and records[0]["original_id"] == first
    rep.to_csv(tmp_path / "items.csv")
    back = pl.read_csv(tmp_path / "items.csv")
    assert back["original_id"].to_list() == rep.per_item["original_id"].to_list()
    assert json.loads(back["votes"][0]) == rep.per_item["votes"][0].to_list()
    rep.to_csv(tmp_path / "pairs.csv", table="pairwise")
    assert pl.read_csv(tmp_path / "pairs.csv").height == rep.pairwise.height


def test_errors(task, annotations):
    ann = annotations(0)
    with pytest.raises(ConfigError, match="free-text task 'note'"):
        agreement_from_frames(task, "note", ann.with_columns(note=pl.lit("x")))
    with pytest.raises(ConfigError, match="no human annotation has a label"):
        agreement_from_frames(task, "verdict", ann.clear())
    rep = agreement_from_frames(task, "verdict", ann)
    with pytest.raises(ConfigError, match="'threshold' must be between 0 and 1"):
        rep.low_agreement(1.5)
    with pytest.raises(ConfigError, match="needs the samples' columns"):
        rep.export_label_studio("x.json")
    with pytest.raises(ConfigError, match="'table' parameter"):
        rep.to_csv("x.csv", table="items")


def test_degenerate_single_label_items_give_nan_with_reason(task):
    ann = pl.DataFrame(
        {"original_id": ["a", "b"], "annotator_id": ["x", "y"], "verdict": ["safe", "unsafe"]}
    )
    rep = agreement_from_frames(task, "verdict", ann)
    assert np.isnan(rep.overall["krippendorff_alpha"])
    assert np.isnan(rep.overall["percent_agreement"])
    assert any("no item has 2 or more ratings" in w for w in rep.overall["warnings"])
    assert rep.pairwise.height == 0
    assert rep.low_agreement().height == 0
