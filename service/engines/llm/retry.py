"""When to ask again: exponential backoff with jitter, and the server's Retry-After.

The ``openai`` client's own retries are switched off (``max_retries=0``):
here a wait honours ``retry-after-ms`` and ``Retry-After`` (seconds or an
HTTP date), happens outside the concurrency limits so a throttled chunk
does not hold a slot, and is a plain ``anyio.sleep`` that a cancelled job
interrupts at once.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 5  # rate limits and server errors
    bounded_retries: int = 2  # timeouts and lost connections
    backoff: float = 0.5  # the first wait; it doubles each time
    max_backoff: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is cut to this

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number ``attempt + 1``.

        With ``retry_after``, that long plus a little jitter so that chunks
        throttled together do not come back together; otherwise "equal
        jitter": half the exponential step, plus up to as much again.
        """
        step: float = min(self.max_backoff, self.backoff * 2.0**attempt)
        if retry_after is not None:
            return min(retry_after, self.max_retry_after) + rand() * min(step, 1.0) * 0.25
        return step / 2 + rand() * step / 2


def parse_retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After``; ``None`` if absent or unreadable."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())
