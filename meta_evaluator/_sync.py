"""Run a coroutine to completion from synchronous code, also inside a running event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` and return its result; safe inside Jupyter or an async application.

    Without a running loop this is ``asyncio.run(coro)``. Inside one, the coroutine runs on a
    fresh event loop in a worker thread and this call blocks until it ends.

    Example:
        >>> async def double(x):
        ...     return 2 * x
        >>> run_sync(double(21))
        42
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="meta_evaluator") as pool:
        return pool.submit(asyncio.run, coro).result()
