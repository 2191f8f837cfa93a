"""Job slots: first come, first served, and safe under cancellation."""

from __future__ import annotations

import anyio
import pytest
from anyio import wait_all_tasks_blocked

from actors.errors import QueueFull
from actors.slots import JobSlots


async def test_waiting_jobs_start_in_arrival_order() -> None:
    slots = JobSlots(limit=1, max_waiting=10)
    started: list[str] = []

    async def job(name: str) -> None:
        await slots.wait_turn(name)
        started.append(name)

    assert slots.reserve("first") == 0
    assert [slots.reserve(n) for n in ("a", "b", "c")] == [1, 2, 3]
    assert [slots.position(n) for n in ("a", "b", "c")] == [1, 2, 3]
    async with anyio.create_task_group() as tg:
        for name in ("c", "a", "b"):
            tg.start_soon(job, name)
        await wait_all_tasks_blocked()
        assert started == []
        for _ in range(3):
            slots.release()
            await wait_all_tasks_blocked()
    assert started == ["a", "b", "c"]
    assert slots.running == 1


async def test_a_job_that_gives_up_leaves_the_line_or_frees_its_slot() -> None:
    slots = JobSlots(limit=1, max_waiting=10)
    slots.reserve("first")
    slots.reserve("second")
    with anyio.move_on_after(0):
        await slots.wait_turn("second")
    slots.forfeit("second")
    assert slots.waiting == 0
    assert slots.running == 1
    slots.forfeit("first")
    assert slots.running == 0


async def test_a_full_line_refuses_newcomers() -> None:
    slots = JobSlots(limit=1, max_waiting=1)
    slots.reserve("first")
    slots.check_capacity()
    slots.reserve("second")
    with pytest.raises(QueueFull):
        slots.check_capacity()
