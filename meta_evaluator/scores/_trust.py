"""Which modules a saved ``state.json`` may make this process import (custom scorers).

A project directory can come from someone else, and importing a module runs its code: a state
naming ``evil:Scorer``, shipped next to an ``evil.py`` that lands in the current directory, would
run that file the moment the project is opened. So an import path read from a saved state (a
custom scorer's ``class``, an alt-test ``scoring_function`` stored as ``"callable:module.name"``)
is imported only when

- its module belongs to meta_evaluator itself (built-in scorers are restored by registered name
  anyway, see :mod:`meta_evaluator.scores._registry`), or
- its module is already imported in this process (``sys.modules``): the normal workflow is
  ``import my_scorers`` and then ``MetaEvaluator(path, load=True)``, or
- the user opts in: ``MetaEvaluator(path, load=True, trust_scorer_modules=True)``, or the
  environment variable ``META_EVALUATOR_TRUST_SCORER_MODULES=1`` (e.g. for the command line).

Anything else is a :class:`~meta_evaluator.errors.MetricConfigError` naming the field, the import
path and the fix, raised before anything is imported.

Example:
    >>> check_loaded_import("json:JSONDecoder", field="scorer.class", where="demo", trust=False)
    >>> check_loaded_import("surely_not_imported_xyz:S", field="scorer.class", where="demo",
    ...                     trust=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    meta_evaluator.errors.MetricConfigError: demo: field 'scorer.class' names 'surely_not_imported_xyz:S', ...
"""  # noqa: E501

from __future__ import annotations

import os
import sys
from typing import Any

from meta_evaluator.errors import MetricConfigError

__all__ = ["TRUST_ENV", "callable_import_path", "callable_state", "check_loaded_import"]

TRUST_ENV = "META_EVALUATOR_TRUST_SCORER_MODULES"
"""Set to ``1`` (or ``true`` / ``yes``) to let loaded states import any scorer module."""

_CALLABLE_PREFIX = "callable:"
_OWN_PACKAGE = "meta_evaluator"


def _module_of(path: str) -> str:
    """The module of ``"module:qualname"`` or ``"module.name"`` (a stored callable)."""
    if ":" in path:
        return path.partition(":")[0]
    return path.rpartition(".")[0] or path


def _trusted_by_env() -> bool:
    return os.environ.get(TRUST_ENV, "").strip().lower() in ("1", "true", "yes")


def check_loaded_import(path: str, *, field: str, where: str, trust: bool) -> None:
    """Refuse to import ``path`` from a loaded state unless its module may be imported.

    Args:
        path: ``"module:qualname"`` (a scorer class) or ``"module.name"`` (a stored callable).
        field: The state field that holds it, e.g. ``"scorer.class"``.
        where: Prefix of the message (the state file and entry).
        trust: The user opted in (``MetaEvaluator(..., trust_scorer_modules=True)``).

    Raises:
        MetricConfigError: The module is not meta_evaluator's, not imported yet, and the user
            did not opt in.
    """
    module = _module_of(path)
    if (
        trust
        or module in sys.modules
        or module == _OWN_PACKAGE
        or module.startswith(_OWN_PACKAGE + ".")
        or _trusted_by_env()
    ):
        return
    raise MetricConfigError(
        f"{where}: field {field!r} names {path!r}, whose module {module!r} is not imported in "
        "this process; opening a project cannot import a module it names, because importing "
        "runs that module's code and a shared project could name any file. If you trust this "
        f"scorer, import it first (`import {module}`) and open the project again, or pass "
        f"MetaEvaluator(..., load=True, trust_scorer_modules=True) (command line: {TRUST_ENV}=1); "
        "else re-add the metrics config in code after loading."
    )


def callable_import_path(value: Any) -> str | None:
    """The import path of a callable parameter stored as ``"callable:module.name"``, else None.

    Example:
        >>> callable_import_path("callable:my_pkg.scoring.similarity")
        'my_pkg.scoring.similarity'
        >>> callable_import_path("accuracy") is None
        True
    """
    if isinstance(value, str) and value.startswith(_CALLABLE_PREFIX):
        return value.removeprefix(_CALLABLE_PREFIX)
    return None


def callable_state(fn: Any) -> str:
    """How a callable parameter is stored: ``"callable:module.qualname"``.

    Example:
        >>> import json
        >>> callable_state(json.dumps)
        'callable:json.dumps'
        >>> callable_import_path(callable_state(json.dumps))
        'json.dumps'
    """
    return f"{_CALLABLE_PREFIX}{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', fn)}"
