"""Invariance suite over every registered scorer (sklearn ``test_common.py`` style).

Each scorer in the registry is built with its defaults (a small bootstrap, a bag-of-letters
encoder where it takes one) and run through the public driver,
:func:`meta_evaluator.scores.compare_async`, on seeded data of a kind it supports. The checks:
row order, renamed human ids, string vs categorical dtype, renamed sample ids, the CI contains
the headline, perfect agreement gives the best value. A registry-completeness test makes sure
no public scorer escapes the suite: a scorer added later is tested as soon as it is registered.
"""

from __future__ import annotations

import asyncio
import inspect
import math

import numpy as np
import polars as pl
import pytest

from meta_evaluator.eval_task import EvalTask
from meta_evaluator.scores import MetricConfig, MetricsConfig, compare_async, metrics
from meta_evaluator.scores._registry import registered_scorers
from meta_evaluator.scores.base_scorer import BaseScorer

SCORERS = registered_scorers()
LABELS = ["low", "mid", "high"]
TEXTS = ["the cat sat", "a cat sat down", "dogs run", "a dog ran", "rain today", "sunny"]
N_ITEMS, N_HUMANS = 80, 4


def _letters(texts):
    return [[t.count(c) + 0.01 for c in "abcdefghijklmnopqrstuvwxyz "] for t in texts]


def build(cls: type[BaseScorer]) -> BaseScorer:
    params = inspect.signature(cls).parameters
    kw = {}
    for name, value in (
        ("n_resamples", 200),
        ("encoder", _letters),
        ("min_instances_per_human", 10),
    ):
        if name in params:
            kw[name] = value
    return cls(**kw)


def kind_of(scorer: BaseScorer) -> str:
    kinds = getattr(scorer, "supported_kinds", frozenset({"categorical"}))
    for kind in ("categorical", "numeric", "text"):
        if kind in kinds:
            return kind
    raise AssertionError(f"{scorer!r} supports none of categorical / numeric / text")


def make_data(kind: str, *, seed: int = 0, perfect: bool = False):
    rng = np.random.default_rng(seed)
    values = {"categorical": LABELS, "numeric": [1, 2, 3, 4, 5], "text": TEXTS}[kind]
    truth = rng.integers(0, len(values), N_ITEMS)
    ids = [f"s{i:03d}" for i in range(N_ITEMS)]

    def noisy(p):
        if perfect:
            return [values[k] for k in truth]
        flip = rng.random(N_ITEMS) < p
        return [values[k] for k in np.where(flip, rng.integers(0, len(values), N_ITEMS), truth)]

    judge = pl.DataFrame({"original_id": ids, "t": noisy(0.3)})
    rows = []
    for h in range(N_HUMANS):
        labels = noisy(0.2)
        keep = rng.random(N_ITEMS) >= (0.0 if perfect else 0.1)
        rows += [(ids[i], f"h{h}", labels[i]) for i in range(N_ITEMS) if keep[i]]
    humans = pl.DataFrame(rows, schema=["original_id", "annotator_id", "t"], orient="row")
    schema = {"categorical": LABELS, "numeric": [1, 2, 3, 4, 5], "text": None}[kind]
    task = EvalTask(task_schemas={"t": schema}, response_columns=["r"])
    return task, judge, humans


def score(scorer, task, judge, humans):
    (result,) = asyncio.run(
        compare_async(
            MetricsConfig(metrics=[MetricConfig(scorer=scorer, task_names=["t"])]),
            task=task,
            judge_labels={"j": judge},
            human_labels=humans,
            scores_dir=None,
        )
    )
    assert result.error is None, result.error
    return result


def same(a, b):
    """Headline, human ceiling and per-human scores agree (nan == nan)."""
    assert a.headline == pytest.approx(b.headline, abs=1e-12, nan_ok=True)
    assert a.human_ceiling == pytest.approx(b.human_ceiling, abs=1e-12, nan_ok=True)
    assert a.verdict == b.verdict
    pa = sorted(v for v in a.metadata.get("per_human", {}).values() if not math.isnan(v))
    pb = sorted(v for v in b.metadata.get("per_human", {}).values() if not math.isnan(v))
    assert pa == pytest.approx(pb, abs=1e-12)


@pytest.fixture(params=sorted(SCORERS), ids=str)
def case(request):
    scorer = build(SCORERS[request.param])
    task, judge, humans = make_data(kind_of(scorer))
    return scorer, task, judge, humans, score(scorer, task, judge, humans)


def test_registry_is_complete():
    """Every public scorer class is registered, hence in this suite."""
    public = {
        obj
        for name in metrics.__all__
        if isinstance(obj := getattr(metrics, name), type) and issubclass(obj, BaseScorer)
    }
    assert public, "meta_evaluator.scores.metrics exports no scorer"
    missing = sorted(c.__name__ for c in public if c not in SCORERS.values())
    assert not missing, f"scorers not registered (set registry_name): {missing}"


def test_headline_is_finite_and_typed(case):
    *_, result = case
    assert result.headline_key in result.scores
    assert math.isfinite(result.headline)
    assert result.config_label


def test_row_order(case):
    scorer, task, judge, humans, base = case
    rng = np.random.default_rng(1)
    shuffled = score(
        scorer,
        task,
        judge[rng.permutation(judge.height)],
        humans[rng.permutation(humans.height)],
    )
    same(shuffled, base)


def test_renamed_human_ids(case):
    scorer, task, judge, humans, base = case
    names = {"h0": "zeta", "h1": "alpha/1", "h2": "Émile", "h3": "h10"}
    renamed = humans.with_columns(pl.col("annotator_id").replace_strict(names))
    same(score(scorer, task, judge, renamed), base)


def test_string_vs_categorical_dtype(case):
    scorer, task, judge, humans, base = case
    if judge.schema["t"] != pl.String:
        pytest.skip("labels are not strings")
    cat = [pl.col("t").cast(pl.Categorical), pl.col("original_id").cast(pl.Categorical)]
    same(score(scorer, task, judge.with_columns(cat), humans.with_columns(cat)), base)


def test_renamed_sample_ids(case):
    scorer, task, judge, humans, base = case
    rename = pl.concat_str(pl.lit("item-"), pl.col("original_id").str.reverse())
    again = score(
        scorer,
        task,
        judge.with_columns(rename.alias("original_id")),
        humans.with_columns(rename.alias("original_id")),
    )
    same(again, base)


def test_ci_contains_the_headline(case):
    *_, result = case
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low <= result.headline <= result.ci_high


def test_perfect_agreement_gives_the_best_value(case):
    scorer, *_ = case
    task, judge, humans = make_data(kind_of(scorer), perfect=True)
    result = score(scorer, task, judge, humans)
    best = 1.0 if result.higher_is_better else 0.0  # agreement / similarity vs an error
    assert result.headline == pytest.approx(best, abs=1e-9)
