"""The scorer registry: built-in scorers by name, so state.json restores them by name.

A built-in scorer class registers itself by naming ``registry_name`` (a class attribute; see
:class:`~meta_evaluator.scores.metrics._base.BuiltinScorer`). ``MetricConfig.to_state`` stores
that name next to the class path; ``MetricConfig.from_state`` looks the name up here first and
falls back to importing the class path (custom scorers, older state files). The invariance test
suite runs over every registered scorer, so a scorer added later is tested automatically.

Example:
    >>> from meta_evaluator.scores import metrics
    >>> scorer_class("cohens_kappa") is metrics.CohensKappaScorer
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meta_evaluator.errors import MetricConfigError

if TYPE_CHECKING:
    from meta_evaluator.scores.base_scorer import BaseScorer

__all__ = ["register_scorer", "registered_scorers", "scorer_class"]

_SCORERS: dict[str, type[BaseScorer]] = {}


def register_scorer(name: str, cls: type[BaseScorer]) -> None:
    """Register ``cls`` under ``name``.

    Raises:
        MetricConfigError: ``name`` is already taken by another class.
    """
    other = _SCORERS.get(name)
    if other is not None and other is not cls:
        raise MetricConfigError(
            f"scorer name {name!r} is already registered by {other.__module__}."
            f"{other.__qualname__}; give {cls.__qualname__} another registry_name."
        )
    _SCORERS[name] = cls


def registered_scorers() -> dict[str, type[BaseScorer]]:
    """Registered name -> scorer class (the built-in scorers), sorted by name."""
    _load_builtins()
    return dict(sorted(_SCORERS.items()))


def scorer_class(name: str) -> type[BaseScorer]:
    """The scorer class registered as ``name``.

    Raises:
        MetricConfigError: No scorer has that name.
    """
    _load_builtins()
    try:
        return _SCORERS[name]
    except KeyError:
        raise MetricConfigError(
            f"no scorer is registered as {name!r}; registered: {sorted(_SCORERS)!r}."
        ) from None


def _load_builtins() -> None:
    import meta_evaluator.scores.metrics  # noqa: F401  (registers the built-in scorers)
