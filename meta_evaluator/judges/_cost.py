"""Dollar cost of a call from litellm's bundled cost map, without importing litellm."""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

__all__ = ["estimate_cost"]

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
    table = _load_cost_map()
    candidates = [model]
    if provider:
        candidates.append(f"{provider}/{model}")
    if "/" in model:
        candidates.append(model.split("/", 1)[1])
    for name in candidates:
        entry = table.get(name)
        if isinstance(entry, dict) and "input_cost_per_token" in entry:
            cin = float(entry.get("input_cost_per_token") or 0.0)
            cout = float(entry.get("output_cost_per_token") or 0.0)
            return (input_tokens or 0) * cin + (output_tokens or 0) * cout
    return None
