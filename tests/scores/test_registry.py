"""The scorer registry: built-ins restored from state.json by name; custom ones by path."""

from __future__ import annotations

import pytest

from meta_evaluator.errors import MetricConfigError
from meta_evaluator.scores import MetricConfig
from meta_evaluator.scores._registry import registered_scorers, scorer_class
from meta_evaluator.scores.metrics import AccuracyScorer, CohensKappaScorer


def test_state_stores_the_registered_name_and_restores_by_it():
    cfg = MetricConfig(scorer=CohensKappaScorer(weights="linear"), task_names=["t"])
    state = cfg.to_state()
    assert state["scorer"]["name"] == "cohens_kappa"
    state["scorer"]["class"] = "somewhere.moved:Gone"  # the name wins over the path
    back = MetricConfig.from_state(state)
    assert type(back.scorer) is CohensKappaScorer
    assert back.scorer.weights == "linear"
    assert back.unique_name() == cfg.unique_name()


def test_old_states_without_a_name_still_load():
    state = MetricConfig(scorer=AccuracyScorer(n_resamples=5), task_names=["t"]).to_state()
    del state["scorer"]["name"]
    assert MetricConfig.from_state(state).scorer.n_resamples == 5


def test_subclasses_and_custom_scorers_are_stored_by_path():
    class Mine(AccuracyScorer):
        pass

    state = MetricConfig(scorer=Mine(), task_names=["t"]).to_state()
    assert "name" not in state["scorer"]
    assert state["scorer"]["class"].endswith("Mine")


def test_unknown_name_is_a_clear_error():
    assert "accuracy" in registered_scorers()
    with pytest.raises(MetricConfigError, match="no scorer is registered as 'nope'"):
        scorer_class("nope")
