"""An editor session's outbox: what its one writer sends next, bounded.

Every delivery on a ``/ws`` session passes through here, from the job's pump
to the socket's writer, so it is built for that: appending never yields to
the event loop, and the writer sleeps on a :class:`~actors.wakeup.Wakeup`.
An anyio memory stream yields on every ``send`` and ``receive`` and records
the receiving task's details on every wait; with a thousand sessions busy,
that made each delivery wait for several turns of a crowded event loop.
A pump waits only while the outbox is full, that is, while the client is not
reading; its job's events then pile up in the subscription, which lags.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import anyio

from actors.wakeup import Wakeup

T = TypeVar("T")


class Outbox(Generic[T]):
    def __init__(self, capacity: int) -> None:
        self._items: list[T] = []
        self._capacity = capacity
        self._reader = Wakeup()
        self._space: anyio.Event | None = None  # set when a full outbox is emptied

    async def put(self, item: T) -> None:
        """Queue ``item``; wait while the outbox is full."""
        while len(self._items) >= self._capacity:
            if self._space is None:
                self._space = anyio.Event()
            await self._space.wait()
        self._items.append(item)
        self._reader.set()

    async def take_all(self) -> list[T]:
        """Everything queued, in order; waits until there is something."""
        while not self._items:
            await self._reader.wait()
        items, self._items = self._items, []
        if self._space is not None:
            self._space.set()
            self._space = None
        return items
