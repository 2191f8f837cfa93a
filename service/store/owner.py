"""One server per data directory.

A job lives in the process that runs it: its actor, its broadcast, its
subscribers. A second server on the same directory would find the first
one's running jobs in the database, take them for leftovers of a crash and
mark them interrupted, and the two would then write the same log. So a
server claims its data directory with an exclusive ``flock`` for as long as
it runs; the kernel drops the claim when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "refiner.lock"


class DataDirInUse(RuntimeError):
    """Another process holds the data directory."""


@contextmanager
def claim_data_dir(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir`` for this process; raise :class:`DataDirInUse` if another has it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise DataDirInUse(
                f"the data directory {data_dir} is in use by another Refiner server "
                f"(pid {holder}); run one server per data directory (REFINER_DATA_DIR)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock
