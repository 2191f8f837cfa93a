"""WebSocket transport, one job per socket: ``GET /ws/progress/{job_id}``.

One writer per connection: each batch of pending envelopes goes out as one
text frame, a single envelope as itself and several as a JSON array. The
socket closes with 1000 after ``stream_end`` (1001 when the service is
shutting down), with 1013 after a ``lagged`` notice (resume after your last
seq), and with 4404 when the job does not exist.
"""

from __future__ import annotations

import anyio
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
    """Send the feed from one child task while the connection's task watches for a disconnect.

    The sender runs in a task of its own because every delivery resumes its
    whole stack of awaits: the connection's task is two dozen frames deep in
    middleware, a child task a handful. Two tasks per socket is the least that
    can both write and see the client go away.
    """
    await websocket.accept()
    with streams.track(StreamKind.WEBSOCKET), streams.track(StreamKind.WEBSOCKET_SUBSCRIPTION):
        async with anyio.create_task_group() as tg:

            async def send_then_stop() -> None:
                await _send_feed(websocket, feed, streams)
                tg.cancel_scope.cancel()

            tg.start_soon(send_then_stop)
            await wait_for_disconnect(websocket)
            tg.cancel_scope.cancel()


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
