"""A WebSocket peer that stops reading, in-process: it lags alone and resumes from the log.

Over real TCP the kernel's buffers absorb a whole job's events before a
server ever blocks, so the lagging path is driven here with a socket whose
sends block until the test lets them through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from starlette.websockets import WebSocket

from actors.supervisor import Supervisor, SupervisorConfig
from service.store import Store
from tests.support.streams import flatten
from tests.test_supervisor import ScriptedEngine, new_job
from transports.feed import Feed
from transports.registry import StreamRegistry
from transports.websocket import CLOSE_TRY_AGAIN_LATER, serve_job_progress


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


@pytest.fixture
async def supervisor(tmp_path: Path) -> AsyncIterator[Supervisor]:
    store = Store(tmp_path / "data")
    config = SupervisorConfig(4, 10, tmp_path / "out", 3600, 3600, subscriber_buffer=4)
    async with Supervisor(store, {"scripted": ScriptedEngine()}, config) as sup:
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
