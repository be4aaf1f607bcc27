"""Retry waits and rate limiters shared by every client caller (judge runs, embeddings).

Example:
    >>> 0.0 <= backoff_delay(3, None, base_s=0.5, max_s=2.0) <= 2.0
    True
    >>> rate_limiter(None) is None, rate_limiter(600).max_rate
    (True, 10.0)
"""

from __future__ import annotations

import random

from aiolimiter import AsyncLimiter

__all__ = ["MAX_RETRY_AFTER_S", "backoff_delay", "rate_limiter"]

MAX_RETRY_AFTER_S = 300.0
"""A provider's Retry-After is honoured up to this many seconds."""


def backoff_delay(attempt: int, retry_after: float | None, *, base_s: float, max_s: float) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): full-jitter exponential backoff.

    ``uniform(0, min(max_s, base_s * 2**attempt))``; a provider's ``Retry-After`` wins (capped at
    :data:`MAX_RETRY_AFTER_S`, plus up to ``base_s / 4`` of jitter so retries do not align).
    Reference: AWS Architecture Blog, "Exponential Backoff And Jitter" (2015).

    Args:
        attempt: How many attempts failed before this wait.
        retry_after: The provider's Retry-After in seconds, if any.
        base_s: First backoff ceiling.
        max_s: Largest backoff ceiling.

    Returns:
        The wait in seconds.
    """
    if retry_after is not None and retry_after > 0:
        return min(retry_after, MAX_RETRY_AFTER_S) + random.uniform(0, base_s / 4)
    return random.uniform(0, min(max_s, base_s * (2**attempt)))


def rate_limiter(per_minute: float | None) -> AsyncLimiter | None:
    """An :class:`aiolimiter.AsyncLimiter` admitting ``per_minute`` acquisitions a minute.

    At 60 or more a minute the bucket holds one second's worth (smooth); below that it holds one
    acquisition per ``60 / per_minute`` seconds. None -> no limiter.
    """
    if per_minute is None:
        return None
    if per_minute >= 60:
        return AsyncLimiter(per_minute / 60.0, 1.0)
    return AsyncLimiter(1, 60.0 / per_minute)
