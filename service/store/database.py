"""One SQLite database in WAL mode, used from worker threads.

SQLite calls block, so every query runs in a worker thread. Writes go through
one connection and one thread at a time (SQLite allows a single writer
anyway); reads take a connection from a small pool and, thanks to WAL, never
wait for a write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

from service.store.group_commit import GroupCommitter
from service.store.schema import MIGRATIONS, SCHEMA_VERSION

P = ParamSpec("P")
T = TypeVar("T")


class Database:
    """Owns the SQLite file; call :meth:`close` when done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = self._connect()
        self._migrate(self._writer)
        self._write_limiter = anyio.CapacityLimiter(1)
        self._read_limiter = anyio.CapacityLimiter(4)
        self._readers: list[sqlite3.Connection] = []  # every one opened
        self._idle_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._group = GroupCommitter(self._writer, self._write_limiter)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode keeps the database consistent across a crash of
        # the process; only a power loss can drop the last transactions.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"database schema {version} is newer than this service ({SCHEMA_VERSION})"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")

    def _read_with(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on an idle read connection, opened when there is none.

        Connections are pooled, not kept per thread: worker threads come and
        go (anyio retires idle ones), and a connection per thread would leave
        two open files behind each. The pool holds at most as many
        connections as reads have run at once.
        """
        with self._readers_lock:
            conn = self._idle_readers.pop() if self._idle_readers else None
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                self._readers.append(conn)
        try:
            return fn(conn)
        finally:
            with self._readers_lock:
                self._idle_readers.append(conn)

    def _in_transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` atomically on the writer connection.

        While :meth:`group_commits` is open, ``fn`` shares a transaction with
        the writes that arrive with it; it is still all or nothing by itself.
        """
        if self._group.running:
            result: T = await self._group.write(fn)
            return result
        return await anyio.to_thread.run_sync(self._in_transaction, fn, limiter=self._write_limiter)

    def group_commits(self) -> AbstractAsyncContextManager[None]:
        """Open to let concurrent writes share commits; close before :meth:`close`."""
        return self._group.running_writer()

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on a read-only connection; it sees the last committed state."""
        return await anyio.to_thread.run_sync(self._read_with, fn, limiter=self._read_limiter)

    def write_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking write, for start-up and shutdown when no other task writes."""
        return self._in_transaction(fn)

    def close(self) -> None:
        with self._readers_lock:
            readers, self._readers, self._idle_readers = self._readers, [], []
        for conn in readers:
            conn.close()
        self._writer.close()
