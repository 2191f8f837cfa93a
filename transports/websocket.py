"""WebSocket transport, one job per socket: ``GET /ws/progress/{job_id}``.

One writer per connection: each batch of pending envelopes goes out as one
text frame, a single envelope as itself and several as a JSON array. The
socket closes with 1000 after ``stream_end``, with 1013 after a ``lagged``
notice (resume from the last seq), and with 4404 when there is no such job.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from actors.events import Event
from transports.feed import Feed, FeedEnd

CLOSE_NORMAL = 1000
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_NO_SUCH_JOB = 4404


def frame(batch: list[Event]) -> str:
    if len(batch) == 1:
        return batch[0].text
    return "[" + ",".join(e.text for e in batch) + "]"


def lagged_notice(job_id: str, from_seq: int) -> str:
    return json.dumps({"job_id": job_id, "type": "lagged", "data": {"from_seq": from_seq}})


async def run_until_first_returns(*tasks: Callable[[], Awaitable[None]]) -> None:
    """Run sibling tasks; the first one to return cancels the rest."""
    async with anyio.create_task_group() as tg:

        async def cancel_on_finish(task: Callable[[], Awaitable[None]]) -> None:
            await task()
            tg.cancel_scope.cancel()

        for task in tasks:
            tg.start_soon(cancel_on_finish, task)


async def wait_for_disconnect(websocket: WebSocket) -> None:
    """Read and ignore client frames until the client goes away."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return


async def serve_job_progress(websocket: WebSocket, feed: Feed) -> None:
    await websocket.accept()

    async def send_events() -> None:
        async def deliver(batch: list[Event]) -> None:
            await websocket.send_text(frame(batch))

        try:
            end = await feed.follow(deliver)
            match end:
                case FeedEnd.COMPLETE:
                    await websocket.close(CLOSE_NORMAL)
                case FeedEnd.LAGGED:
                    assert feed.lagged_from is not None
                    await websocket.send_text(lagged_notice(feed.job_id, feed.lagged_from))
                    await websocket.close(
                        CLOSE_TRY_AGAIN_LATER, "lagged; resume after your last seq"
                    )
                case FeedEnd.GONE:
                    await websocket.close(CLOSE_NO_SUCH_JOB, f"no job {feed.job_id}")
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # the client left mid-send

    await run_until_first_returns(send_events, lambda: wait_for_disconnect(websocket))
