"""The probe's schedule: every count once and in order, caught up in one go when late."""

from __future__ import annotations

import time
from contextlib import aclosing

import anyio

from service.engines.probe import UNPACED_BURST, schedule


async def test_unpaced_counts_come_in_bursts_and_cover_every_count_once() -> None:
    total = 3 * UNPACED_BURST + 1
    ranges = [counts async for counts in schedule(total, 0.0, anyio.current_time())]
    assert [len(r) for r in ranges] == [UNPACED_BURST] * 3 + [1]
    assert [k for r in ranges for k in r] == list(range(1, total + 1))


async def test_a_late_wake_up_yields_every_count_that_came_due_at_once() -> None:
    rate = 1000.0
    sizes: list[int] = []
    seen: list[int] = []
    async for counts in schedule(40, rate, anyio.current_time()):
        sizes.append(len(counts))
        seen.extend(counts)
        if len(sizes) == 1:
            # Block the event loop as a busy server would: 20 counts fall due.
            time.sleep(20 / rate)  # noqa: ASYNC251 (the point: the loop is blocked)
    assert seen == list(range(1, 41))
    assert sizes[1] >= 20, sizes


async def test_a_schedule_that_started_in_the_past_catches_up_first() -> None:
    rate = 100.0
    start = anyio.current_time() - 0.1  # ten counts are already due
    async with aclosing(schedule(50, rate, start)) as ranges:
        first = await anext(ranges)
    assert first[0] == 1
    assert len(first) >= 10
