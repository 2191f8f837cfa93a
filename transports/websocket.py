"""WebSocket transport, one job per socket: ``GET /ws/progress/{job_id}``.

One writer per connection: each batch of pending envelopes goes out as one
text frame, a single envelope as itself and several as a JSON array. The
socket closes with 1000 after ``stream_end`` (1001 when the service is
shutting down), with 1013 after a ``lagged`` notice (resume after your last
seq), and with 4404 when the job does not exist.
"""

from __future__ import annotations

import asyncio

from starlette.websockets import WebSocket, WebSocketDisconnect

from actors.events import Event
from transports.feed import Feed, FeedEnd
from transports.registry import StreamKind, StreamRegistry

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_NO_SUCH_JOB = 4404

# What a peer that went away mid-send looks like, depending on the server.
PEER_GONE = (WebSocketDisconnect, RuntimeError, OSError)


def frame(batch: list[Event]) -> str:
    if len(batch) == 1:
        return batch[0].text
    return "[" + ",".join(e.text for e in batch) + "]"


async def wait_for_disconnect(websocket: WebSocket) -> None:
    """Read and ignore client frames until the client goes away."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except PEER_GONE:
        return


async def serve_job_progress(websocket: WebSocket, feed: Feed, streams: StreamRegistry) -> None:
    """Send the feed from a child task while the connection's own task reads.

    Reading is the only way to see the client go away, and the connection's
    task is the one that reads: it is deep in the server's frames, and the
    sender, which every delivery resumes, is better off in a task of its own.
    Once the sender has closed the socket, reading ends with the client's
    close reply (or the server's close timeout).

    The task group is asyncio's, which the service runs on: anyio's gives
    the group a cancel scope, and each child a task handle with a cancel
    scope and an event of its own, some 4 KB of every idle socket
    (bench/findings.md).
    """
    await websocket.accept()
    with streams.track(StreamKind.WEBSOCKET, StreamKind.WEBSOCKET_SUBSCRIPTION):
        async with asyncio.TaskGroup() as tg:
            sending = tg.create_task(_send_feed(websocket, feed, streams))
            await wait_for_disconnect(websocket)
            sending.cancel()


async def _send_feed(websocket: WebSocket, feed: Feed, streams: StreamRegistry) -> None:
    async def deliver(batch: list[Event]) -> None:
        await websocket.send_text(frame(batch))
        streams.count_sent("websocket", len(batch))

    try:
        match await feed.follow(deliver):
            case FeedEnd.COMPLETE:
                code = CLOSE_GOING_AWAY if streams.draining else CLOSE_NORMAL
                await websocket.close(code)
            case FeedEnd.LAGGED:
                await websocket.send_text(feed.lagged().text)
                await websocket.close(CLOSE_TRY_AGAIN_LATER, "lagged: resume after last seq")
            case FeedEnd.GONE:
                await websocket.close(CLOSE_NO_SUCH_JOB, f"no job {feed.job_id}")
    except PEER_GONE:
        return
