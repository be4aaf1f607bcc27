"""Dollar cost of a call from litellm's bundled cost map (without importing litellm) or our table.

Lookup order for a model name: the exact name, ``provider/name``, the name without a
``provider/`` prefix; then the name without a ``-latest`` or date suffix (``-20250514``) and
its Bedrock spelling (``anthropic.<name>-v1:0``) in litellm's map; then
:data:`CLAUDE_PRICES`, our table of Anthropic list prices for the Claude families litellm's
bundled map may lack under their API names (``claude-3-5-haiku-latest``,
``claude-sonnet-4-20250514``, ``claude-opus-4-1``, ...). When nothing matches the cost is
unknown and :func:`cost_unknown_reason` says why.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from pathlib import Path
from typing import Any

__all__ = ["CLAUDE_PRICES", "cost_unknown_reason", "estimate_cost"]

CLAUDE_PRICES: dict[str, tuple[float, float]] = {
    "claude-3-haiku": (0.25, 1.25),
    "claude-3-sonnet": (3.0, 15.0),
    "claude-3-opus": (15.0, 75.0),
    "claude-3-5-haiku": (0.80, 4.0),
    "claude-3-5-sonnet": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4-5": (5.0, 25.0),
}
"""Claude family -> (input, output) USD per million tokens (Anthropic's list prices)."""

_SUFFIX = re.compile(r"(-latest|-\d{8}|-0)$")

_cost_lock = threading.Lock()
_cost_map: dict[str, Any] | None = None


def _load_cost_map() -> dict[str, Any]:
    """Litellm's bundled cost map, read as JSON (no ``import litellm``: that takes ~5 s)."""
    global _cost_map
    with _cost_lock:
        if _cost_map is None:
            spec = importlib.util.find_spec("litellm")
            data: dict[str, Any] = {}
            if spec is not None and spec.submodule_search_locations:
                path = (
                    Path(next(iter(spec.submodule_search_locations)))
                    / "model_prices_and_context_window_backup.json"
                )
                if path.is_file():
                    data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("sample_spec", None)
            _cost_map = data
        return _cost_map


def estimate_cost(
    model: str, input_tokens: int | None, output_tokens: int | None, *, provider: str | None = None
) -> float | None:
    """Dollar cost of one call from litellm's local cost map (``LITELLM_LOCAL_MODEL_COST_MAP``).

    The map is the JSON file bundled with litellm, read once and cached, without importing
    litellm itself (~5 s). Cost = input_tokens x input price + output_tokens x output price,
    at the base (non-tiered, non-cached) per-token prices.

    Args:
        model: Model name (``gpt-4o-mini``; a ``provider/`` prefix is also tried with and
            without).
        input_tokens: Prompt tokens (None counts as 0).
        output_tokens: Completion tokens (None counts as 0).
        provider: Provider name tried as a prefix (``openai/gpt-4o-mini``).

    Returns:
        The cost in USD, or None when the model is not in the map or no tokens are known.

    Example:
        >>> estimate_cost("gpt-4o-mini", 1000, 100) is not None
        True
        >>> estimate_cost("no-such-model", 10, 10) is None
        True
    """
    if input_tokens is None and output_tokens is None:
        return None
    prices = _prices(model, provider)
    if prices is None:
        return None
    cin, cout = prices
    return (input_tokens or 0) * cin + (output_tokens or 0) * cout


def _family(name: str) -> str:
    """``claude-sonnet-4-20250514`` -> ``claude-sonnet-4``; ``claude-3-5-haiku-latest`` -> ..."""
    prev = None
    while prev != name:
        prev, name = name, _SUFFIX.sub("", name)
    return name


def _prices(model: str, provider: str | None) -> tuple[float, float] | None:
    """(input, output) USD per token for ``model``, or None (see the module docstring)."""
    table = _load_cost_map()
    bare = model.split("/", 1)[1] if "/" in model else model
    family = _family(bare)
    candidates = [model, f"{provider}/{model}" if provider else "", bare, family]
    dated = re.search(r"-(\d{8})$", bare)
    candidates += [f"anthropic.{bare}-v1:0", f"anthropic.{family}-v1:0"]
    if dated:
        candidates.append(f"anthropic.{family}-{dated.group(1)}-v1:0")
    for name in candidates:
        entry = table.get(name) if name else None
        if isinstance(entry, dict) and "input_cost_per_token" in entry:
            cin = float(entry.get("input_cost_per_token") or 0.0)
            cout = float(entry.get("output_cost_per_token") or 0.0)
            return cin, cout
    ours = CLAUDE_PRICES.get(family)
    if ours is not None:
        return ours[0] / 1e6, ours[1] / 1e6
    return None


def cost_unknown_reason(
    model: str,
    *,
    provider: str | None = None,
    has_tokens: bool = True,
) -> str | None:
    """Why a run's cost is unknown (None when :func:`estimate_cost` can price the model).

    Args:
        model: The model name.
        provider: The judge's client (``openai``, ``anthropic``, ``local``, ...).
        has_tokens: Whether the provider reported token counts.

    Example:
        >>> cost_unknown_reason("claude-3-5-haiku-latest", provider="anthropic") is None
        True
        >>> cost_unknown_reason("my-finetune", provider="openai")
        "no price for model 'my-finetune' in litellm's cost map or meta_evaluator's Claude table"
    """
    if provider == "local":
        return "local judge: no provider cost"
    if not has_tokens:
        return "the provider reported no token counts"
    if _prices(model, provider) is None:
        return (
            f"no price for model {model!r} in litellm's cost map or meta_evaluator's Claude table"
        )
    return None
