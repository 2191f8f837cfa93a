"""A bounded number of running jobs, the rest waiting in line in order."""

from __future__ import annotations

from collections import OrderedDict

import anyio

from actors.errors import QueueFull


class JobSlots:
    """First come, first served slots.

    A job takes its place with :meth:`reserve` (synchronous, so its place is
    known at once), waits with :meth:`wait_turn`, and gives its slot back with
    :meth:`release`; a job that stops before it ran calls :meth:`forfeit`.
    """

    def __init__(self, limit: int, max_waiting: int) -> None:
        self.limit = limit
        self.max_waiting = max_waiting
        self.running = 0
        self._waiting: OrderedDict[str, anyio.Event] = OrderedDict()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def check_capacity(self) -> None:
        """Raise :class:`QueueFull` when one more job could neither run nor wait."""
        if self.running >= self.limit and len(self._waiting) >= self.max_waiting:
            raise QueueFull(self.running, len(self._waiting))

    def position(self, job_id: str) -> int:
        """The job's place in line, from 1; 0 when it is not waiting."""
        for index, waiting_id in enumerate(self._waiting, start=1):
            if waiting_id == job_id:
                return index
        return 0

    def reserve(self, job_id: str) -> int:
        """Take a slot now (returns 0) or a place at the end of the line (returns it)."""
        if self.running < self.limit and not self._waiting:
            self.running += 1
            return 0
        self._waiting[job_id] = anyio.Event()
        return len(self._waiting)

    async def wait_turn(self, job_id: str) -> None:
        """Wait until the reserved place becomes a slot."""
        granted = self._waiting.get(job_id)
        if granted is not None:
            await granted.wait()

    def forfeit(self, job_id: str) -> None:
        """Give up a reservation, whether still in line or already granted."""
        if self._waiting.pop(job_id, None) is None:
            self.release()

    def release(self) -> None:
        if self._waiting:
            _, granted = self._waiting.popitem(last=False)
            granted.set()  # the slot passes straight to the next job
        else:
            self.running -= 1
