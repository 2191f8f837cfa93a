"""Strategy feedback as JSON Lines, one file per day under the feedback folder.

One writer at a time appends a whole line, flushes and syncs it before the
caller is answered, so concurrent posts never interleave and an answered post
is on disk. The folder is created with the first record, never before. A
crash can leave a truncated last line; reading skips it with a warning.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

log = logging.getLogger(__name__)


class FeedbackUnavailable(Exception):
    """The feedback folder cannot be written."""


class FeedbackLog:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = anyio.Lock()
        self._checked: set[Path] = set()

    def _path(self, at: float) -> Path:
        return self.folder / f"{time.strftime('%Y-%m-%d', time.gmtime(at))}.jsonl"

    async def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        async with self._lock:
            try:
                await anyio.to_thread.run_sync(self._append, self._path(record["at"]), line)
            except OSError as exc:
                log.error("cannot write feedback to %s: %s", self.folder, exc)
                raise FeedbackUnavailable(
                    f"feedback cannot be stored right now ({exc.strerror or exc})"
                ) from exc

    def _append(self, path: Path, line: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if path not in self._checked:
            # After a crash a file may end mid-line; start ours on a line of its own.
            if _ends_mid_line(path):
                line = "\n" + line
            self._checked.add(path)
        with path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def read_all(self) -> list[dict[str, Any]]:
        """Every record, oldest file first (blocking); bad lines are skipped with a warning."""
        records: list[dict[str, Any]] = []
        if not self.folder.is_dir():
            return records
        for path in sorted(self.folder.glob("*.jsonl")):
            with path.open(encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        log.warning("skipping unreadable feedback line %s:%d", path.name, number)
                        continue
                    if isinstance(record, dict):
                        records.append(record)
        return records


def _ends_mid_line(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except (FileNotFoundError, OSError):
        return False
