"""Seeded corruption of every JSON fixture: an import either works or raises a meta_evaluator error.

Bad input gets a clear error (from ``meta_evaluator.errors``), never a raw ``TypeError`` /
``KeyError`` from deep inside an importer.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from meta_evaluator.annotations import load_annotations
from meta_evaluator.errors import MetaEvaluatorError

from .test_importer_formats import FIX, TASK

JUNK: list[Any] = [None, 123, "x", [], {}, [1, 2], {"a": 1}, True, 1.5, [{"x": 1}], float("nan")]
FIXTURES = [
    "ls_quick.json",
    "ls_snapshot.json",
    "ls_single_task.json",
    "ls_pre1_completions.json",
    "ls_json_min.json",
    "argilla_v1_records.json",
    "argilla_v1_datasets.jsonl",
    "argilla_v1_text_classification.json",
    "argilla_v2_nested.json",
    "argilla_v2_flat.jsonl",
]


def _paths(o: Any, pre: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else ()
    for k, v in items:
        yield (*pre, k)
        yield from _paths(v, (*pre, k))


def _set(o: Any, path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        o = o[k]
    o[path[-1]] = value


@pytest.mark.parametrize("name", FIXTURES)
def test_corrupted_exports_raise_only_meta_evaluator_errors(name):
    text = (FIX / name).read_text()
    base = (
        [json.loads(x) for x in text.splitlines() if x]
        if name.endswith(".jsonl")
        else json.loads(text)
    )
    rng = random.Random(name)
    field_map = {"annotation": "rejection"} if "text_classification" in name else None
    unexpected: list[str] = []
    clear_errors = 0
    for _ in range(60):
        records = copy.deepcopy(base)
        for _ in range(rng.randint(1, 3)):
            paths = list(_paths(records))
            _set(records, rng.choice(paths), copy.deepcopy(rng.choice(JUNK)))
        try:
            load_annotations(
                records,
                task=TASK,
                statuses=None,
                annotator_id="fallback",
                field_map=field_map,
            )
        except MetaEvaluatorError as exc:
            clear_errors += 1
            assert str(exc).strip()  # a message, naming what is wrong
        except Exception as exc:  # a raw error escaping an importer is a defect
            unexpected.append(f"{type(exc).__name__}: {exc}")
    assert unexpected == []
    assert clear_errors > 0  # the corruption did reach the validation
