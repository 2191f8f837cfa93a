"""The session outbox: order kept, a full outbox holds its pumps back, cancellation is clean."""

from __future__ import annotations

import anyio
from anyio import wait_all_tasks_blocked

from transports.outbox import Outbox


async def test_the_writer_takes_everything_queued_in_order() -> None:
    outbox = Outbox[int](capacity=8)
    for n in range(5):
        await outbox.put(n)
    assert await outbox.take_all() == [0, 1, 2, 3, 4]


async def test_a_waiting_writer_is_woken_by_a_put() -> None:
    outbox = Outbox[str](capacity=8)
    taken: list[list[str]] = []

    async def write() -> None:
        taken.append(await outbox.take_all())

    async with anyio.create_task_group() as tg:
        tg.start_soon(write)
        await wait_all_tasks_blocked()
        await outbox.put("a")
    assert taken == [["a"]]


async def test_a_full_outbox_holds_its_pumps_until_the_writer_takes() -> None:
    outbox = Outbox[int](capacity=2)
    await outbox.put(1)
    await outbox.put(2)
    put_done = anyio.Event()

    async def pump() -> None:
        await outbox.put(3)
        put_done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(pump)
        await wait_all_tasks_blocked()
        assert not put_done.is_set(), "the pump waits while the client is not reading"
        assert await outbox.take_all() == [1, 2]
        await put_done.wait()
    assert await outbox.take_all() == [3]


async def test_a_cancelled_writer_leaves_the_outbox_usable() -> None:
    outbox = Outbox[int](capacity=2)
    with anyio.move_on_after(0.01) as waited:
        await outbox.take_all()
    assert waited.cancelled_caught
    await outbox.put(7)
    assert await outbox.take_all() == [7]
