"""The agreement package API surface."""

from __future__ import annotations

import inspect

import meta_evaluator.agreement as agreement


def test_all_is_sorted_and_complete():
    public = {
        name
        for name, obj in vars(agreement).items()
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
    }
    # isort-style order (ruff RUF022): CONSTANTS, then Classes, then functions
    order = sorted(agreement.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert agreement.__all__ == order
    assert set(agreement.__all__) - {"STRATEGIES"} == public
    assert agreement.STRATEGIES == (
        "majority",
        "weighted_majority",
        "disagreement",
        "mean",
        "median",
        "min",
        "max",
    )
