"""The one option validator and the one float coercer, used across the package.

Example:
    >>> check_choice("quad", ("linear", "quadratic", None), param="weights", owner="cohen_kappa")
    Traceback (most recent call last):
    ...
    meta_evaluator.errors.ConfigError: The 'weights' parameter of cohen_kappa must be one of 'linear', 'quadratic' or None; got 'quad'.
    >>> to_float("0.5"), to_float(None), to_float(True, None)
    (0.5, nan, None)
"""  # noqa: E501

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, overload

from meta_evaluator.errors import ConfigError

__all__ = ["check_choice", "spell_choices", "to_float"]


def spell_choices(allowed: Iterable[Any]) -> str:
    """``'a', 'b' or 'c'``: the options as the error messages spell them."""
    names = [repr(a) for a in allowed]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def check_choice(
    value: Any,
    allowed: Iterable[Any],
    *,
    param: str,
    owner: str,
    error: type[ConfigError] = ConfigError,
) -> None:
    """Raise ``error`` unless ``value`` is one of ``allowed`` (the STYLE.md message format).

    Args:
        value: The value given.
        allowed: The allowed values.
        param: The parameter's name.
        owner: The function or class it belongs to.
        error: The ``ConfigError`` subclass to raise.

    Raises:
        ConfigError: ``value`` is not allowed.
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise error(
            f"The {param!r} parameter of {owner} must be one of {spell_choices(allowed)}; "
            f"got {value!r}."
        )


@overload
def to_float(value: Any) -> float: ...
@overload
def to_float(value: Any, default: float) -> float: ...
@overload
def to_float(value: Any, default: None) -> float | None: ...
def to_float(value: Any, default: float | None = math.nan) -> float | None:
    """``float(value)`` (nan kept), or ``default`` for booleans and values that are no number."""
    if isinstance(value, bool) or value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
