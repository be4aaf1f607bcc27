"""Tests for krippendorff_alpha against the krippendorff package and Krippendorff (2011)."""

from __future__ import annotations

import logging

import krippendorff
import numpy as np
import pytest

from meta_evaluator.errors import ConfigError, DataError, UndefinedMetricWarning
from meta_evaluator.stats._alpha import krippendorff_alpha

NAN = np.nan

# Krippendorff, K. (2011) "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x
# 12 units, values 1..5, missing data (blank cells -> nan).
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


def test_krippendorff_2011_worked_example_nominal():
    # Unit 12 has one value and is dropped; n = 3 + 8*4 + 3 + 2 = 40 pairable values.
    # n_c for values 1..5: 9, 13, 10, 5, 3  -> n^2 - sum n_c^2 = 1600 - 384 = 1216
    # Observed disagreement mass sum_u (#disagreeing ordered pairs in u) / (m_u - 1):
    #   unit 2 (2,2,3,2): 6/3 = 2; unit 6 (1,2,3,4): 12/3 = 4; unit 8 (1,1,2,1): 6/3 = 2; others 0
    #   total 8
    # alpha = 1 - (n - 1) * 8 / 1216 = 1 - 312/1216 = 0.743421052631579 (paper: 0.743)
    codes = K2011 - 1  # values 1..5 -> codes 0..4
    alpha = krippendorff_alpha(codes, level="nominal")
    assert alpha == pytest.approx(1 - 312 / 1216, abs=1e-12)
    assert round(alpha, 3) == 0.743


def test_krippendorff_2011_other_levels_match_paper():
    # Paper values (rounded to 3 decimals): ordinal 0.815, interval 0.849, ratio 0.797.
    assert round(krippendorff_alpha(K2011 - 1, level="ordinal"), 3) == 0.815
    assert round(krippendorff_alpha(K2011, level="interval"), 3) == 0.849
    assert round(krippendorff_alpha(K2011, level="ratio"), 3) == 0.797


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_matches_package(level):
    data = K2011 - 1 if level in ("nominal", "ordinal") else K2011
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level=level) == pytest.approx(expected, abs=1e-9)


def _random_ratings(rng, level):
    n_raters = int(rng.integers(2, 7))
    n_items = int(rng.integers(5, 60))
    if level in ("nominal", "ordinal"):
        k = int(rng.integers(2, 7))
        truth = rng.integers(0, k, n_items)
        noise = rng.integers(0, k, (n_raters, n_items))
        data = np.where(rng.random((n_raters, n_items)) < 0.6, truth, noise).astype(float)
    else:
        truth = rng.gamma(2.0, 3.0, n_items)
        data = np.abs(truth + rng.normal(0.0, 2.0, (n_raters, n_items)))
        if rng.random() < 0.5:
            data = np.round(data)  # ties between raters
    data[rng.random(data.shape) < 0.25] = NAN
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", range(8))
def test_matches_krippendorff_package_on_random_missing_data(seed, level):
    rng = np.random.default_rng(1000 + seed)
    data = _random_ratings(rng, level)
    values = data[~np.isnan(data)]
    if np.unique(values).size < 2:
        pytest.skip("degenerate draw")  # pragma: no cover
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    got = krippendorff_alpha(data, level=level)
    assert got == pytest.approx(expected, abs=1e-9)


def test_ordinal_uses_code_order_with_unused_codes():
    # codes 0, 2, 4 only: the package with value_domain 0..4 gives the same (unused n_g = 0)
    data = np.array([[0, 2, 4, 2, NAN], [0, 4, 4, 2, 2], [2, 2, 4, NAN, 0]], dtype=float)
    expected = krippendorff.alpha(
        reliability_data=data, level_of_measurement="ordinal", value_domain=[0, 1, 2, 3, 4]
    )
    assert krippendorff_alpha(data, level="ordinal", n_labels=5) == pytest.approx(
        expected, abs=1e-12
    )


def test_minus_one_and_nan_are_both_missing_for_codes():
    with_nan = K2011 - 1
    with_minus_one = np.where(np.isnan(with_nan), -1, with_nan).astype(int)
    assert krippendorff_alpha(with_minus_one) == pytest.approx(
        krippendorff_alpha(with_nan), abs=1e-15
    )


def test_all_identical_is_one_by_convention():
    # D_e = D_o = 0 -> 1.0 (documented; no warning)
    data = np.array([[2, 2, 2], [2, 2, NAN]])
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(data, level=level) == 1.0


def test_two_raters_hand_computed():
    # 2 raters x 4 items: item 0 (0,0), item 1 (1,1), item 2 (0,1), item 3 (1, missing) dropped
    # n = 6, n_c = [3, 3], observed mass = 2 (item 2: 2 ordered pairs / (2-1))
    # alpha = 1 - 5 * 2 / (36 - 18) = 1 - 10/18 = 4/9
    data = [[0, 1, 0, 1], [0, 1, 1, NAN]]
    assert krippendorff_alpha(data) == pytest.approx(4 / 9, abs=1e-12)


def test_skipped_items_are_logged_at_debug_only(caplog):
    from meta_evaluator.stats import krippendorff_alpha as public_alpha

    data = [[0, 1, 0, 1], [0, 1, 1, NAN]]
    with caplog.at_level(logging.INFO, logger="meta_evaluator"):
        krippendorff_alpha(data)
        public_alpha(data)
    assert caplog.records == []  # a per-item notice: not at INFO
    with caplog.at_level(logging.DEBUG, logger="meta_evaluator"):
        krippendorff_alpha(data)
        public_alpha(data)
    skipped = [
        r for r in caplog.records if "skipped 1 items with fewer than 2 ratings" in r.getMessage()
    ]
    assert [r.levelno for r in skipped] == [logging.DEBUG, logging.DEBUG]


def test_no_pairable_item_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning, match="no item has 2 or more ratings"):
        assert np.isnan(krippendorff_alpha([[0, NAN], [NAN, 1]]))


def test_single_rater_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(krippendorff_alpha([[0, 1, 2]]))


def test_interval_is_shift_invariant_and_precise_for_large_offsets():
    rng = np.random.default_rng(7)
    data = rng.normal(size=(3, 40))
    data[0, 3] = NAN
    base = krippendorff_alpha(data, level="interval")
    assert krippendorff_alpha(data + 1e6, level="interval") == pytest.approx(base, abs=1e-8)


def test_validation():
    with pytest.raises(ConfigError, match="'level' parameter of krippendorff_alpha"):
        krippendorff_alpha([[0, 1]], level="binary")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="non-negative"):
        krippendorff_alpha([[1.0, -2.0], [1.0, 2.0]], level="ratio")
    with pytest.raises(DataError, match="integer label codes"):
        krippendorff_alpha([[0.5, 1.0], [1.0, 1.0]], level="nominal")
    with pytest.raises(DataError, match="2-D"):
        krippendorff_alpha([0, 1, 2])
    with pytest.raises(DataError, match="infinite"):
        krippendorff_alpha([[1.0, np.inf], [1.0, 2.0]], level="interval")
