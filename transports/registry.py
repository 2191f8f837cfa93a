"""Open streams, counted: the live gauges, and a way to let them end before exit."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from transports.handshakes import HandshakeRefusals


class StreamKind(enum.Enum):
    WEBSOCKET = "websocket"  # a socket of either WebSocket route
    WEBSOCKET_SUBSCRIPTION = "websocket_subscription"  # one job followed on a socket
    SSE = "sse"  # one SSE response


class StreamRegistry:
    """Counts open streams so that gauges are exact and shutdown can wait for them."""

    def __init__(self) -> None:
        self.open: dict[StreamKind, int] = dict.fromkeys(StreamKind, 0)
        self.sent: dict[str, int] = {"websocket": 0, "sse": 0}  # events written, by transport
        self.refusals = HandshakeRefusals()  # WebSocket handshakes refused, logged in sum
        self.draining = False  # set when the service starts shutting down
        self.drain_started = anyio.Event()
        self._all_closed: anyio.Event | None = None

    @contextmanager
    def track(self, *kinds: StreamKind) -> Iterator[None]:
        """Count a stream of each kind as open while the block runs."""
        for kind in kinds:
            self.open[kind] += 1
        try:
            yield
        finally:
            for kind in kinds:
                self.open[kind] -= 1
            if self._all_closed is not None and self.total() == 0:
                self._all_closed.set()

    def start_draining(self) -> None:
        self.draining = True
        self.drain_started.set()

    def total(self) -> int:
        return self.open[StreamKind.WEBSOCKET] + self.open[StreamKind.SSE]

    async def wait_all_closed(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for every stream to close; True if they did."""
        if self.total() == 0:
            return True
        self._all_closed = closed = anyio.Event()
        with anyio.move_on_after(seconds):
            await closed.wait()
        return self.total() == 0

    def count_sent(self, transport: str, events: int) -> None:
        self.sent[transport] += events

    def snapshot(self) -> dict[str, int]:
        return {kind.value: count for kind, count in self.open.items()}
