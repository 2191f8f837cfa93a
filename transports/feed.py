"""Every event of a job after a cursor: what the log holds, then live, no gaps, no repeats.

The WebSocket transports call :meth:`Feed.follow`, which calls ``deliver``
with each batch of events in order and returns how the feed ended; SSE
iterates :meth:`Feed.batches`, the same batches as a generator. When a
replay cannot be complete (the job was deleted, or the cursor is ahead of
anything the server knows of the job), the feed says so in band with a
``replay_gap`` notice rather than pretending.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing

import anyio

from actors.broadcast import Subscription
from actors.events import Envelope, Lagged, ReplayGap
from actors.supervisor import Supervisor
from service.store import Store
from transports import codec

Deliver = Callable[[list[Envelope]], Awaitable[None]]

# While a job is stored but its actor is not yet (or no longer) registered,
# the feed looks again after this long.
_REPOLL_SECONDS = 0.05
# The largest cursor a client may send: 18 digits, well within SQLite's integers.
SEQ_DIGITS = 18
MAX_SEQ = 10**SEQ_DIGITS - 1


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
        self.end = FeedEnd.COMPLETE
        self._subscription: Subscription | None = None
        self._ended = False  # the live stream's stream_end has been handed on

    def replay_gap(self, from_seq: int, to_seq: int | None) -> Envelope:
        return codec.notice(self.job_id, ReplayGap(from_seq, to_seq))

    def lagged(self) -> Envelope:
        assert self.lagged_from is not None
        return codec.notice(self.job_id, Lagged(self.lagged_from))

    async def follow(self, deliver: Deliver) -> FeedEnd:
        """Call ``deliver`` with each batch in order; return how the feed ended.

        Live batches reach ``deliver`` with no generator in between: every
        delivery resumes each frame on the way down to it.
        """
        try:
            async with aclosing(self._replay()) as replayed:
                async for batch in replayed:
                    await deliver(batch)
            while batch := await self._next_live():
                await deliver(batch)
        finally:
            self._detach()
        return self.end

    async def batches(self) -> AsyncGenerator[list[Envelope]]:
        """Each batch of events in order; :attr:`end` says how the feed ended.

        The caller closes it (``contextlib.aclosing``) to end early.
        """
        try:
            async with aclosing(self._replay()) as replayed:
                async for batch in replayed:
                    yield batch
            while batch := await self._next_live():
                yield batch
        finally:
            self._detach()

    async def _replay(self) -> AsyncGenerator[list[Envelope]]:
        """What comes before the live stream: gap notices and the durable log.

        Leaves :attr:`_subscription` set when the job has a live stream to follow.
        """
        while True:
            subscription = await self.supervisor.subscribe(self.job_id, self.after)
            if subscription is not None:
                break
            # No actor: the job is finished, and its whole story is in the
            # log, or it is between being stored and being started.
            job = await self.store.get_job(self.job_id)
            if job is None:
                self.end = FeedEnd.GONE
                yield [self.replay_gap(self.after + 1, None)]
                return
            if self.after > job.last_seq:
                ahead, self.after = self.after, job.last_seq
                yield [self.replay_gap(job.last_seq + 1, ahead)]
            if logged := await self._logged(until=None):
                yield logged
            if job.status.finished:
                return
            await anyio.sleep(_REPOLL_SECONDS)
        self._subscription = subscription
        if subscription.gap is not None:
            self.after = subscription.after
            yield [self.replay_gap(*subscription.gap)]
        if subscription.log_until is not None and (
            # A resumed job's log holds the stream_end of its earlier run:
            # only the live stream says when this one ends.
            logged := await self._logged(until=subscription.log_until)
        ):
            yield logged

    async def _next_live(self) -> list[Envelope]:
        """The next live batch after the cursor; ``[]`` once the stream is over."""
        subscription = self._subscription
        while subscription is not None and not self._ended:
            batch = await subscription.next_batch()
            if not batch:
                if subscription.lagged_from is not None:
                    self.lagged_from = subscription.lagged_from
                    self.end = FeedEnd.LAGGED
                break
            if batch[0].seq <= self.after:
                batch = [e for e in batch if e.seq > self.after]
                if not batch:
                    continue
            self.after = batch[-1].seq
            self._ended = batch[-1].ends_stream
            return batch
        return []

    def _detach(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def _logged(self, until: int | None) -> list[Envelope]:
        """The stored events after the cursor, up to ``until``; moves the cursor past them."""
        stored = await self.store.events_after(self.job_id, self.after, until)
        batch = [codec.decode(s.body) for s in stored]
        if batch:
            self.after = batch[-1].seq
        return batch
