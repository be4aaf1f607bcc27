"""Record a judge run's retry waits instead of sleeping them (a test seam).

Example:
    >>> with recorded_waits() as waits:
    ...     pass
    >>> waits
    []
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["recorded_waits"]


@contextlib.contextmanager
def recorded_waits() -> Iterator[list[float]]:
    """Within the block, every wait a judge row makes between retries is recorded, not slept.

    The waits are the backoff and ``Retry-After`` pauses of
    :func:`meta_evaluator.judges.run_judges_async` (rate limiting is not included), so a test
    can check the retry budget without waiting.

    Yields:
        The list the waits (seconds) are appended to, in call order.
    """
    from meta_evaluator.judges import _calls

    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    saved = _calls._sleep
    _calls._sleep = record
    try:
        yield waits
    finally:
        _calls._sleep = saved
