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
    """One chunk's text as it is written; ``finish()`` once when the chunk is done.

    What a client shows of a chunk is what the deltas add up to. When that
    stops being the chunk's text (an attempt failed and is asked again, or an
    answer is cleaned up or not used), a delta with ``restart`` replaces it.
    A chunk split in halves is written one half after the other: ``settle()``
    closes each piece, and ``space()`` adds the whitespace that stood between
    them, which neither half's body holds.
    """

    def __init__(self, owner: PassProgress, index: int) -> None:
        self._owner = owner
        self._index = index
        self._settled = ""  # the finished pieces, as shown
        self._attempt: list[str] = []  # the current attempt's text, shown or pending
        self._shown = 0  # how many parts of the attempt have been published
        self._unshown = ""  # settled text not yet published: the space between halves
        self._last = owner._clock()

    def delta(self, text: str) -> None:
        self._attempt.append(text)
        now = self._owner._clock()
        if now - self._last >= self._owner._interval:
            self._last = now
            self._flush()

    def restart(self) -> None:
        """The current attempt failed; what it showed is withdrawn."""
        if self._shown:
            self._replace(self._settled)
        self._attempt.clear()
        self._shown = 0

    def settle(self, text: str) -> None:
        """The current piece is done, and ``text`` (its body, as the model writes
        one) is what it comes to."""
        if text == "".join(self._attempt):
            self._flush()
        else:
            self._replace(self._settled + text)
        self._settled += text
        self._attempt.clear()
        self._shown = 0

    def space(self, text: str) -> None:
        """Whitespace between the piece just settled and the next; shown with the next."""
        self._settled += text
        self._unshown += text

    def finish(self) -> None:
        self._owner.done += 1
        self._owner._publish(None)

    def _flush(self) -> None:
        if len(self._attempt) > self._shown:
            text = self._unshown + "".join(self._attempt[self._shown :])
            self._unshown = ""
            self._shown = len(self._attempt)
            self._owner._publish(TextDelta(self._index, text))

    def _replace(self, text: str) -> None:
        self._unshown = ""
        self._owner._publish(TextDelta(self._index, text, restart=True))
