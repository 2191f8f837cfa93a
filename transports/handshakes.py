"""Refused WebSocket handshakes, logged as a count now and then rather than lines each.

Anyone can have a handshake refused (a wrong key is answered HTTP 401), and
uvicorn writes three lines for each: the request at INFO, the websockets
library's ``connection rejected`` at INFO, and, because its sans-I/O
protocol does not count a denial response as the end of the handshake,
``ASGI callable returned without completing handshake.`` at ERROR. So a
refusal is marked in the connection's context, a filter on uvicorn's logger
drops those three lines for that connection only (any other line, an error
included, still passes), and :class:`HandshakeRefusals` writes one line with
a count at most once per ``REPORT_SECONDS``.
"""

from __future__ import annotations

import collections
import contextvars
import logging
import time
from collections.abc import Callable

REPORT_SECONDS = 60.0

log = logging.getLogger("refiner")

# Set in the task of a connection whose handshake the app refused. Uvicorn runs
# each connection's app in a task of its own and logs these lines from it.
_refused: contextvars.ContextVar[bool] = contextvars.ContextVar("refused", default=False)

# The lines uvicorn writes about a handshake the app refused, by their templates.
_REFUSAL_LINES = frozenset(
    {
        '%s - "WebSocket %s" %d',  # uvicorn: the request and its status
        "connection rejected (%d %s)",  # websockets, through uvicorn's logger
        "ASGI callable returned without completing handshake.",  # uvicorn's sans-I/O protocol
    }
)


class _RefusalLines(logging.Filter):
    """Drops uvicorn's lines about a handshake the app refused, and nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_refused.get() and record.msg in _REFUSAL_LINES)


_FILTER = _RefusalLines()


class HandshakeRefusals:
    """Counts refused handshakes by status; logs the count when one comes after a quiet spell."""

    def __init__(
        self,
        *,
        report_seconds: float = REPORT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.report_seconds = report_seconds
        self._clock = clock
        self._counts: collections.Counter[str] = collections.Counter()
        self._next_report = 0.0  # monotonic time from which the next refusal is reported
        self._since: float | None = None

    def refused(self, status: int, code: str) -> None:
        """Count one refusal; log it and those since the last line, unless that was recent."""
        _refused.set(True)
        _quiet(logging.getLogger("uvicorn.error"))
        self._counts[f"{status} {code}"] += 1
        now = self._clock()
        if now < self._next_report:
            return
        total = sum(self._counts.values())
        kinds = ", ".join(f"{n} x {kind}" for kind, n in self._counts.most_common())
        since = "" if self._since is None else f" in the last {now - self._since:.0f} s"
        log.warning("refused %d WebSocket handshake(s)%s: %s", total, since, kinds)
        self._counts.clear()
        self._since = now
        self._next_report = now + self.report_seconds


def _quiet(logger: logging.Logger) -> None:
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
