"""Metric configs from YAML: a ``metrics:`` list, so a team can choose metrics without Python.

Format (every key but ``scorer`` and ``tasks`` is optional)::

    metrics:
      - scorer: accuracy                 # a scorer name (below), a class name or "module:Class"
        tasks: [rejection]               # or task: rejection
        strategy: single                 # single | multitask | multilabel  (default single)
        aggregation: majority_vote       # individual_average | majority_vote (default individual_average)
        name: acc_majority               # optional label that ends the config's unique name
      - scorer: alt_test
        tasks: [rejection]
        options: {epsilon: 0.2, min_instances_per_human: 30}   # the scorer's constructor arguments

Scorer names: ``accuracy``, ``precision``, ``recall``, ``f1``, ``cohens_kappa``, ``fleiss_kappa``,
``krippendorff_alpha``, ``alt_test``, ``text_similarity``, ``semantic_similarity`` (the built-in
scorers' ``scorer_name``), or a class name from :mod:`meta_evaluator.scores.metrics`
(``AltTestScorer``), or ``"package.module:ClassName"`` for a custom scorer. The seed's key names
``task_names``, ``task_strategy`` and ``annotator_aggregation`` are accepted too.
"""  # noqa: E501

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import yaml

from meta_evaluator.errors import MetricConfigError
from meta_evaluator.scores._config import MetricConfig, MetricsConfig
from meta_evaluator.scores.base_scorer import BaseScorer

__all__ = ["load_metrics_yaml", "scorer_names"]

_KEYS = {
    "scorer": "scorer",
    "tasks": "tasks",
    "task": "tasks",
    "task_names": "tasks",
    "strategy": "strategy",
    "task_strategy": "strategy",
    "aggregation": "aggregation",
    "annotator_aggregation": "aggregation",
    "name": "name",
    "options": "options",
}
_BY_NAME: dict[str, tuple[str, dict[str, Any]]] = {
    "accuracy": ("AccuracyScorer", {}),
    "precision": ("ClassificationScorer", {"metric": "precision"}),
    "recall": ("ClassificationScorer", {"metric": "recall"}),
    "f1": ("ClassificationScorer", {"metric": "f1"}),
    "cohens_kappa": ("CohensKappaScorer", {}),
    "fleiss_kappa": ("FleissKappaScorer", {}),
    "krippendorff_alpha": ("KrippendorffAlphaScorer", {}),
    "alt_test": ("AltTestScorer", {}),
    "text_similarity": ("TextSimilarityScorer", {}),
    "semantic_similarity": ("SemanticSimilarityScorer", {}),
}
"""Scorer name -> (class in meta_evaluator.scores.metrics, preset constructor arguments)."""


def scorer_names() -> list[str]:
    """The scorer names a metrics YAML may use (besides class names and import paths)."""
    return sorted(_BY_NAME)


def _scorer_class(name: str, where: str) -> tuple[type[BaseScorer], dict[str, Any]]:
    from meta_evaluator.scores import metrics

    if name in _BY_NAME:
        cls_name, preset = _BY_NAME[name]
        return getattr(metrics, cls_name), dict(preset)
    if name in metrics.__all__:
        return getattr(metrics, name), {}
    if ":" in name:
        from meta_evaluator.scores._config import import_qualified

        try:
            obj: Any = import_qualified(name)
        except (ImportError, AttributeError) as exc:
            raise MetricConfigError(
                f"{where}: cannot import scorer {name!r} ({exc}). Make the module importable or "
                f"use one of {scorer_names()!r}."
            ) from exc
        if isinstance(obj, type) and issubclass(obj, BaseScorer):
            return obj, {}
        raise MetricConfigError(f"{where}: {name!r} is not a BaseScorer class.")
    raise MetricConfigError(
        f"{where}: unknown scorer {name!r}. Use one of {scorer_names()!r}, a class name from "
        "meta_evaluator.scores.metrics, or 'package.module:ClassName'."
    )


def _build_scorer(name: str, options: dict[str, Any], where: str) -> BaseScorer:
    cls, kwargs = _scorer_class(name, where)
    params = {
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }
    unknown = sorted(set(options) - params)
    if unknown:
        raise MetricConfigError(
            f"{where}: scorer {name!r} has no option(s) {unknown!r}; its options are "
            f"{sorted(params)!r}."
        )
    kwargs.update(options)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # ConfigError is a ValueError
        raise MetricConfigError(
            f"{where}: scorer {name!r} rejected options {options!r}: {exc}"
        ) from exc


def _entry(raw: Any, where: str) -> MetricConfig:
    if not isinstance(raw, dict):
        raise MetricConfigError(
            f"{where}: each entry must be a mapping with 'scorer' and 'tasks'; got {raw!r}."
        )
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _KEYS:
            raise MetricConfigError(
                f"{where}: unknown key {key!r}. Allowed keys: {sorted(set(_KEYS))!r}."
            )
        if _KEYS[key] in fields:
            raise MetricConfigError(f"{where}: {_KEYS[key]!r} is given twice (as {key!r}).")
        fields[_KEYS[key]] = value
    for required in ("scorer", "tasks"):
        if required not in fields:
            raise MetricConfigError(f"{where}: missing {required!r}. Example: {_EXAMPLE}")
    scorer = fields["scorer"]
    if not isinstance(scorer, str) or not scorer:
        raise MetricConfigError(f"{where}: 'scorer' must be a scorer name; got {scorer!r}.")
    tasks = fields["tasks"]
    if isinstance(tasks, str):
        tasks = [tasks]
    options = fields.get("options") or {}
    if not isinstance(options, dict):
        raise MetricConfigError(f"{where}: 'options' must be a mapping; got {options!r}.")
    try:
        return MetricConfig(
            scorer=_build_scorer(scorer, options, where),
            task_names=tasks,
            task_strategy=fields.get("strategy", "single"),
            annotator_aggregation=fields.get("aggregation", "individual_average"),
            name=fields.get("name"),
        )
    except MetricConfigError as exc:
        if str(exc).startswith(where):
            raise
        raise MetricConfigError(f"{where}: {exc}") from exc


_EXAMPLE = "'- scorer: accuracy\\n  tasks: [rejection]'"


def load_metrics_yaml(path: str | Path) -> MetricsConfig:
    """Read the ``metrics:`` list of a YAML file into a :class:`MetricsConfig`.

    Args:
        path: The YAML file (see the module docstring for the format).

    Returns:
        The configs, in file order.

    Raises:
        MetricConfigError: The file is missing, not YAML, has no ``metrics:`` list, or an entry
            is invalid; the message names the file and the entry (``metrics[2]``).
    """
    file = Path(path)
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MetricConfigError(f"Cannot read metrics file {str(file)!r}: {exc}.") from exc
    except yaml.YAMLError as exc:
        raise MetricConfigError(f"Metrics file {str(file)!r} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("metrics"), list) or not doc["metrics"]:
        raise MetricConfigError(
            f"Metrics file {str(file)!r} must have a top-level 'metrics:' list with at least one "
            f"entry, e.g. metrics:\\n  - scorer: accuracy\\n    tasks: [rejection]. Got {doc!r}."
        )
    configs = [_entry(raw, f"{file.name}: metrics[{i}]") for i, raw in enumerate(doc["metrics"])]
    try:
        return MetricsConfig(metrics=configs)
    except MetricConfigError as exc:
        raise MetricConfigError(f"{file.name}: {exc}") from exc
