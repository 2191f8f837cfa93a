"""Renders run in worker threads, as many at once as there are cores, and stop when cancelled.

Rendering a long document to ``.docx`` takes seconds of CPU and hundreds
of MB while it runs; a job's output step and the download route share one
limiter, so that four downloads at once take the memory of two renders on
a machine of two cores, the others waiting their turn (cancellably). The
render gets a ``checkpoint`` to call between elements: in the thread it
raises the caller's cancellation (a cancelled job, a download whose client
left), which stops the render there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.lowlevel import RunVar

T = TypeVar("T")

# One limiter per event loop (tests run many loops in one process).
_LIMITER: RunVar[anyio.CapacityLimiter] = RunVar("render_limiter")


def render_limiter() -> anyio.CapacityLimiter:
    """The limiter every render in this event loop runs under: one token a render."""
    try:
        return _LIMITER.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(max(1, os.cpu_count() or 1))
        _LIMITER.set(limiter)
        return limiter


async def run_render(render: Callable[[Callable[[], None]], T]) -> T:
    """``render(checkpoint)`` in a worker thread once a render slot is free.

    Cancelling the caller stops the render at its next ``checkpoint`` call
    (the thread is waited for, never abandoned), then raises as usual.
    """
    return await anyio.to_thread.run_sync(
        render, anyio.from_thread.check_cancelled, limiter=render_limiter()
    )
