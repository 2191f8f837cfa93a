"""Group commit: writes that arrive together share one transaction and one commit.

One writer task takes every write waiting in its queue, runs them in a
worker thread inside a single transaction (each in a savepoint of its own,
so one failing write undoes only itself) and commits once. When fifty jobs
start at the same moment, their writes wait for one commit instead of
fifty in a row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

QUEUE_SIZE = 4096
# Writes in one transaction at most, so that no commit grows without bound.
BATCH_SIZE = 512


@dataclass(slots=True)
class PendingWrite:
    fn: Callable[[sqlite3.Connection], Any]
    done: anyio.Event = field(default_factory=anyio.Event)
    result: Any = None
    error: Exception | None = None


def run_batch(conn: sqlite3.Connection, batch: list[PendingWrite]) -> None:
    """Run each write in its own savepoint, then commit them together (blocking)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for write in batch:
            conn.execute("SAVEPOINT one_write")
            try:
                write.result = write.fn(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO one_write")
                write.error = exc
            conn.execute("RELEASE one_write")
        conn.execute("COMMIT")
    except Exception as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        for write in batch:
            write.result, write.error = None, write.error or exc


class GroupCommitter:
    def __init__(self, conn: sqlite3.Connection, limiter: anyio.CapacityLimiter) -> None:
        self._conn = conn
        self._limiter = limiter
        self._queue: MemoryObjectSendStream[PendingWrite] | None = None

    @property
    def running(self) -> bool:
        return self._queue is not None

    async def write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        assert self._queue is not None, "the group committer is not running"
        pending = PendingWrite(fn)
        await self._queue.send(pending)
        await pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result

    @asynccontextmanager
    async def running_writer(self) -> AsyncIterator[None]:
        send, receive = anyio.create_memory_object_stream[PendingWrite](QUEUE_SIZE)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._drain, receive)
            self._queue = send
            try:
                yield
            finally:
                self._queue = None
                send.close()  # the writer finishes what is queued, then stops

    async def _drain(self, receive: MemoryObjectReceiveStream[PendingWrite]) -> None:
        async with receive:
            async for first in receive:
                batch = [first]
                while len(batch) < BATCH_SIZE:
                    try:
                        batch.append(receive.receive_nowait())
                    except (anyio.WouldBlock, anyio.EndOfStream):
                        break
                # Shielded: a write taken from the queue is always run and answered.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(
                        run_batch, self._conn, batch, limiter=self._limiter
                    )
                for write in batch:
                    write.done.set()
