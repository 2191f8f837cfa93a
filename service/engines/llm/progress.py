"""A pass's progress: chunks done, and the text as it is written, a few times a second.

Models stream a few tokens at a time, far more often than an editor can
show or a socket should carry. Each chunk buffers its deltas and hands them
on at most every ``interval`` seconds, and whatever is left when it ends.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from service.engines.base import ProgressCallback, TextDelta

DELTA_INTERVAL = 0.25  # at most four deltas a second per chunk


class PassProgress:
    def __init__(
        self,
        total: int,
        callback: ProgressCallback,
        *,
        interval: float = DELTA_INTERVAL,
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        self.total = total
        self.done = 0
        self._callback = callback
        self._interval = interval
        self._clock = clock

    def chunk(self, index: int) -> ChunkProgress:
        """The progress of chunk ``index`` (from 0, in document order)."""
        return ChunkProgress(self, index)

    def _publish(self, delta: TextDelta | None) -> None:
        self._callback(self.done, self.total, delta)


class ChunkProgress:
    """One chunk's deltas; ``finish()`` once when the chunk is done."""

    def __init__(self, owner: PassProgress, index: int) -> None:
        self._owner = owner
        self._index = index
        self._pending: list[str] = []
        self._last = owner._clock()

    def delta(self, text: str) -> None:
        self._pending.append(text)
        now = self._owner._clock()
        if now - self._last >= self._owner._interval:
            self._last = now
            self._flush()

    def finish(self) -> None:
        self._owner.done += 1
        text = "".join(self._pending)
        self._pending.clear()
        self._owner._publish(TextDelta(self._index, text) if text else None)

    def _flush(self) -> None:
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            self._owner._publish(TextDelta(self._index, text))
