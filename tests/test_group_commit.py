"""Group commit: concurrent writes share commits, and each is still all or nothing."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from service.store.database import Database


def insert(value: int, *, fail: bool = False) -> Callable[[sqlite3.Connection], int]:
    def write(conn: sqlite3.Connection) -> int:
        conn.execute(
            "INSERT INTO uploads (id, name, format, bytes, words, text, created_at)"
            " VALUES (?, 'n', 'txt', 0, 0, '', 0)",
            (f"u{value}",),
        )
        if fail:
            raise ValueError(f"write {value} fails after its insert")
        return value

    return write


async def test_concurrent_writes_share_commits_and_fail_alone(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite3")
    commits = 0

    def count_commit() -> int:
        nonlocal commits
        commits += 1
        return 0

    db._writer.set_trace_callback(lambda sql: count_commit() if sql == "COMMIT" else None)
    results: dict[int, object] = {}

    async def write(value: int) -> None:
        try:
            results[value] = await db.write(insert(value, fail=value % 10 == 3))
        except ValueError as exc:
            results[value] = exc

    async with db.group_commits(), anyio.create_task_group() as tg:
        for value in range(100):
            tg.start_soon(write, value)

    stored = {row[0] for row in db._writer.execute("SELECT id FROM uploads")}
    assert stored == {f"u{v}" for v in range(100) if v % 10 != 3}
    assert all(isinstance(results[v], ValueError) for v in range(3, 100, 10))
    assert commits < 50, "writes that arrived together were committed together"
    db.close()


async def test_without_group_commits_each_write_commits_alone(tmp_path: Path) -> None:
    db = Database(tmp_path / "db.sqlite3")
    assert await db.write(insert(1)) == 1
    with pytest.raises(ValueError, match="fails"):
        await db.write(insert(2, fail=True))
    assert [r[0] for r in db._writer.execute("SELECT id FROM uploads")] == ["u1"]
    db.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_reads_from_worker_threads_that_come_and_go_keep_no_files_open(tmp_path: Path) -> None:
    """Worker threads are retired when idle; their reads must not each leave a connection."""
    database = Database(tmp_path / "refiner.sqlite3")

    together = threading.Barrier(4)  # the reads the database allows at once, all open

    def read_together(conn: sqlite3.Connection) -> object:
        together.wait(timeout=10)
        return conn.execute("SELECT 1").fetchone()

    async def reads() -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(database.read, read_together)

    def open_files() -> int:
        return len(list(Path("/proc/self/fd").iterdir()))

    anyio.run(reads)  # the pool grows to its largest
    before = open_files()
    for _ in range(5):
        anyio.run(reads)  # each run has worker threads of its own, as after a quiet spell
    assert open_files() == before
    database.close()
