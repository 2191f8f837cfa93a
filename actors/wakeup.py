"""One waiting task's wake-up, made once per delivery and so made as cheaply as possible.

A bare asyncio future (the service runs on asyncio) rather than an
``anyio.Event``: an event asks sniffio for the running backend and makes five
objects, and the garbage collector walks every one of them while a thousand
readers wait. Cancelling the waiter cancels the future; a wake-up that comes
after that is a no-op.
"""

from __future__ import annotations

import asyncio


class Wakeup:
    """For a single waiter at a time: :meth:`wait` until :meth:`set` is called."""

    __slots__ = ("_future",)

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    async def wait(self) -> None:
        self._future = asyncio.get_running_loop().create_future()
        try:
            await self._future
        finally:
            self._future = None

    def set(self) -> None:
        """Wake the waiter if there is one; otherwise do nothing."""
        if self._future is not None and not self._future.done():
            self._future.set_result(None)
