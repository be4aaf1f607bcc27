"""Tests for meta_evaluator.stats._alt_test (the alt-test kernel).

The kernel is cross-checked against ``_alt_test_reference.py``: a per-human / per-instance loop over
dicts written straight from the paper's definitions, using scipy's ``ttest_1samp`` / ``wilcoxon``
and statsmodels' ``multipletests(method="fdr_by")``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import special
from statsmodels.stats.multitest import multipletests

from meta_evaluator.errors import ConfigError, UndefinedMetricWarning
from meta_evaluator.stats._alt_test import AltTestResult, _by_reject, alt_test


def _load_reference() -> Any:
    path = Path(__file__).with_name("_alt_test_reference.py")
    spec = importlib.util.spec_from_file_location("_alt_test_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_alt_test_reference", module)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()

EPSILONS = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30)


# --------------------------------------------------------------------------------------------
# random data in both representations: arrays for the kernel, dicts for the reference
# --------------------------------------------------------------------------------------------


def _similarity(x: str, y: str) -> float:
    """A toy string similarity with dyadic values (exact in binary floating point)."""
    if x == y:
        return 1.0
    if x[0] == y[0]:
        return 0.5
    return 0.25 if x[-1] == y[-1] else 0.0


def make_data(seed: int, kind: str, *, n_items: int = 150, n_humans: int = 5) -> dict[str, Any]:
    """Sparse noisy annotations; human 0 labels few items (skipped), the judge misses a few."""
    rng = np.random.default_rng(seed)
    present = rng.random((n_humans, n_items)) < 0.65
    present[0] = rng.random(n_items) < 0.12  # ~18 items: below min_instances_per_human=30
    judge_ok = rng.random(n_items) < 0.95
    ids = [f"ann{j}" for j in range(n_humans)]

    if kind in ("accuracy", "callable"):
        truth = rng.integers(0, 4, n_items)
        hum = np.where(
            rng.random((n_humans, n_items)) < 0.7, truth, rng.integers(0, 4, truth.shape)
        )
        jud = np.where(rng.random(n_items) < 0.75, truth, rng.integers(0, 4, n_items))
        if kind == "accuracy":
            judge = np.where(judge_ok, jud, -1)
            humans = np.where(present, hum, -1)
            to_label = lambda c: f"label{c}"  # noqa: E731 - labels as strings in the dicts
            kw: dict[str, Any] = {"scoring": "accuracy"}
            score = ref.score_accuracy
        else:
            words = np.array(["ab", "ac", "bb", "bc"], dtype=object)
            judge = words[jud]
            humans = words[hum]
            to_label = str
            kw = {"scoring": _similarity, "mask": present, "judge_mask": judge_ok}
            score = ref.score_from_similarity(_similarity)
            hum, jud = humans, judge
    elif kind == "neg_rmse":
        truth = rng.integers(1, 6, n_items).astype(float)
        noise = rng.choice([-1.0, -0.5, 0.0, 0.0, 0.5, 1.0], size=(n_humans, n_items))
        hum = truth + noise
        jud = truth + rng.choice([-1.5, -0.5, 0.0, 0.5, 1.0], size=n_items)
        judge = np.where(judge_ok, jud, np.nan)
        humans = np.where(present, hum, np.nan)
        to_label = float
        kw = {"scoring": "neg_rmse"}
        score = ref.score_neg_rmse
    elif kind == "jaccard":
        truth = rng.integers(0, 16, n_items)
        flips_h = (rng.random((n_humans, n_items, 4)) < 0.15) @ (1 << np.arange(4))
        flips_j = (rng.random((n_items, 4)) < 0.2) @ (1 << np.arange(4))
        hum = (truth ^ flips_h).astype(np.int64)
        jud = (truth ^ flips_j).astype(np.int64)
        judge, humans = jud, hum
        to_label = lambda m: frozenset(b for b in range(4) if int(m) >> b & 1)  # noqa: E731
        kw = {"scoring": "jaccard", "mask": present, "judge_mask": judge_ok}
        score = ref.score_jaccard
    else:  # pragma: no cover
        raise AssertionError(kind)

    llm_dict = {f"i{i}": to_label(jud[i]) for i in range(n_items) if judge_ok[i]}
    human_dicts = {
        ids[j]: {f"i{i}": to_label(hum[j, i]) for i in range(n_items) if present[j, i]}
        for j in range(n_humans)
    }
    return {
        "judge": judge,
        "humans": humans,
        "kw": {**kw, "human_ids": ids},
        "llm": llm_dict,
        "human_dicts": human_dicts,
        "score": score,
    }


# --------------------------------------------------------------------------------------------
# cross-check against the reference on random data
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["accuracy", "neg_rmse", "jaccard", "callable"])
@pytest.mark.parametrize("multiplicative", [False, True])
def test_matches_reference_ttest(seed: int, kind: str, multiplicative: bool) -> None:
    data = make_data(seed, kind)
    epsilon = 0.15
    res = alt_test(
        data["judge"],
        data["humans"],
        epsilon=epsilon,
        multiplicative_epsilon=multiplicative,
        **data["kw"],
    )
    expected = ref.reference_alt_test(
        data["llm"], data["human_dicts"], data["score"], epsilon=epsilon,
        multiplicative=multiplicative,
    )  # fmt: skip
    ref.assert_matches(res, expected)
    assert res.skipped_humans == ["ann0"]  # the sparse human is reported, not silently dropped
    assert any("skipped human 'ann0'" in w for w in res.warnings)
    # the verdict varies with the data: make sure the random cases are not all trivial
    assert 0.0 < res.advantage_probability < 1.0


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("kind", ["accuracy", "neg_rmse", "jaccard", "callable"])
@pytest.mark.parametrize("multiplicative", [False, True])
def test_matches_reference_wilcoxon(seed: int, kind: str, multiplicative: bool) -> None:
    data = make_data(seed, kind, n_items=90)
    res = alt_test(
        data["judge"],
        data["humans"],
        epsilon=0.1,
        multiplicative_epsilon=multiplicative,
        test="wilcoxon",
        min_instances_per_human=20,
        **data["kw"],
    )
    expected = ref.reference_alt_test(
        data["llm"], data["human_dicts"], data["score"], epsilon=0.1,
        multiplicative=multiplicative, test="wilcoxon", min_instances_per_human=20,
    )  # fmt: skip
    ref.assert_matches(res, expected)
    assert res.test == "wilcoxon"


@pytest.mark.parametrize("kind", ["accuracy", "neg_rmse", "jaccard"])
def test_matches_reference_other_settings(kind: str) -> None:
    """Three humans per item required, q = 0.1, a small per-human minimum, 8 humans."""
    data = make_data(7, kind, n_items=200, n_humans=8)
    settings = {"min_humans_per_instance": 3, "min_instances_per_human": 10}
    res = alt_test(data["judge"], data["humans"], epsilon=0.05, q_fdr=0.1, **settings, **data["kw"])
    expected = ref.reference_alt_test(
        data["llm"], data["human_dicts"], data["score"], epsilon=0.05, q=0.1, **settings
    )
    ref.assert_matches(res, expected)
    n_dropped = 200 - res.n_instances_used
    assert n_dropped > 0
    assert any("fewer than 3 human annotations" in w for w in res.warnings)


def test_accuracy_many_label_codes_matches_reference() -> None:
    """Sparse large codes take the (item, label) pair-counting path instead of a dense table."""
    data = make_data(11, "accuracy", n_items=300)
    big = np.array([0, 10**6, 5 * 10**6, 10**7 + 3])  # codes 0..3 -> large codes
    judge = np.where(data["judge"] >= 0, big[data["judge"].clip(0)], -1)
    humans = np.where(data["humans"] >= 0, big[data["humans"].clip(0)], -1)
    res = alt_test(judge, humans, **data["kw"])
    expected = ref.reference_alt_test(data["llm"], data["human_dicts"], data["score"], epsilon=0.2)
    ref.assert_matches(res, expected)


def test_mask_combines_with_missing_codes() -> None:
    data = make_data(5, "accuracy")
    rng = np.random.default_rng(50)
    extra = rng.random(data["humans"].shape) < 0.9
    res_mask = alt_test(data["judge"], data["humans"], mask=extra, **data["kw"])
    res_codes = alt_test(data["judge"], np.where(extra, data["humans"], -1), **data["kw"])
    assert res_mask == res_codes


def test_invariant_to_item_and_human_order() -> None:
    data = make_data(6, "neg_rmse")
    res = alt_test(data["judge"], data["humans"], **data["kw"])
    perm_items = np.random.default_rng(1).permutation(data["judge"].size)
    perm_humans = [3, 1, 4, 0, 2]
    ids = [data["kw"]["human_ids"][j] for j in perm_humans]
    res2 = alt_test(
        data["judge"][perm_items],
        data["humans"][np.ix_(perm_humans, perm_items)],
        scoring="neg_rmse",
        human_ids=ids,
    )
    for name in ("llm_advantage", "human_advantage", "p_values", "rejected", "n_instances"):
        got, want = getattr(res2, name), getattr(res, name)
        assert set(got) == set(want)
        for key in want:
            assert got[key] == pytest.approx(want[key], abs=1e-12)
    assert res2.winning_rates == res.winning_rates
    assert res2.advantage_probability == pytest.approx(res.advantage_probability, abs=1e-12)


# --------------------------------------------------------------------------------------------
# hand-made cases
# --------------------------------------------------------------------------------------------


def test_hand_computed_small_example() -> None:
    # Items 0..5. h1 deviates on item 2, h2 on item 5; the judge copies h0.
    judge = np.array([0, 1, 1, 0, 1, 0])
    humans = np.array([[0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 0], [0, 1, 1, 0, 1, 1]])
    res = alt_test(judge, humans, min_instances_per_human=3, epsilon=0.2)
    # Leave h1 out. Item 2: others (h0, h2) say 1, 1; judge 1 -> S_f = 1, h1 says 0 -> S_h = 0:
    # judge strict win (d = W^h - W^f = -1). Item 5: others say 0, 1; judge 0 and h1 0 -> 1/2 each:
    # tie (d = 0). All other items: everyone agrees, tie. So rho^f = 1, rho^h = 5/6.
    assert res.llm_advantage == {"h0": 1.0, "h1": 1.0, "h2": 1.0}
    assert res.human_advantage["h1"] == pytest.approx(5 / 6, abs=1e-12)
    # h0 ties on every item (on item 2 and 5 both score 1/2), so rho^h = 1 and d == 0.
    assert res.human_advantage["h0"] == 1.0
    # t-test for h1: d = (0, 0, -1, 0, 0, 0), mean = -1/6, sample var = (5/36 + 25/36) / 5 = 1/6,
    # t = (-1/6 - 0.2) / sqrt(1/6 / 6) = (-11/30) / (1/6) = -2.2, p = T_5(-2.2).
    assert res.p_values["h1"] == pytest.approx(float(special.stdtr(5, -2.2)), abs=1e-12)
    assert res.p_values["h2"] == pytest.approx(float(special.stdtr(5, -2.2)), abs=1e-12)
    # h0: d constant 0 < 0.2 -> zero variance, t = -inf, p = 0 (scipy's convention).
    assert res.p_values["h0"] == 0.0
    # BY with m = 3: c_3 = 1 + 1/2 + 1/3 = 11/6; thresholds k/3 * 0.05 / (11/6) = 0.00909,
    # 0.01818, 0.02727. Sorted p = (0, 0.0395, 0.0395): only h0 is rejected -> omega = 1/3.
    assert res.rejected == {"h0": True, "h1": False, "h2": False}
    assert res.winning_rate == pytest.approx(1 / 3, abs=1e-12)
    assert res.passed is False
    # eps = 0: h0's d == 0 equals the null value -> nan p-value, not rejected.
    assert math.isnan(res.p_values_by_epsilon["0.00"]["h0"])
    assert res.winning_rates["0.00"] == 0.0
    # eps = 0.3: t = (-1/6 - 0.3) / (1/6) = -2.8, p = T_5(-2.8) = 0.0190 <= 0.02727: all rejected.
    assert res.p_values_by_epsilon["0.30"]["h1"] == pytest.approx(
        float(special.stdtr(5, -2.8)), abs=1e-12
    )
    assert res.winning_rates["0.30"] == 1.0


def test_multiplicative_hand_computed() -> None:
    # Same data; multiplicative eps = 0.2: d_i = W^h - W^f / 0.8. For h1: five ties give
    # 1 - 1.25 = -0.25, the strict judge win gives 0 - 1.25 = -1.25. mean = (5 * -0.25 - 1.25) / 6
    # = -2.5 / 6; deviations: +1/6 (x5), -5/6 (x1); var = (5/36 + 25/36) / 5 = 1/6;
    # t = (-2.5/6) / (1/6) = -2.5, p = T_5(-2.5).
    judge = np.array([0, 1, 1, 0, 1, 0])
    humans = np.array([[0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 0], [0, 1, 1, 0, 1, 1]])
    res = alt_test(judge, humans, min_instances_per_human=3, multiplicative_epsilon=True)
    assert res.p_values["h1"] == pytest.approx(float(special.stdtr(5, -2.5)), abs=1e-12)


def _panel(seed: int, n_items: int = 100, n_humans: int = 4, judge_acc: float = 1.0) -> Any:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n_items)
    humans = np.where(rng.random((n_humans, n_items)) < 0.8, truth, rng.integers(0, 4, truth.shape))
    judge = np.where(rng.random(n_items) < judge_acc, truth, rng.integers(0, 4, n_items))
    return judge, humans


def test_perfect_judge_passes() -> None:
    judge, humans = _panel(0)
    res = alt_test(judge, humans)
    assert res.passed is True
    assert res.winning_rate == 1.0
    assert res.advantage_probability > 0.9
    assert all(res.llm_advantage[h] >= res.human_advantage[h] for h in res.llm_advantage)


def test_random_judge_fails() -> None:
    judge, humans = _panel(1, judge_acc=0.0)  # uniform random labels, independent of the truth
    res = alt_test(judge, humans)
    assert res.passed is False
    assert res.winning_rate == 0.0
    assert res.advantage_probability < 0.5
    assert all(res.winning_rates[k] == 0.0 for k in res.winning_rates)


def test_float_ties_use_tolerance() -> None:
    # judge 0.2, h0 0.4, h1 0.3: leaving h0 out, |0.2 - 0.3| and |0.4 - 0.3| are equal in decimal
    # (0.09999999999999998 vs 0.10000000000000003 in binary): a tie, so rho^f = rho^h = 1 for h0.
    # Leaving h1 out: |0.2 - 0.4| = 0.2 > |0.3 - 0.4| = 0.1: the human wins, rho^f = 0 for h1.
    judge = np.full(3, 0.2)
    humans = np.array([[0.4] * 3, [0.3] * 3])
    res = alt_test(judge, humans, scoring="neg_rmse", min_instances_per_human=3)
    assert res.llm_advantage == {"h0": 1.0, "h1": 0.0}
    assert res.human_advantage == {"h0": 1.0, "h1": 1.0}


def test_jaccard_empty_sets_are_identical() -> None:
    # Two empty label sets have similarity 1: judge and both humans empty -> ties everywhere.
    judge = np.zeros(4, dtype=np.int64)
    humans = np.zeros((2, 4), dtype=np.int64)
    res = alt_test(judge, humans, scoring="jaccard", min_instances_per_human=4)
    assert res.llm_advantage == {"h0": 1.0, "h1": 1.0}
    assert res.human_advantage == {"h0": 1.0, "h1": 1.0}
    # d == 0 < eps = 0.2 with zero variance: p = 0, both rejected.
    assert res.winning_rate == 1.0


def test_jaccard_high_bit_masks() -> None:
    # Bit 63 (the sign bit of int64) must count as a label: {63} vs {63, 0} -> 1/2.
    top = np.int64(-(2**63))
    judge = np.array([top] * 3, dtype=np.int64)  # {63}
    humans = np.array([[top | 1] * 3, [top] * 3], dtype=np.int64)  # {0, 63} and {63}
    res = alt_test(judge, humans, scoring="jaccard", min_instances_per_human=3)
    # leave h0 out: others = h1 {63}: judge 1, h0 1/2 -> judge wins. Leave h1 out: others = h0
    # {0, 63}: judge 1/2 = h1 1/2 -> tie.
    assert res.llm_advantage == {"h0": 1.0, "h1": 1.0}
    assert res.human_advantage == {"h0": 0.0, "h1": 1.0}


def test_by_matches_statsmodels() -> None:
    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 5, 13, 50):
        for _ in range(30):
            p = rng.random(m) ** 3
            if m > 2:
                p[rng.random(m) < 0.2] = np.nan
            for q in (0.05, 0.1):
                expected = multipletests(p, alpha=q, method="fdr_by")[0]
                np.testing.assert_array_equal(_by_reject(p, q), expected)


# --------------------------------------------------------------------------------------------
# degenerate inputs
# --------------------------------------------------------------------------------------------


def test_no_testable_human_warns_and_returns_nan() -> None:
    judge, humans = _panel(2, n_items=20)
    with pytest.warns(UndefinedMetricWarning, match="no human has at least"):
        res = alt_test(judge, humans)  # 20 items < 30
    assert isinstance(res, AltTestResult)
    assert math.isnan(res.winning_rate)
    assert math.isnan(res.advantage_probability)
    assert all(math.isnan(v) for v in res.winning_rates.values())
    assert list(res.winning_rates) == [f"{e:.2f}" for e in EPSILONS]
    assert res.passed is False
    assert res.skipped_humans == ["h0", "h1", "h2", "h3"]
    assert res.n_instances == {"h0": 20, "h1": 20, "h2": 20, "h3": 20}
    assert res.p_values == {} and res.rejected == {}
    assert any("undefined" in w for w in res.warnings)


def test_single_human_drops_every_item() -> None:
    judge, humans = _panel(3)
    with pytest.warns(UndefinedMetricWarning):
        res = alt_test(judge, humans[:1])
    assert res.n_instances_used == 0
    assert res.n_instances == {"h0": 0}
    assert any("dropped 100 items with fewer than 2" in w for w in res.warnings)


def test_empty_input() -> None:
    with pytest.warns(UndefinedMetricWarning):
        res = alt_test(np.zeros(0, dtype=np.int64), np.zeros((3, 0), dtype=np.int64))
    assert res.n_instances_used == 0
    assert math.isnan(res.winning_rate)


def test_missing_judge_drops_items() -> None:
    judge, humans = _panel(4, n_items=60)
    judge = judge.copy()
    judge[:10] = -1
    res = alt_test(judge, humans)
    assert res.n_instances_used == 50
    assert res.n_instances == {f"h{j}": 50 for j in range(4)}
    assert "dropped 10 items without a judge label" in res.warnings


def test_one_instance_gives_nan_pvalue() -> None:
    # min_instances_per_human = 1 with one item: the t-test is undefined (n - 1 = 0 degrees of
    # freedom); the p-value is nan, the human is not rejected, the winning rate is 0.
    res = alt_test(np.array([1]), np.array([[1], [0]]), min_instances_per_human=1)
    assert all(math.isnan(p) for p in res.p_values.values())
    assert res.winning_rate == 0.0
    assert any("p-value undefined" in w for w in res.warnings)


def test_constant_human_win_gives_p_one() -> None:
    # The human always strictly better: d == 1 constant > eps -> t = +inf, p = 1.
    judge = np.full(40, 2)
    humans = np.zeros((3, 40), dtype=np.int64)
    res = alt_test(judge, humans)
    assert res.p_values == {"h0": 1.0, "h1": 1.0, "h2": 1.0}
    assert res.llm_advantage == {"h0": 0.0, "h1": 0.0, "h2": 0.0}


def test_wilcoxon_all_ties_at_zero_is_nan() -> None:
    judge = np.zeros(40, dtype=np.int64)
    humans = np.zeros((3, 40), dtype=np.int64)
    res = alt_test(judge, humans, test="wilcoxon", epsilon=0.0)
    # every difference d - 0 is zero: zero_method="wilcox" drops them all -> nan, not rejected
    assert all(math.isnan(p) for p in res.p_values.values())
    assert res.winning_rate == 0.0
    # at eps = 0.2 every d - eps = -0.2 < 0: rejected
    assert res.winning_rates["0.20"] == 1.0


# --------------------------------------------------------------------------------------------
# argument validation
# --------------------------------------------------------------------------------------------

J = np.array([0, 1, 0])
H = np.array([[0, 1, 0], [1, 1, 0]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epsilon": 1.0}, "'epsilon' parameter of alt_test must be a number in \\[0, 1\\)"),
        ({"epsilon": -0.1}, "'epsilon'"),
        ({"epsilon": "0.2"}, "'epsilon'"),
        ({"epsilons": (0.1, 1.5)}, "'epsilons'"),
        ({"epsilons": (0.1, 0.1001)}, "distinct values"),
        ({"epsilons": 0.1}, "'epsilons'"),
        ({"q_fdr": 0.0}, "'q_fdr'"),
        ({"q_fdr": 1.0}, "'q_fdr'"),
        ({"min_instances_per_human": 0}, "'min_instances_per_human'"),
        ({"min_instances_per_human": 2.5}, "'min_instances_per_human'"),
        ({"min_humans_per_instance": 1}, "'min_humans_per_instance'"),
        ({"test": "mannwhitney"}, "'test' parameter of alt_test must be one of"),
        ({"scoring": "f1"}, "'scoring' parameter of alt_test"),
        ({"multiplicative_epsilon": "yes"}, "'multiplicative_epsilon'"),
        ({"human_ids": ["a"]}, "'human_ids'"),
        ({"human_ids": ["a", "a"]}, "distinct names"),
        ({"mask": np.ones((2, 2), dtype=bool)}, "'mask'"),
        ({"mask": np.ones((2, 3))}, "'mask'"),
        ({"judge_mask": np.ones(2, dtype=bool)}, "'judge_mask'"),
    ],
)
def test_bad_options_raise_config_error(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        alt_test(J, H, **kwargs)


@pytest.mark.parametrize(
    ("judge", "humans", "kwargs", "match"),
    [
        (J.reshape(1, 3), H, {}, "'judge' parameter of alt_test must be a 1-D array"),
        (J, H[0], {}, "'humans' parameter of alt_test must be a 2-D array"),
        (J, H[:, :2], {}, "'humans'"),
        (J.astype(float), H, {}, "integer label codes"),
        (J, H - 2, {}, "codes >= 0 or -1"),
        (np.array(["a", "b", "c"]), H, {"scoring": "neg_rmse"}, "must hold numbers"),
        (J.astype(float), np.full((2, 3), np.inf), {"scoring": "neg_rmse"}, "finite"),
        (J.astype(float), H, {"scoring": "jaccard"}, "bitmasks"),
    ],
)
def test_bad_arrays_raise_config_error(
    judge: Any, humans: Any, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        alt_test(judge, humans, **kwargs)


def test_callable_must_return_finite() -> None:
    words = np.array(["a", "b", "a"], dtype=object)
    with pytest.raises(ConfigError, match="finite floats"):
        alt_test(
            words,
            np.stack([words, words]),
            scoring=lambda x, y: math.nan,
            min_instances_per_human=1,
        )
