"""WebSocket transport, one job per socket: ``GET /ws/progress/{job_id}``.

One writer per connection: each batch of pending envelopes goes out as one
text frame, a single envelope as itself and several as a JSON array. The
socket closes with 1000 after ``stream_end`` (1001 when the service is
shutting down), with 1013 after a ``lagged`` notice (resume after your last
seq), with 1011 when the server failed (resume likewise), and with 4404
when the job does not exist. Every close of either WebSocket route goes
through :func:`close`, which cuts the reason to what a close frame holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from actors.events import Envelope
from transports.feed import Feed, FeedEnd
from transports.registry import StreamKind, StreamRegistry

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_INTERNAL_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_NO_SUCH_JOB = 4404

# What a peer that went away mid-send looks like, depending on the server.
PEER_GONE = (WebSocketDisconnect, RuntimeError, OSError)

# A close frame holds a 2-byte code and at most 123 bytes of reason (RFC 6455, 5.5):
# a longer reason makes the server fail the close, and the client sees 1006.
MAX_CLOSE_REASON_BYTES = 123
_CUT = "\u2026"


def fit_close_reason(reason: str) -> str:
    """``reason`` as it fits a close frame: cut on a character boundary, with an ellipsis."""
    encoded = reason.encode("utf-8", "replace")  # a lone surrogate cannot be sent
    if len(encoded) <= MAX_CLOSE_REASON_BYTES:
        return encoded.decode()
    room = MAX_CLOSE_REASON_BYTES - len(_CUT.encode())
    # Dropping the bytes of a character cut in two leaves whole characters.
    return encoded[:room].decode("utf-8", "ignore") + _CUT


async def close(websocket: WebSocket, code: int, reason: str = "") -> None:
    """Close ``websocket`` with ``code`` and as much of ``reason`` as a close frame holds."""
    await websocket.close(code, fit_close_reason(reason))


def frame(batch: list[Envelope]) -> str:
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
    task, deep in the server's frames, is the one that reads; the sender,
    which every delivery resumes, is better off in a task of its own. When
    the sender closes the socket, the server hands the reader a disconnect,
    so both end.

    The task group is asyncio's, which the service runs on: anyio's gives
    each child a task handle with a cancel scope and an event of its own,
    and the group one more cancel scope, about 3 KB of every idle socket
    (bench/findings.md). The sender is still stopped through an anyio cancel
    scope, so that the worker-thread reads of a replay stay shielded as
    anyio shields them.
    """
    await websocket.accept()
    with streams.track(StreamKind.WEBSOCKET, StreamKind.WEBSOCKET_SUBSCRIPTION):
        sending = anyio.CancelScope()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(_send_feed(websocket, feed, streams, sending))
            await wait_for_disconnect(websocket)
            sending.cancel()


class _PeerGone(Exception):
    """The client went away mid-write: there is no one left to send to or tell."""


async def _send_feed(
    websocket: WebSocket, feed: Feed, streams: StreamRegistry, scope: anyio.CancelScope
) -> None:
    """Send the feed, then close the socket with the code that says how it ended.

    Any error but the peer's closes the socket with 1011, so that the client
    resumes after its last seq, and is raised.
    """

    async def to_peer(call: Awaitable[None]) -> None:
        try:
            await call
        except PEER_GONE as exc:
            raise _PeerGone from exc

    async def deliver(batch: list[Envelope]) -> None:
        await to_peer(websocket.send_text(frame(batch)))
        streams.count_sent("websocket", len(batch))

    with scope:
        try:
            match await feed.follow(deliver):
                case FeedEnd.COMPLETE:
                    code = CLOSE_GOING_AWAY if streams.draining else CLOSE_NORMAL
                    await to_peer(close(websocket, code))
                case FeedEnd.LAGGED:
                    await to_peer(websocket.send_text(feed.lagged().text))
                    reason = "lagged: resume after last seq"
                    await to_peer(close(websocket, CLOSE_TRY_AGAIN_LATER, reason))
                case FeedEnd.GONE:
                    await to_peer(close(websocket, CLOSE_NO_SUCH_JOB, f"no job {feed.job_id}"))
        except _PeerGone:
            return
        except Exception:
            with contextlib.suppress(*PEER_GONE):
                reason = "internal error: resume after last seq"
                await close(websocket, CLOSE_INTERNAL_ERROR, reason)
            raise
