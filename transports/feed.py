"""Every event of a job after a cursor: what the log holds, then live, no gaps, no repeats.

Both transports are thin wrappers around :meth:`Feed.follow`, which calls
``deliver`` with each batch of events in order and returns how the feed
ended. When a replay cannot be complete (the job was deleted, or the cursor
is ahead of anything the server knows of the job), the feed says so in band
with a ``replay_gap`` notice rather than pretending.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable

import anyio

from actors.events import STREAM_END, Event
from actors.supervisor import Supervisor
from service.store import Store

Deliver = Callable[[list[Event]], Awaitable[None]]

# While a job is stored but its actor is not yet (or no longer) registered,
# the feed looks again after this long.
_REPOLL_SECONDS = 0.05


def notice(job_id: str, type_: str, data: dict[str, int | None]) -> Event:
    """An out-of-band notice (``lagged``, ``replay_gap``) in the envelope of an event.

    Its ``seq`` is not an event's own: it is the cursor to resume after
    (``from_seq - 1``), so that SSE's ``id:`` line, and thus a browser's
    ``Last-Event-ID``, moves to the right place.
    """
    from_seq = data["from_seq"]
    assert from_seq is not None
    return Event.build(job_id, from_seq - 1, type_, data)


class FeedEnd(enum.Enum):
    COMPLETE = "complete"  # the job's stream ended (stream_end, or nothing more to send)
    LAGGED = "lagged"  # the subscriber fell behind; it must resume from its last seq
    GONE = "gone"  # the job does not exist (any more); a replay_gap was sent


class Feed:
    """Follows one job for one subscriber, from ``after``."""

    def __init__(self, supervisor: Supervisor, store: Store, job_id: str, after: int) -> None:
        self.supervisor = supervisor
        self.store = store
        self.job_id = job_id
        self.after = after
        self.lagged_from: int | None = None

    def replay_gap(self, from_seq: int, to_seq: int | None) -> Event:
        return notice(self.job_id, "replay_gap", {"from_seq": from_seq, "to_seq": to_seq})

    def lagged(self) -> Event:
        assert self.lagged_from is not None
        return notice(self.job_id, "lagged", {"from_seq": self.lagged_from})

    async def follow(self, deliver: Deliver) -> FeedEnd:
        while True:
            subscription = await self.supervisor.subscribe(self.job_id, self.after)
            if subscription is not None:
                break
            # No actor: the job is finished, and its whole story is in the
            # log, or it is between being stored and being started.
            job = await self.store.get_job(self.job_id)
            if job is None:
                await deliver([self.replay_gap(self.after + 1, None)])
                return FeedEnd.GONE
            if self.after > job.last_seq:
                ahead, self.after = self.after, job.last_seq
                await deliver([self.replay_gap(job.last_seq + 1, ahead)])
            await self._deliver_log(deliver, until=None)
            if job.status.finished:
                return FeedEnd.COMPLETE
            await anyio.sleep(_REPOLL_SECONDS)
        try:
            if subscription.gap is not None:
                self.after = subscription.after
                await deliver([self.replay_gap(*subscription.gap)])
            if subscription.log_until is not None:
                # A resumed job's log holds the stream_end of its earlier run:
                # only the live stream says when this one ends.
                await self._deliver_log(deliver, until=subscription.log_until)
            while batch := await subscription.next_batch():
                batch = [e for e in batch if e.seq > self.after]
                if batch:
                    await deliver(batch)
                    self.after = batch[-1].seq
                    if batch[-1].type == STREAM_END:
                        return FeedEnd.COMPLETE
            if subscription.lagged_from is not None:
                self.lagged_from = subscription.lagged_from
                return FeedEnd.LAGGED
            return FeedEnd.COMPLETE
        finally:
            subscription.close()

    async def _deliver_log(self, deliver: Deliver, until: int | None) -> None:
        """Deliver the stored events after the cursor, up to ``until``."""
        stored = await self.store.events_after(self.job_id, self.after, until)
        if stored:
            batch = [Event.decode(s.body) for s in stored]
            await deliver(batch)
            self.after = batch[-1].seq
