"""Counters of every job's events, shared by all broadcasts: the live gauges read them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class EventStats:
    """Plain counters, only ever touched from the event loop's thread."""

    published: Counter[str] = field(default_factory=Counter)  # by event type
    delivered: int = 0  # events handed to a subscriber's buffer
    dropped: int = 0  # transient events a lagging subscriber never got
    lagged: int = 0  # subscriptions ended because durable events no longer fit

    def snapshot(self) -> dict[str, int]:
        return {
            "published": sum(self.published.values()),
            "delivered": self.delivered,
            "dropped": self.dropped,
            "lagged": self.lagged,
        }
