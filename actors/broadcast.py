"""Fan-out of one job's events to many subscribers without ever waiting for one.

AnyIO has no broadcast primitive, so a Broadcast holds one bounded buffer per
subscriber. :meth:`Broadcast.publish` is synchronous: it appends the event to
every buffer and wakes a reader only if that reader is waiting, so a publish
costs one append per subscriber and never an ``await``. A waiting reader
sleeps on a :class:`~actors.wakeup.Wakeup`, the cheapest there is.

A subscriber that falls behind first loses its pending transient events
(``pass_progress``); if a durable event still does not fit, the subscription
is ended with :attr:`Subscription.lagged_from` set to the first sequence
number it missed, and the transport tells the client to resume from the log.

Recent events stay in a ring so that a new subscriber can be replayed from
memory; a subscriber whose cursor is older than the ring is told to read the
gap from the durable log (:attr:`Subscription.log_until`).
"""

from __future__ import annotations

from collections import deque

import anyio

from actors.events import Envelope
from actors.stats import EventStats
from actors.wakeup import Wakeup

DEFAULT_RING_SIZE = 1024
DEFAULT_SUBSCRIBER_CAPACITY = 1024


class Subscription:
    """One subscriber's bounded buffer. Call :meth:`close` when done with it."""

    def __init__(
        self, broadcast: Broadcast, after: int, capacity: int, log_until: int | None
    ) -> None:
        self._broadcast = broadcast
        self._stats = broadcast.stats
        self.after = after
        # (from_seq, to_seq) when the cursor was ahead of the job: those
        # sequence numbers are not this job's, as far as the server knows.
        self.gap: tuple[int, int] | None = None
        self._capacity = capacity
        # A list, not a deque: an idle subscriber's empty list is a tenth of
        # the size, and a reader takes the whole list at once.
        self._pending: list[Envelope] = []
        self._wakeup = Wakeup()
        self._closed = False
        # Set when the durable log must fill (after, log_until] before the
        # buffered live events; None when the buffer already starts right
        # after the subscriber's cursor.
        self.log_until = log_until
        self.lagged_from: int | None = None
        self.dropped = 0

    @property
    def closed(self) -> bool:
        return self._closed

    def offer(self, event: Envelope) -> bool:
        """Buffer ``event`` without blocking; False once the subscription is over."""
        if self._closed:
            return False
        if event.seq <= self.after:
            return True
        if len(self._pending) >= self._capacity:
            if not event.durable:
                self.dropped += 1
                self._stats.dropped += 1
                return True
            kept = [e for e in self._pending if e.durable]
            self.dropped += len(self._pending) - len(kept)
            self._stats.dropped += len(self._pending) - len(kept)
            self._pending = kept
            if len(kept) >= self._capacity:
                self.lagged_from = event.seq
                self._stats.lagged += 1
                self._end()
                return False
        self._pending.append(event)
        self._stats.delivered += 1
        self._wakeup.set()
        return True

    async def next_batch(self) -> list[Envelope]:
        """Wait for events and take every one pending; ``[]`` means the stream is over."""
        while not self._pending:
            if self._closed:
                return []
            await self._wakeup.wait()
        batch, self._pending = self._pending, []
        return batch

    def _end(self) -> None:
        self._closed = True
        self._wakeup.set()

    def close(self) -> None:
        """Stop receiving; pending events are discarded."""
        self._end()
        self._pending.clear()
        self._broadcast.discard(self)


class Broadcast:
    """One job's event fan-out. Owned and published to by its actor only."""

    def __init__(
        self,
        job_id: str,
        *,
        last_seq: int = 0,
        ring_size: int = DEFAULT_RING_SIZE,
        subscriber_capacity: int = DEFAULT_SUBSCRIBER_CAPACITY,
        stats: EventStats | None = None,
    ) -> None:
        self.job_id = job_id
        self.stats = stats if stats is not None else EventStats()
        self.last_seq = last_seq
        # The ring covers every event from this seq on; older ones are in the log.
        self._ring_from = last_seq + 1
        self._ring: deque[Envelope] = deque(maxlen=ring_size)
        self._subscribers: set[Subscription] = set()
        self._capacity = subscriber_capacity
        self._closed = False
        self._joined: anyio.Event | None = None

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, event: Envelope) -> None:
        if self._closed:
            raise RuntimeError(f"broadcast of job {self.job_id} is closed")
        if len(self._ring) == self._ring.maxlen:
            self._ring_from = self._ring[1].seq if len(self._ring) > 1 else event.seq
        self._ring.append(event)
        self.last_seq = event.seq
        self.stats.published[event.type] += 1
        lost: list[Subscription] = []
        for sub in self._subscribers:
            if not sub.offer(event):
                lost.append(sub)
        for sub in lost:
            self._subscribers.discard(sub)

    def subscribe(self, after: int) -> Subscription:
        """Subscribe to every event after ``after``, from the ring or via the log.

        A cursor ahead of the job (say, from before its database was
        replaced) is moved back to the job's last event and the skipped
        range is recorded in :attr:`Subscription.gap`.
        """
        gap = None
        if after > self.last_seq:
            gap, after = (self.last_seq + 1, after), self.last_seq
        if after >= self._ring_from - 1:
            sub = Subscription(self, after, self._capacity, log_until=None)
            for event in self._ring:
                sub.offer(event)
        else:
            sub = Subscription(self, after, self._capacity, log_until=self.last_seq)
        sub.gap = gap
        if self._closed:
            sub._end()
        else:
            self._subscribers.add(sub)
            if self._joined is not None:
                self._joined.set()
        return sub

    async def wait_subscribers(self, count: int) -> None:
        """Wait until at least ``count`` subscribers are attached."""
        while len(self._subscribers) < count:
            self._joined = joined = anyio.Event()
            await joined.wait()
        self._joined = None

    def discard(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    def close(self) -> None:
        """End every subscription once its buffered events are read."""
        self._closed = True
        for sub in self._subscribers:
            sub._end()
        self._subscribers.clear()
