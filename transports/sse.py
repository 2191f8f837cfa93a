"""Server-Sent Events: the fallback transport for clients behind restrictive proxies.

Each batch of pending events goes out in one write. Transient events carry no
``id:`` line, so the ``Last-Event-ID`` a browser sends on reconnect always
names a durable event. A subscriber that falls behind gets a ``lagged``
notice and the response ends; its client reconnects with ``Last-Event-ID``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.types import Message, Send

from actors.events import Envelope
from transports.feed import Feed, FeedEnd
from transports.registry import StreamKind, StreamRegistry

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}

# After the server starts shutting down, a stream gets this long to deliver
# its job's terminal event and stream_end before it is cut.
SHUTDOWN_GRACE_SECONDS = 5.0


def frame(envelope: Envelope) -> bytes:
    """The envelope as one SSE frame, made once and shared by every SSE subscriber."""
    framed = envelope.framed
    if framed is None:
        # Transient events carry no id, so a browser's Last-Event-ID always
        # names a durable event the log can resume after.
        head = f"id: {envelope.seq}\n" if envelope.durable else ""
        framed = f"{head}event: {envelope.type}\ndata: {envelope.text}\n\n".encode()
        envelope.framed = framed
    return framed


def _ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping")


async def _frames(feed: Feed, streams: StreamRegistry) -> AsyncIterator[bytes]:
    """One write per batch, straight from the feed: no task or queue in between."""
    with streams.track(StreamKind.SSE):
        async with aclosing(feed.batches()) as batches:
            async for batch in batches:
                yield b"".join(map(frame, batch))
                streams.count_sent("sse", len(batch))
        if feed.end is FeedEnd.LAGGED:
            yield frame(feed.lagged())


class _EventStream(EventSourceResponse):
    """sse-starlette's response, with no cancel scope around a send that has no timeout.

    sse-starlette enters ``anyio.move_on_after(send_timeout)`` around every
    write, even when there is no timeout to apply; at a thousand paced SSE
    subscribers that is about a tenth of the server's CPU (bench/findings.md).
    ``tests/test_sse_unit.py`` fails should the method this overrides go away.
    """

    async def _send_with_timeout(self, send: Send, message: Message) -> None:
        if self.send_timeout is None:
            await send(message)
        else:
            await super()._send_with_timeout(send, message)


def event_stream(
    feed: Feed, *, streams: StreamRegistry, ping_seconds: float
) -> EventSourceResponse:
    """An SSE response following ``feed`` until the job's ``stream_end``."""
    return _EventStream(
        _frames(feed, streams),
        headers=HEADERS,
        ping=ping_seconds,
        ping_message_factory=_ping,
        shutdown_event=anyio.Event(),
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
    )
