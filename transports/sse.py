"""Server-Sent Events: the fallback transport for clients behind restrictive proxies.

Each batch of pending events goes out in one write. Transient events carry no
``id:`` line, so the ``Last-Event-ID`` a browser sends on reconnect always
names a durable event.
"""

from __future__ import annotations

import functools

import anyio
from anyio.streams.memory import MemoryObjectSendStream
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from actors.events import Event
from transports.feed import Feed, FeedEnd

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}


def _ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping")


async def _pump(feed: Feed, send: MemoryObjectSendStream[bytes]) -> None:
    async with send:

        async def deliver(batch: list[Event]) -> None:
            await send.send(b"".join(e.sse for e in batch))

        end = await feed.follow(deliver)
        if end is FeedEnd.LAGGED:
            notice = (
                f'event: lagged\ndata: {{"job_id":"{feed.job_id}","type":"lagged",'
                f'"data":{{"from_seq":{feed.lagged_from}}}}}\n\n'
            )
            await send.send(notice.encode())


def event_stream(feed: Feed, *, ping_seconds: float) -> EventSourceResponse:
    """An SSE response following ``feed`` until the job's ``stream_end``."""
    send, receive = anyio.create_memory_object_stream[bytes](1)
    return EventSourceResponse(
        receive,
        headers=HEADERS,
        ping=ping_seconds,
        ping_message_factory=_ping,
        data_sender_callable=functools.partial(_pump, feed, send),
        background=BackgroundTask(receive.aclose),
    )
