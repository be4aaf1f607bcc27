"""Tests for the similarity kernels."""

from __future__ import annotations

import difflib

import numpy as np
import pytest
from scipy.spatial.distance import cosine as scipy_cosine_distance

from meta_evaluator.errors import DataError, UndefinedMetricWarning
from meta_evaluator.stats import (
    cosine_similarity_rows,
    jaccard,
    jaccard_bitmask,
    popcount,
    sequence_similarity,
    sequence_similarity_matrix,
    sequence_similarity_pairs,
)


def _random_strings(rng, n):
    alphabet = list("abcde ")
    return ["".join(rng.choice(alphabet, int(rng.integers(0, 30)))) for _ in range(n)]


def test_sequence_similarity_hand_computed():
    # "abcd" vs "bcde": longest match "bcd" (3 chars); ratio = 2*3 / (4+4) = 0.75
    assert sequence_similarity("abcd", "bcde") == pytest.approx(0.75, abs=1e-12)
    # both empty: difflib returns 1.0
    assert sequence_similarity("", "") == 1.0
    assert sequence_similarity("abc", "") == 0.0


def test_sequence_similarity_matches_difflib_pairs_and_matrix():
    rng = np.random.default_rng(0)
    a = _random_strings(rng, 12)
    b = _random_strings(rng, 9)
    mat = sequence_similarity_matrix(a, b)
    assert mat.shape == (12, 9)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            assert mat[i, j] == pytest.approx(
                difflib.SequenceMatcher(None, x, y).ratio(), abs=1e-12
            )
    pairs = sequence_similarity_pairs(a[:9], b)
    expected = [difflib.SequenceMatcher(None, x, y).ratio() for x, y in zip(a[:9], b, strict=True)]
    np.testing.assert_allclose(pairs, expected, atol=1e-12)
    with pytest.raises(DataError, match="same length"):
        sequence_similarity_pairs(a, b)


def test_jaccard_sets():
    # {x,y} & {y,z} = {y}; union size 3 -> 1/3
    assert jaccard({"x", "y"}, {"y", "z"}) == pytest.approx(1 / 3, abs=1e-12)
    assert jaccard(set(), set()) == 1.0  # documented convention
    assert jaccard({"x"}, set()) == 0.0
    assert jaccard({1, 2}, {1, 2}) == 1.0


def test_popcount_matches_python():
    rng = np.random.default_rng(1)
    x = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, 500, dtype=np.int64)
    expected = [bin(int(v) & (2**64 - 1)).count("1") for v in x]
    np.testing.assert_array_equal(popcount(x), expected)


def test_popcount_lookup_fallback(monkeypatch):
    # numpy < 2 has no bitwise_count: the byte lookup table must give the same answer
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    x = np.array([0, 1, 3, 255, -1, 2**40 + 7], dtype=np.int64)
    np.testing.assert_array_equal(popcount(x), [0, 1, 2, 8, 64, 4])


def test_jaccard_bitmask_matches_sets():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2**6, 300)
    b = rng.integers(0, 2**6, 300)
    a[:5] = 0
    b[:5] = 0  # both empty -> 1.0

    def as_set(mask):
        return {k for k in range(6) if mask >> k & 1}

    expected = [jaccard(as_set(int(x)), as_set(int(y))) for x, y in zip(a, b, strict=True)]
    np.testing.assert_allclose(jaccard_bitmask(a, b), expected, atol=1e-12)
    assert (jaccard_bitmask(a, b)[:5] == 1.0).all()


def test_jaccard_bitmask_validation():
    with pytest.raises(DataError, match="integer bitmask"):
        jaccard_bitmask([0.5], [1])


def test_cosine_rows_matches_scipy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 8))
    y = rng.normal(size=(20, 8))
    expected = [1.0 - scipy_cosine_distance(u, v) for u, v in zip(x, y, strict=True)]
    np.testing.assert_allclose(cosine_similarity_rows(x, y), expected, atol=1e-12)


def test_cosine_rows_hand_and_zero_vector():
    # [1,1] vs [1,0]: dot 1, norms sqrt(2)*1 -> 1/sqrt(2)
    got = cosine_similarity_rows([[1.0, 1.0]], [[1.0, 0.0]])
    assert got[0] == pytest.approx(1 / np.sqrt(2), abs=1e-12)
    with pytest.warns(UndefinedMetricWarning, match="zero vector"):
        out = cosine_similarity_rows([[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]])
    assert np.isnan(out[0])
    assert out[1] == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(DataError, match="same shape"):
        cosine_similarity_rows([[1.0, 0.0]], [[1.0, 0.0, 0.0]])


def test_macro_jaccard_is_sklearns_macro_jaccard_score_bit_for_bit():
    from sklearn.metrics import jaccard_score

    from meta_evaluator.stats._similarity import macro_jaccard

    rng = np.random.default_rng(3)
    values = np.array(["yes", "no", "maybe", "x"])
    for _ in range(200):
        n = int(rng.integers(1, 9))
        a, b = list(values[rng.integers(0, 4, n)]), list(values[rng.integers(0, 4, n)])
        assert macro_jaccard(a, b) == jaccard_score(a, b, average="macro")  # exact equality
        assert macro_jaccard(a, b) == macro_jaccard(b, a)
    with pytest.raises(DataError):
        macro_jaccard(["a"], ["a", "b"])
