"""A WebSocket peer that stops reading, in-process: it lags alone and resumes from the log.

Over real TCP the kernel's buffers absorb a whole job's events before a
server ever blocks, so the lagging path is driven here with a socket whose
sends block until the test lets them through.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from starlette.websockets import WebSocket

import transports.session as session_module
from actors.supervisor import Supervisor, SupervisorConfig
from service.store import NewDocument, NewJob, Store
from tests.support.streams import flatten
from tests.test_supervisor import ScriptedEngine, new_job
from transports import codec
from transports.feed import Feed
from transports.registry import StreamRegistry
from transports.session import serve_session
from transports.websocket import CLOSE_GOING_AWAY, CLOSE_TRY_AGAIN_LATER, serve_job_progress


class StalledSocket:
    """Quacks like Starlette's WebSocket; ``send_text`` waits until ``unblock`` is set."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.closed_with: int | None = None
        self.unblock = anyio.Event()
        self.first_send = anyio.Event()
        self._gone = anyio.Event()

    async def accept(self) -> None:
        pass

    async def send_text(self, text: str) -> None:
        self.first_send.set()
        await self.unblock.wait()
        self.frames.append(text)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with = code
        self._gone.set()

    async def receive(self) -> dict[str, Any]:
        await self._gone.wait()
        return {"type": "websocket.disconnect", "code": 1000}

    async def wait_closed(self) -> None:
        await self._gone.wait()


@pytest.fixture
async def supervisor(tmp_path: Path) -> AsyncIterator[Supervisor]:
    store = Store(tmp_path / "data")
    config = SupervisorConfig(4, 10, tmp_path / "out", 3600, 3600, subscriber_buffer=4)
    async with Supervisor(
        store, {"scripted": ScriptedEngine()}, config, encode=codec.encode
    ) as sup:
        yield sup
    store.close()


async def test_a_stalled_socket_lags_and_its_client_resumes_from_the_log(
    supervisor: Supervisor,
) -> None:
    await supervisor.submit(new_job("job_many", ("upper",) * 10))
    socket = StalledSocket()
    streams = StreamRegistry()
    feed = Feed(supervisor, supervisor.store, "job_many", after=0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(serve_job_progress, cast(WebSocket, socket), feed, streams)
        actor = supervisor.actor("job_many")
        assert actor is not None
        with anyio.fail_after(10):
            await socket.first_send.wait()
            await actor.wait_stopped()
        socket.unblock.set()
    assert socket.closed_with == CLOSE_TRY_AGAIN_LATER
    received = [e for frame in socket.frames for e in flatten(frame)]
    notice = received[-1]
    assert notice["type"] == "lagged"
    assert notice["seq"] == notice["data"]["from_seq"] - 1
    got = [e["seq"] for e in received[:-1] if e["type"] != "pass_progress"]

    replay = Feed(supervisor, supervisor.store, "job_many", after=notice["seq"])
    rest: list[int] = []

    async def collect(batch: list[Any]) -> None:
        rest.extend(e.seq for e in batch)

    await replay.follow(collect)
    logged = [s.seq for s in await supervisor.store.events_after("job_many", 0)]
    assert got + rest == logged
    assert streams.total() == 0


class StalledSession(StalledSocket):
    """An editor's ``/ws`` client that sends ops when told and reads nothing until unblocked."""

    def __init__(self) -> None:
        super().__init__()
        self.ops, self._incoming = anyio.create_memory_object_stream[dict[str, Any]](8)
        self._arrived = anyio.Event()

    async def receive(self) -> dict[str, Any]:
        return await self._incoming.receive()

    async def send_text(self, text: str) -> None:
        await super().send_text(text)
        self._arrived.set()
        self._arrived = anyio.Event()

    async def until_replies(self, count: int) -> None:
        while len(replies(self)) < count:
            await self._arrived.wait()

    async def until_last(self, job_id: str, type_: str) -> None:
        """Wait until the latest envelope of ``job_id`` received is a ``type_``."""
        while not (seen := self.envelopes(job_id)) or seen[-1]["type"] != type_:
            await self._arrived.wait()

    def close_streams(self) -> None:
        self.ops.close()
        self._incoming.close()

    async def send_op(self, op: dict[str, Any]) -> None:
        await self.ops.send({"type": "websocket.receive", "text": json.dumps(op)})

    def envelopes(self, job_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for text in self.frames:
            body = json.loads(text)
            if not (isinstance(body, dict) and "op" in body):
                found.extend(e for e in flatten(text) if e["job_id"] == job_id)
        return found


def many_documents_job(job_id: str, documents: int, passes: int) -> NewJob:
    job = new_job(job_id, ("upper",) * passes)
    files = tuple(
        NewDocument(f"file_{job_id}_{i}", f"d{i}.txt", "txt", "some text", {})
        for i in range(documents)
    )
    return dataclasses.replace(job, documents=files)


def serving(session: StalledSession, supervisor: Supervisor, streams: StreamRegistry) -> Any:
    async def refuse(body: dict[str, Any], idempotency_key: str | None) -> str:
        raise AssertionError("no job is started in this test")

    return functools.partial(
        serve_session,
        cast(WebSocket, session),
        supervisor=supervisor,
        store=supervisor.store,
        streams=streams,
        start_job=refuse,
    )


async def test_a_stalled_session_lags_and_resubscribes_on_the_same_socket(
    supervisor: Supervisor,
) -> None:
    # Over a thousand durable events: more than the subscription buffer (4 here) holds.
    await supervisor.submit(many_documents_job("job_wide", documents=60, passes=10))
    session = StalledSession()
    streams = StreamRegistry()
    async with anyio.create_task_group() as tg:
        tg.start_soon(serving(session, supervisor, streams))
        await session.send_op({"op": "subscribe", "ref": 1, "job_id": "job_wide"})
        actor = supervisor.actor("job_wide")
        assert actor is not None
        with anyio.fail_after(20):
            await session.first_send.wait()
            await actor.wait_stopped()
            session.unblock.set()
            await session.until_last("job_wide", "lagged")
            notice = session.envelopes("job_wide")[-1]
            assert session.closed_with is None, "only the subscription ended, not the socket"
            op = {"op": "subscribe", "ref": 2, "job_id": "job_wide", "after": notice["seq"]}
            await session.send_op(op)
            await session.until_last("job_wide", "stream_end")
        await session.ops.send({"type": "websocket.disconnect", "code": 1000})
    session.close_streams()

    received = session.envelopes("job_wide")
    assert sum(e["type"] == "lagged" for e in received) == 1
    got = [e["seq"] for e in received if e["type"] not in ("pass_progress", "lagged")]
    logged = [s.seq for s in await supervisor.store.events_after("job_wide", 0)]
    assert got == logged, "nothing lost, nothing twice"
    assert streams.total() == 0


def waiting_job(job_id: str) -> NewJob:
    """A job that waits for subscribers who never come: it stays running."""
    job = new_job(job_id, ("upper",))
    options = {**job.options, "wait_subscribers": 100, "wait_timeout": 60}
    return dataclasses.replace(job, options=options)


def replies(session: StalledSession) -> list[dict[str, Any]]:
    return [b for b in map(json.loads, session.frames) if isinstance(b, dict) and "op" in b]


async def test_unsubscribing_from_a_write_stuck_on_its_client_frees_the_session(
    supervisor: Supervisor,
) -> None:
    await supervisor.submit(waiting_job("job_wait"))
    session, streams = StalledSession(), StreamRegistry()
    async with anyio.create_task_group() as tg:
        tg.start_soon(serving(session, supervisor, streams))
        with anyio.fail_after(10):
            await session.send_op({"op": "subscribe", "ref": 1, "job_id": "job_wait"})
            await session.first_send.wait()  # the reply or the replay, stuck
            await session.send_op({"op": "unsubscribe", "ref": 2, "job_id": "job_wait"})
            await session.send_op({"op": "ping", "ref": 3})
            session.unblock.set()
            await session.until_replies(3)
        assert [r["op"] for r in replies(session)] == ["subscribed", "unsubscribed", "pong"]
        await session.ops.send({"type": "websocket.disconnect", "code": 1000})
    session.close_streams()
    bodies = [json.loads(f) for f in session.frames]
    unsubscribed_at = next(i for i, b in enumerate(bodies) if b == replies(session)[1])
    later = [b for b in bodies[unsubscribed_at + 1 :] if not (isinstance(b, dict) and "op" in b)]
    assert later == [], "nothing of the job after it was unsubscribed"
    assert streams.total() == 0


async def test_a_session_whose_last_job_is_unsubscribed_closes_when_draining(
    supervisor: Supervisor,
) -> None:
    await supervisor.submit(waiting_job("job_wait"))
    session, streams = StalledSession(), StreamRegistry()
    session.unblock.set()
    async with anyio.create_task_group() as tg:
        tg.start_soon(serving(session, supervisor, streams))
        with anyio.fail_after(10):
            await session.send_op({"op": "subscribe", "ref": 1, "job_id": "job_wait"})
            await session.until_last("job_wait", "job_queued")
            streams.start_draining()
            await session.send_op({"op": "unsubscribe", "ref": 2, "job_id": "job_wait"})
            await session.wait_closed()
        await session.ops.send({"type": "websocket.disconnect", "code": 1000})
    session.close_streams()
    assert session.closed_with == CLOSE_GOING_AWAY
    assert streams.total() == 0


async def test_a_write_stuck_on_its_client_holds_up_no_op(supervisor: Supervisor) -> None:
    await supervisor.submit(waiting_job("job_a"))
    await supervisor.submit(waiting_job("job_b"))
    session, streams = StalledSession(), StreamRegistry()
    async with anyio.create_task_group() as tg:
        tg.start_soon(serving(session, supervisor, streams))
        with anyio.fail_after(10):
            await session.send_op({"op": "subscribe", "ref": 1, "job_id": "job_a"})
            await session.first_send.wait()  # stuck from here on
            await session.send_op({"op": "ping", "ref": 2})
            await session.send_op({"op": "cancel", "ref": 3, "job_id": "job_b"})
            actor = supervisor.actor("job_b")
            if actor is not None:
                await actor.wait_stopped()
            job_b = await supervisor.store.get_job("job_b")
            assert job_b is not None
            assert job_b.status.value == "cancelled", "the op was read while the write was stuck"
            session.unblock.set()
            await session.until_replies(3)
        await session.ops.send({"type": "websocket.disconnect", "code": 1000})
    session.close_streams()
    assert [r["op"] for r in replies(session)] == ["subscribed", "pong", "ack"]
    assert streams.total() == 0


async def test_a_session_follows_a_bounded_number_of_jobs(
    supervisor: Supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "MAX_FOLLOWS", 2)
    for job_id in ("job_a", "job_b", "job_c"):
        await supervisor.submit(waiting_job(job_id))
    session, streams = StalledSession(), StreamRegistry()
    session.unblock.set()
    ops = [
        {"op": "subscribe", "ref": 1, "job_id": "job_a"},
        {"op": "subscribe", "ref": 2, "job_id": "job_b"},
        {"op": "subscribe", "ref": 3, "job_id": "job_c"},  # one too many
        {"op": "subscribe", "ref": 4, "job_id": "job_a", "after": 1},  # already followed
        {"op": "run", "ref": 5, "request": {"text": "x"}},  # would follow one more
        {"op": "unsubscribe", "ref": 6, "job_id": "job_b"},
        {"op": "subscribe", "ref": 7, "job_id": "job_c"},
    ]
    async with anyio.create_task_group() as tg:
        tg.start_soon(serving(session, supervisor, streams))
        with anyio.fail_after(10):
            for op in ops:
                await session.send_op(op)
            await session.until_replies(len(ops))
        await session.ops.send({"type": "websocket.disconnect", "code": 1000})
    session.close_streams()
    answers = [(r["ref"], r["op"], r.get("code")) for r in replies(session)]
    assert answers == [
        (1, "subscribed", None),
        (2, "subscribed", None),
        (3, "error", "too_many_subscriptions"),
        (4, "subscribed", None),
        (5, "error", "too_many_subscriptions"),
        (6, "unsubscribed", None),
        (7, "subscribed", None),
    ]
    assert streams.total() == 0
