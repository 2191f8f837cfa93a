"""An editor's session: one WebSocket (``GET /ws``) carrying many jobs.

The reader handles one client op at a time; each subscribed job has a pump
task that follows its :class:`Feed` and writes each batch itself, one write
at a time. A client that stops reading holds up the pump writing to it, and
the other pumps wait their turn; their events pile up in their jobs'
subscriptions, which lag and end with a ``lagged`` notice while the socket
stays open. The reader never waits on a write: its replies are queued,
and whoever writes next sends them first, so a reply goes out before any
event that follows from its op. A replier task sends them when no one else
writes. Past ``REPLY_BACKLOG`` replies or ``REPLY_BACKLOG_BYTES`` of them
queued, the reader writes them itself before it reads on; a client that
reads none of them in ``UNREAD_SECONDS`` lags, and the session ends: the
socket closes with 1013. Ops are answered with
``{"op": ..., "ref": ...}`` frames; events are the usual envelopes.

Each task of the session ends through a cancel scope of its own, never
through its task group's: anyio keeps the ``CancelledError`` of a child
that its group cancelled in a reference cycle with the child's frames, and
so with the session and everything it holds, until a full garbage
collection, which the service makes rare (``service/__main__.py``).
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from anyio.abc import TaskGroup
from starlette.websockets import WebSocket, WebSocketDisconnect

from actors.errors import ActorError
from actors.events import Envelope
from actors.supervisor import Supervisor
from actors.wakeup import Wakeup
from service.store import Store
from service.validation import quoted
from transports.feed import Feed, FeedEnd
from transports.ops import (
    BadOp,
    CancelOp,
    PingOp,
    RunOp,
    SubscribeOp,
    UnsubscribeOp,
    parse_op,
)
from transports.registry import StreamKind, StreamRegistry
from transports.websocket import (
    CLOSE_GOING_AWAY,
    CLOSE_TRY_AGAIN_LATER,
    PEER_GONE,
    close,
    frame,
)

# Starts a job from a POST /refine/run body and an optional idempotency key
# and returns its id (a known key: the job it started before); raises
# ``OpRefused`` with a detail for anything it will not start.
StartJob = Callable[[dict[str, Any], str | None], Awaitable[str]]

# Replies queued, in number and in bytes, before the reader writes them itself
# rather than read on. A reply is small (a ref is bounded, a detail is cut to
# MAX_DETAIL_CHARS), so a session holds about this much for a client that does
# not read, until it gives up on it.
REPLY_BACKLOG = 64
REPLY_BACKLOG_BYTES = 64 * 1024
# An error's detail can quote what the client sent; this much of it is kept.
MAX_DETAIL_CHARS = 1000
# How long a full backlog may wait for its client to read before the session ends;
# then how long the session waits to send that client the close frame.
UNREAD_SECONDS = 5.0
CLOSE_SECONDS = 10.0
# Jobs one session follows at once; each holds up to REFINER_SUBSCRIBER_BUFFER events.
MAX_FOLLOWS = 100


class OpRefused(Exception):
    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class EditorSession:
    def __init__(
        self,
        websocket: WebSocket,
        *,
        supervisor: Supervisor,
        store: Store,
        streams: StreamRegistry,
        start_job: StartJob,
    ) -> None:
        self.ws = websocket
        self.supervisor = supervisor
        self.store = store
        self.streams = streams
        self.start_job = start_job
        # Every delivery takes it, so it is taken without a turn of the event
        # loop when free: a writer task fed through a queue cost each
        # delivery one more wake-up (bench/findings.md).
        self._writing = anyio.Lock(fast_acquire=True)
        self._replies: list[str] = []
        self._reply_bytes = 0
        self._replies_queued = Wakeup()
        self._follows: dict[str, anyio.CancelScope] = {}
        self._idle = anyio.Event()
        self._tasks: set[anyio.CancelScope] = set()  # one per running task of the session
        self._ended = False
        self._unread: str | None = None  # why the session gave up on its client

    async def serve(self) -> None:
        await self.ws.accept()
        with self.streams.track(StreamKind.WEBSOCKET):
            async with anyio.create_task_group() as tg:
                # The first of them to return ends the session.
                tg.start_soon(self._until_ended, functools.partial(self._read, tg))
                tg.start_soon(self._until_ended, self._send_replies)
                tg.start_soon(self._until_ended, self._close_when_drained)
        self._replies.clear()
        if self._unread is not None:
            # No longer counted as open: only the close frame is left to send.
            await self._close_unread(self._unread)

    # ending: each task through its own scope

    async def _until_ended(self, task: Callable[[], Awaitable[None]]) -> None:
        """Run ``task`` until it returns, or the session ends; either way, end the session."""
        scope = self._task_scope()
        try:
            with scope:
                await task()
        finally:
            self._tasks.discard(scope)
            self._end()

    def _task_scope(self) -> anyio.CancelScope:
        """A cancel scope that :meth:`_end` cancels (at once if the session has ended);
        its task discards it from ``_tasks`` when done."""
        scope = anyio.CancelScope()
        if self._ended:
            scope.cancel()
        self._tasks.add(scope)
        return scope

    def _end(self) -> None:
        self._ended = True
        for scope in list(self._tasks):
            scope.cancel()

    async def _close_unread(self, reason: str) -> None:
        """Close the socket of a client that left its replies unread, if it reads in time.

        The close frame waits behind what the client has not read; if it never
        reads, the server drops the connection when the session returns.
        """
        with anyio.move_on_after(CLOSE_SECONDS, shield=True), contextlib.suppress(*PEER_GONE):
            await close(self.ws, CLOSE_TRY_AGAIN_LATER, reason)

    # the tasks: the reader, the replier, the drain watcher and a pump per job

    async def _read(self, tg: TaskGroup) -> None:
        # Uvicorn hands over queued messages without a checkpoint: look before each.
        while not self._ended:
            try:
                message = await self.ws.receive()
            except PEER_GONE:
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self._reply("error", None, detail="send ops as text frames of JSON")
                continue
            await self._handle(text, tg)

    async def _send_replies(self) -> None:
        """Send the queued replies whenever no pump is about to."""
        while True:
            while not self._replies:
                await self._replies_queued.wait()
            await self._send(None)

    async def _close_when_drained(self) -> None:
        """When the service shuts down, close once every followed job has ended."""
        await self.streams.drain_started.wait()
        while self._follows:
            self._idle = anyio.Event()
            await self._idle.wait()
        if await self._send(None):
            async with self._writing:
                with contextlib.suppress(*PEER_GONE):
                    await close(self.ws, CLOSE_GOING_AWAY)

    async def _follow(self, job_id: str, after: int, *, task_status: Any) -> None:
        scope = self._task_scope()
        with scope, self.streams.track(StreamKind.WEBSOCKET_SUBSCRIPTION):
            self._follows[job_id] = scope
            task_status.started()
            try:
                feed = Feed(self.supervisor, self.store, job_id, after)
                end = await feed.follow(self._deliver)
                if end is FeedEnd.LAGGED:
                    await self._deliver([feed.lagged()])
            finally:
                self._tasks.discard(scope)
                if self._follows.get(job_id) is scope:
                    self._unfollow(job_id)

    def _unfollow(self, job_id: str) -> anyio.CancelScope | None:
        """Stop counting ``job_id`` as followed; the drain watcher hears when none is."""
        scope = self._follows.pop(job_id, None)
        if not self._follows:
            self._idle.set()
        return scope

    # writing: any task may, one at a time

    async def _send(self, text: str | None) -> bool:
        """Write the queued replies, then ``text``; False, and the session ends, when
        the client has gone."""
        async with self._writing:
            try:
                while self._replies:
                    await self.ws.send_text(self._replies[0])
                    # Only once sent: a cancelled write keeps it queued.
                    self._reply_bytes -= len(self._replies.pop(0))
                if text is not None:
                    await self.ws.send_text(text)
            except PEER_GONE:
                self._end()
                return False
        return True

    async def _deliver(self, events: list[Envelope]) -> None:
        if await self._send(frame(events)):
            self.streams.count_sent("websocket", len(events))

    # ops

    async def _handle(self, text: str, tg: TaskGroup) -> None:
        try:
            op = parse_op(text)
        except BadOp as exc:
            await self._reply("error", exc.ref, detail=exc.detail, code="bad_op")
            return
        try:
            match op:
                case PingOp():
                    await self._reply("pong", op.ref)
                case SubscribeOp():
                    self._check_room(op.job_id)
                    if await self.store.get_job(op.job_id) is None:
                        raise OpRefused(f"no job with id {quoted(op.job_id)}", "job_not_found")
                    await self._subscribe(op.job_id, op.after, tg)
                    await self._reply("subscribed", op.ref, job_id=op.job_id, after=op.after)
                case UnsubscribeOp():
                    scope = self._unfollow(op.job_id)
                    if scope is None:
                        raise OpRefused(f"not subscribed to {quoted(op.job_id)}", "not_subscribed")
                    scope.cancel()
                    await self._reply("unsubscribed", op.ref, job_id=op.job_id)
                case RunOp():
                    self._check_room(None)
                    job_id = await self.start_job(op.request, op.idempotency_key)
                    await self._reply("ack", op.ref, job_id=job_id)
                    await self._subscribe(job_id, 0, tg)
                case CancelOp():
                    status = await self.supervisor.cancel(op.job_id)
                    await self._reply("ack", op.ref, job_id=op.job_id, status=status.value)
        except OpRefused as exc:
            await self._reply("error", op.ref, detail=exc.detail, code=exc.code)
        except ActorError as exc:
            await self._reply("error", op.ref, detail=str(exc), code=exc.code)

    def _check_room(self, job_id: str | None) -> None:
        """Refuse to follow one job more than ``MAX_FOLLOWS``: each holds a buffer of events."""
        if job_id not in self._follows and len(self._follows) >= MAX_FOLLOWS:
            raise OpRefused(
                f"a session follows at most {MAX_FOLLOWS} jobs at once; unsubscribe from one first",
                "too_many_subscriptions",
            )

    async def _subscribe(self, job_id: str, after: int, tg: TaskGroup) -> None:
        previous = self._follows.pop(job_id, None)
        if previous is not None:
            previous.cancel()
        await tg.start(self._follow, job_id, after)

    async def _reply(self, op: str, ref: str | int | None, **fields: Any) -> None:
        """Queue a reply; past the backlog, send the queue now, or give up on the client."""
        body: dict[str, Any] = {"op": op}
        if ref is not None:
            body["ref"] = ref
        body.update(fields)
        detail = body.get("detail")
        if isinstance(detail, str) and len(detail) > MAX_DETAIL_CHARS:
            body["detail"] = f"{detail[:MAX_DETAIL_CHARS]}\u2026"
        text = json.dumps(body)  # ASCII: as many bytes as characters
        self._replies.append(text)
        self._reply_bytes += len(text)
        if not self._backlogged():
            self._replies_queued.set()
            return
        # A burst of ops can outrun the replier, or the client is slow: the reader
        # waits for its turn to write. Only a client that reads none of it in
        # UNREAD_SECONDS has the session given up on.
        with anyio.move_on_after(UNREAD_SECONDS):
            await self._send(None)
        if self._backlogged():
            self._unread = (
                f"lagged: {len(self._replies)} replies ({self._reply_bytes} bytes) unread; "
                "reconnect and subscribe again after your last seq"
            )
            self._end()

    def _backlogged(self) -> bool:
        return len(self._replies) > REPLY_BACKLOG or self._reply_bytes > REPLY_BACKLOG_BYTES


async def serve_session(websocket: WebSocket, **deps: Any) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        await EditorSession(websocket, **deps).serve()
