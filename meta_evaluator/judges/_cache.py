"""Response cache: a re-run of the same judge on the same rows makes no call.

Layout: ``cache/<sha256[:2]>/<sha256>.json`` where the hash covers the client name, base_url,
model, generation params, the rendered messages and the sample index (so ``consistency=N``
keeps N distinct answers). Only answers that parsed (``success`` / ``partial``) are stored, so a
malformed answer is never replayed. Writes are atomic (temp file + rename); a file that cannot be
read is treated as a miss. The cache is per project directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from meta_evaluator._io import create_temp_file
from meta_evaluator.judges._clients import Completion

__all__ = ["ResponseCache", "cache_key"]


def cache_key(
    *,
    client: str,
    base_url: str | None,
    model: str,
    params: dict[str, Any],
    messages: list[dict[str, str]],
    sample: int = 0,
) -> str:
    """The sha256 hex digest identifying one call.

    Example:
        >>> k = cache_key(client="openai", base_url=None, model="m", params={},
        ...               messages=[{"role": "user", "content": "hi"}])
        >>> len(k)
        64
    """
    payload = {
        "client": client,
        "base_url": base_url,
        "model": model,
        "params": params,
        "messages": messages,
        "sample": sample,
    }
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A directory of cached completions (pass ``root=None`` to disable caching).

    Args:
        root: The cache folder (``<project>/cache``), or None for a cache that never hits.
        read: False for a *refreshing* cache: lookups always miss (every answer is queried
            again) but new answers are still stored, replacing the old ones.
    """

    def __init__(self, root: Path | None, *, read: bool = True) -> None:
        self.root = Path(root) if root is not None else None
        self.read = read
        """Whether lookups may hit (False: refresh the cached answers)."""
        self.hits = 0
        """Lookups answered from the cache in this process."""
        self.misses = 0
        """Lookups not answered from the cache in this process."""

    @property
    def enabled(self) -> bool:
        """Whether the cache reads and writes anything."""
        return self.root is not None

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        """The stored completion for ``key``, or None (always None when not ``read``)."""
        if self.root is None or not self.read:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            comp = Completion(**data["completion"])
        except (OSError, ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return comp

    def put(self, key: str, completion: Completion) -> None:
        """Store a completion atomically (no fsync: losing a cache entry only costs a call)."""
        if self.root is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = json.dumps({"key": key, "completion": asdict(completion)}, ensure_ascii=False)
        tmp = create_temp_file(path)
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
