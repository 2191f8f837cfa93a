"""How a job's WebSocket ends, in-process: the client leaves, the peer vanishes, the feed fails.

Each socket has a reader (the connection's task) and a sender; whichever
way it ends, both stop and the stream gauges return to zero.
"""

from __future__ import annotations

from typing import Any, cast

import anyio
import pytest
from starlette.websockets import WebSocket, WebSocketDisconnect

from actors.events import PassProgressed
from transports.codec import envelope
from transports.feed import Deliver, Feed, FeedEnd
from transports.registry import StreamRegistry
from transports.websocket import CLOSE_INTERNAL_ERROR, serve_job_progress

pytestmark = pytest.mark.anyio

EVENT = envelope("job_x", 1, PassProgressed("file_x", 1, done=1, total=2))


class FakeSocket:
    """Quacks like Starlette's WebSocket: the client leaves when told to, or once closed."""

    def __init__(self, *, send_fails: bool = False) -> None:
        self.frames: list[str] = []
        self.closed_with: int | None = None
        self.left = anyio.Event()
        self.sent = anyio.Event()
        self._send_fails = send_fails

    async def accept(self) -> None:
        pass

    async def send_text(self, text: str) -> None:
        if self._send_fails:
            self.left.set()
            raise WebSocketDisconnect(1006)
        self.frames.append(text)
        self.sent.set()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with = code
        self.left.set()

    async def receive(self) -> dict[str, Any]:
        await self.left.wait()
        return {"type": "websocket.disconnect", "code": 1000}


class ScriptedFeed:
    """Delivers one event, then fails, waits forever, or ends."""

    job_id = "job_x"

    def __init__(self, then: str) -> None:
        self.then = then
        self.cancelled = False

    async def follow(self, deliver: Deliver) -> FeedEnd:
        await deliver([EVENT])
        if self.then == "fail":
            raise RuntimeError("the store broke")
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise
        return FeedEnd.COMPLETE


async def serve(socket: FakeSocket, feed: ScriptedFeed, streams: StreamRegistry) -> None:
    with anyio.fail_after(5):
        await serve_job_progress(cast(WebSocket, socket), cast(Feed, feed), streams)


async def test_a_failing_feed_closes_the_socket_with_1011_and_is_raised() -> None:
    socket, streams = FakeSocket(), StreamRegistry()
    with pytest.raises(ExceptionGroup) as raised:
        await serve(socket, ScriptedFeed("fail"), streams)
    assert raised.group_contains(RuntimeError, match="the store broke")
    assert socket.frames == [EVENT.text]
    assert socket.closed_with == CLOSE_INTERNAL_ERROR
    assert streams.total() == 0


async def test_a_client_that_leaves_stops_the_sender() -> None:
    socket, streams, feed = FakeSocket(), StreamRegistry(), ScriptedFeed("wait")

    async def leave_after_first_event() -> None:
        await socket.sent.wait()
        socket.left.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(leave_after_first_event)
        await serve(socket, feed, streams)
    assert feed.cancelled
    assert socket.closed_with is None, "nobody is left to tell"
    assert streams.total() == 0


async def test_a_peer_that_vanishes_mid_send_ends_the_socket_quietly() -> None:
    socket, streams = FakeSocket(send_fails=True), StreamRegistry()
    await serve(socket, ScriptedFeed("wait"), streams)
    assert socket.closed_with is None
    assert streams.total() == 0
