"""The Broadcast, in pure anyio: order, replay, bounded buffers, lagging."""

from __future__ import annotations

from typing import cast

import anyio
from anyio import wait_all_tasks_blocked
from anyio.lowlevel import checkpoint

from actors.broadcast import Broadcast
from actors.events import Envelope, PassCompleted, PassMetrics, PassProgressed
from transports.codec import envelope


def event(seq: int, type_: str = "pass_complete") -> Envelope:
    typed: PassCompleted | PassProgressed = (
        PassProgressed("file_1", 1, seq, 1000)
        if type_ == "pass_progress"
        else PassCompleted("file_1", 1, "plain", False, 1, cast(PassMetrics, {}))
    )
    return envelope("job_1", seq, typed, ts=1.0)


async def test_every_subscriber_gets_every_event_in_order() -> None:
    broadcast = Broadcast("job_1")
    subs = [broadcast.subscribe(after=0) for _ in range(3)]
    for seq in range(1, 6):
        broadcast.publish(event(seq))
    broadcast.close()
    for sub in subs:
        seen: list[int] = []
        while batch := await sub.next_batch():
            seen.extend(e.seq for e in batch)
        assert seen == [1, 2, 3, 4, 5]


async def test_a_waiting_reader_is_woken_and_takes_all_pending_at_once() -> None:
    broadcast = Broadcast("job_1")
    sub = broadcast.subscribe(after=0)
    batches: list[list[int]] = []

    async def read() -> None:
        while batch := await sub.next_batch():
            batches.append([e.seq for e in batch])

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        await wait_all_tasks_blocked()
        broadcast.publish(event(1))
        broadcast.publish(event(2))
        await wait_all_tasks_blocked()
        broadcast.publish(event(3))
        await wait_all_tasks_blocked()
        broadcast.close()
    assert batches == [[1, 2], [3]]


async def test_a_reader_cancelled_while_waiting_leaves_the_subscription_usable() -> None:
    broadcast = Broadcast("job_1")
    sub = broadcast.subscribe(after=0)
    with anyio.move_on_after(0.01) as waited:
        await sub.next_batch()
    assert waited.cancelled_caught
    broadcast.publish(event(1))  # wakes no one, and does not fail
    broadcast.publish(event(2))
    assert [e.seq for e in await sub.next_batch()] == [1, 2]


async def test_a_late_subscriber_is_replayed_from_the_ring() -> None:
    broadcast = Broadcast("job_1")
    for seq in range(1, 5):
        broadcast.publish(event(seq))
    sub = broadcast.subscribe(after=2)
    assert sub.log_until is None
    assert [e.seq for e in await sub.next_batch()] == [3, 4]


async def test_a_cursor_older_than_the_ring_is_sent_to_the_log() -> None:
    broadcast = Broadcast("job_1", last_seq=10, ring_size=4)
    for seq in range(11, 20):
        broadcast.publish(event(seq))
    sub = broadcast.subscribe(after=12)
    assert sub.log_until == 19, "the log must fill (12, 19] before live events"
    broadcast.publish(event(20))
    assert [e.seq for e in await sub.next_batch()] == [20]

    recent = broadcast.subscribe(after=16)  # the ring holds 17 to 20
    assert recent.log_until is None
    assert [e.seq for e in await recent.next_batch()] == [17, 18, 19, 20]
    assert broadcast.subscribe(after=15).log_until == 20


async def test_a_full_buffer_drops_progress_before_lagging() -> None:
    broadcast = Broadcast("job_1", subscriber_capacity=4)
    slow = broadcast.subscribe(after=0)
    fast = broadcast.subscribe(after=0)
    broadcast.publish(event(1))
    broadcast.publish(event(2, "pass_progress"))
    broadcast.publish(event(3, "pass_progress"))
    broadcast.publish(event(4))
    assert [e.seq for e in await fast.next_batch()] == [1, 2, 3, 4]
    broadcast.publish(event(5))  # slow is full: its pending progress goes
    assert slow.dropped == 2
    broadcast.publish(event(6))
    broadcast.publish(event(7))  # now only durable events are pending, and one more arrives
    assert slow.lagged_from == 7
    assert slow.closed
    assert [e.seq for e in await slow.next_batch()] == [1, 4, 5, 6]
    assert await slow.next_batch() == []
    assert broadcast.subscriber_count == 1, "a lagging subscriber is let go"
    await checkpoint()
    assert [e.seq for e in await fast.next_batch()] == [5, 6, 7]


async def test_a_closed_subscription_frees_its_buffer_and_leaves() -> None:
    broadcast = Broadcast("job_1")
    sub = broadcast.subscribe(after=0)
    broadcast.publish(event(1))
    sub.close()
    assert broadcast.subscriber_count == 0
    assert await sub.next_batch() == []
    broadcast.publish(event(2))  # publishing goes on without it


async def test_events_at_or_before_the_cursor_are_never_delivered() -> None:
    broadcast = Broadcast("job_1")
    for seq in range(1, 4):
        broadcast.publish(event(seq))
    sub = broadcast.subscribe(after=2)
    broadcast.publish(event(4))
    assert [e.seq for e in await sub.next_batch()] == [3, 4]


async def test_a_cursor_ahead_of_the_job_is_moved_back_and_the_gap_recorded() -> None:
    broadcast = Broadcast("job_1", last_seq=3)
    sub = broadcast.subscribe(after=5)  # say, from before the database was replaced
    assert sub.gap == (4, 5)
    assert sub.after == 3
    for seq in range(4, 7):
        broadcast.publish(event(seq))
    assert [e.seq for e in await sub.next_batch()] == [4, 5, 6]
