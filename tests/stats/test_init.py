"""The stats package API surface."""

from __future__ import annotations

import inspect
from pathlib import Path

import meta_evaluator.stats as stats


def test_all_is_sorted_and_complete():
    public = {
        name
        for name, obj in vars(stats).items()
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
    }
    assert stats.__all__ == sorted(stats.__all__)
    assert set(stats.__all__) == public


def test_alt_test_is_reexported():
    from meta_evaluator.stats._alt_test import AltTestResult, alt_test

    assert stats.alt_test is alt_test
    assert stats.AltTestResult is AltTestResult


def test_kernels_do_not_import_polars():
    for path in Path(stats.__file__).parent.glob("_*.py"):
        text = path.read_text()
        assert "import polars" not in text, path.name
        assert "from polars" not in text, path.name
