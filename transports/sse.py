"""Server-Sent Events: the fallback transport for clients behind restrictive proxies.

Each batch of pending events goes out in one write. Transient events carry no
``id:`` line, so the ``Last-Event-ID`` a browser sends on reconnect always
names a durable event. A subscriber that falls behind gets a ``lagged``
notice and the response ends; its client reconnects with ``Last-Event-ID``.
"""

from __future__ import annotations

import functools

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from actors.events import Event
from transports.feed import Feed, FeedEnd
from transports.registry import StreamKind, StreamRegistry

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}

# After the server starts shutting down, a stream gets this long to deliver
# its job's terminal event and stream_end before it is cut.
SHUTDOWN_GRACE_SECONDS = 5.0


def _ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping")


async def _pump(feed: Feed, send: MemoryObjectSendStream[bytes], streams: StreamRegistry) -> None:
    async def deliver(batch: list[Event]) -> None:
        await send.send(b"".join(e.sse for e in batch))
        streams.count_sent("sse", len(batch))

    with streams.track(StreamKind.SSE):
        async with send:
            end = await feed.follow(deliver)
            if end is FeedEnd.LAGGED:
                await send.send(feed.lagged().sse)


def event_stream(
    feed: Feed, *, streams: StreamRegistry, ping_seconds: float
) -> EventSourceResponse:
    """An SSE response following ``feed`` until the job's ``stream_end``."""
    send, receive = anyio.create_memory_object_stream[bytes](1)
    return EventSourceResponse(
        receive,
        headers=HEADERS,
        ping=ping_seconds,
        ping_message_factory=_ping,
        data_sender_callable=functools.partial(_pump, feed, send, streams),
        background=BackgroundTask(receive.aclose),
        shutdown_event=anyio.Event(),
        shutdown_grace_period=SHUTDOWN_GRACE_SECONDS,
    )
