"""What no WebSocket client can make the server do: hold memory, fail a close, flood the log."""

from __future__ import annotations

import contextlib
import contextvars
import gc
import json
import logging
import re
import weakref
from collections.abc import Callable, Iterator
from typing import Any, cast
from urllib.parse import quote

import anyio
import httpx
import pytest
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import transports.session as session_module
from actors.supervisor import Supervisor
from service.api.job_plans import new_id
from service.api.streams import JOB_ID
from tests.support.server import ServerProcess
from tests.test_e2e_streams import tiny_receive_buffer_socket
from tests.test_transport_lag import StalledSession, replies, supervisor, waiting_job
from transports.handshakes import HandshakeRefusals
from transports.ops import MAX_REF_CHARS
from transports.registry import StreamRegistry
from transports.session import EditorSession
from transports.websocket import (
    CLOSE_NO_SUCH_JOB,
    CLOSE_TRY_AGAIN_LATER,
    MAX_CLOSE_REASON_BYTES,
    fit_close_reason,
)

__all__ = ["supervisor"]  # the fixture, shared with the lag tests

MIB = 1 << 20


def rss_mib(server: ServerProcess) -> float:
    """The server process's resident memory, from the kernel."""
    assert server.process is not None
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


# a /ws session whose client does not read


async def test_a_session_that_never_reads_holds_little_and_is_closed_with_1013(
    make_server: Callable[..., ServerProcess],
) -> None:
    """Refs near the old limit of a message (16 MiB) are refused and never queued;
    small replies fill the socket, and the session gives up on its client."""
    server = make_server()
    before = rss_mib(server)
    big_ref = "r" * (16 * MIB - 100)
    small = json.dumps({"op": "ping", "ref": "\U0001f600" * MAX_REF_CHARS})  # 1.2 KB answers
    peak = before
    sock = tiny_receive_buffer_socket(server.port)
    async with (
        # No keepalive: a client that reads nothing would not see its pongs either.
        connect(
            f"{server.ws_url}/ws", sock=sock, compression=None, max_queue=1, ping_interval=None
        ) as ws,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        async with anyio.create_task_group() as sending:

            async def send_and_never_read() -> None:
                for _ in range(20):
                    await ws.send(json.dumps({"op": "ping", "ref": big_ref}))
                while True:  # until the server stops reading
                    await ws.send(small)

            sending.start_soon(send_and_never_read)
            with anyio.fail_after(120):
                while (await client.get("/health")).json()["streams"]["websocket"]:
                    peak = max(peak, rss_mib(server))
                    await anyio.sleep(0.05)
            # The session has given up: the client stops sending, and reads what
            # waits in the socket, then the close.
            sending.cancel_scope.cancel()
        received = await read_to_close(ws)
    assert ws.close_code == CLOSE_TRY_AGAIN_LATER
    assert ws.close_reason is not None
    assert ws.close_reason.startswith("lagged:")
    refusals = received[:20]
    for refusal in refusals:
        assert len(json.dumps(refusal)) < 1000
        assert refusal["op"] == "error"
        assert refusal["code"] == "bad_op"
        assert "ref" not in refusal
        assert f"at most {MAX_REF_CHARS} characters" in refusal["detail"]
    # Twenty 16 MiB refs queued held 300 MiB or more before, for good.
    assert peak - before < 160, f"{peak - before:.0f} MiB at most while the client did not read"
    with anyio.fail_after(10):
        while rss_mib(server) - before > 96:  # noqa: ASYNC110 (another process's memory)
            await anyio.sleep(0.1)


async def read_to_close(ws: ClientConnection) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    with anyio.fail_after(30), contextlib.suppress(ConnectionClosed):
        async for frame in ws:
            received.append(json.loads(frame))
    return received


async def test_a_ref_is_bounded_as_a_job_id_is(server: ServerProcess) -> None:
    async with connect(f"{server.ws_url}/ws", compression=None) as ws:
        for ref, echoed in [
            ("x" * MAX_REF_CHARS, True),
            ("x" * (MAX_REF_CHARS + 1), False),
            (2**63 - 1, True),
            (2**63, False),
        ]:
            await ws.send(json.dumps({"op": "ping", "ref": ref}))
            answer = json.loads(await ws.recv())
            if echoed:
                assert answer == {"op": "pong", "ref": ref}
            else:
                assert answer["op"] == "error", answer
                assert answer["code"] == "bad_op"
                assert "ref" not in answer
                assert "a ref is a string of at most 100 characters" in answer["detail"]
        await ws.send(json.dumps({"op": "x" * 10_000, "ref": 1}))
        answer = json.loads(await ws.recv())
        assert answer["ref"] == 1
        assert "(10002 characters)" in answer["detail"]
        assert len(answer["detail"]) < 200


async def test_replies_past_the_byte_backlog_end_a_session_whose_client_does_not_read(
    supervisor: Supervisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "REPLY_BACKLOG_BYTES", 2000)
    monkeypatch.setattr(session_module, "UNREAD_SECONDS", 0.1)
    await supervisor.submit(waiting_job("job_wait"))
    socket, streams = StalledSession(), StreamRegistry()
    session = new_session(socket, supervisor, streams)
    async with anyio.create_task_group() as tg:
        tg.start_soon(session.serve)
        with anyio.fail_after(10):
            await socket.send_op({"op": "subscribe", "ref": 1, "job_id": "job_wait"})
            await socket.first_send.wait()  # stuck from here on
            # 125 bytes each: past 2000 bytes at the 17th, well under the count; the
            # few the session never reads fit the socket's buffer.
            for n in range(20):
                await socket.send_op({"op": "ping", "ref": f"{n:0100d}"})
            await socket.wait_closed()
    socket.close_streams()
    assert socket.closed_with == CLOSE_TRY_AGAIN_LATER
    assert streams.total() == 0


def new_session(socket: StalledSession, supervisor: Supervisor, streams: StreamRegistry) -> Any:
    async def refuse(body: dict[str, Any], idempotency_key: str | None) -> str:
        raise AssertionError("no job is started in this test")

    return EditorSession(
        cast(WebSocket, socket),
        supervisor=supervisor,
        store=supervisor.store,
        streams=streams,
        start_job=refuse,
    )


@contextlib.contextmanager
def no_garbage_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_a_session_is_freed_as_soon_as_it_ends(supervisor: Supervisor) -> None:
    """No reference cycle keeps an ended session, and what it holds, for a full collection."""
    await supervisor.submit(waiting_job("job_wait"))
    socket, streams = StalledSession(), StreamRegistry()
    socket.unblock.set()
    with no_garbage_collection():
        session = new_session(socket, supervisor, streams)
        alive = weakref.ref(session)
        async with anyio.create_task_group() as tg:
            tg.start_soon(session.serve)
            del session
            with anyio.fail_after(10):
                await socket.send_op({"op": "subscribe", "ref": 1, "job_id": "job_wait"})
                await socket.send_op({"op": "ping", "ref": 2})
                await socket.until_replies(2)
            # The client leaves while a job is followed: every task of the session is stopped.
            await socket.ops.send({"type": "websocket.disconnect", "code": 1000})
        assert alive() is None, [type(r).__name__ for r in gc.get_referrers(alive())]
    socket.close_streams()
    assert [r["op"] for r in replies(socket)] == ["subscribed", "pong"]


# close reasons


@pytest.mark.parametrize(
    ("reason", "kept"),
    [
        ("no job x", "no job x"),
        ("a" * 123, "a" * 123),
        ("a" * 124, "a" * 120 + "\u2026"),
        ("\u00e9" * 100, "\u00e9" * 60 + "\u2026"),  # 2 bytes each: 120 fit
        ("a" + "\u20ac" * 60, "a" + "\u20ac" * 39 + "\u2026"),  # 3 bytes each
        ("\U0001f600" * 40, "\U0001f600" * 30 + "\u2026"),  # 4 bytes each
        ("lone \ud800 surrogate", "lone ? surrogate"),
    ],
)
def test_a_close_reason_is_cut_to_fit_a_frame_on_a_character_boundary(
    reason: str, kept: str
) -> None:
    assert fit_close_reason(reason) == kept
    assert len(kept.encode()) <= MAX_CLOSE_REASON_BYTES


def test_the_job_id_form_is_the_one_jobs_are_given() -> None:
    assert JOB_ID.fullmatch(new_id("job"))


@pytest.mark.parametrize("job_id", ["j" * 200, "\u00e9" * 100, "job_" + "\u20ac" * 60])
async def test_progress_for_an_id_that_cannot_exist_closes_cleanly_with_4404(
    server: ServerProcess, job_id: str
) -> None:
    async with connect(f"{server.ws_url}/ws/progress/{quote(job_id)}", compression=None) as ws:
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == CLOSE_NO_SUCH_JOB
    assert ws.close_reason is not None
    assert ws.close_reason.startswith("no job ")
    assert len(ws.close_reason.encode()) <= MAX_CLOSE_REASON_BYTES
    assert "Traceback" not in server.log()


# refused handshakes and the log


async def test_refused_handshakes_are_logged_in_sum_not_line_by_line(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(BACKEND_API_KEY="s3cret-key", REFINER_LOG_LEVEL="info")
    logged_before = len(server.log().splitlines())
    paths = ["/ws?api_key=wrong", "/ws/progress/job_0123456789abcdef?api_key=wrong", "/ws"]
    for n in range(50):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{server.ws_url}{paths[n % 3]}", compression=None):
                pass
        assert refused.value.response.status_code == 401
    async with connect(f"{server.ws_url}/ws?api_key=s3cret-key", compression=None) as ws:
        await ws.send(json.dumps({"op": "ping"}))
        assert json.loads(await ws.recv()) == {"op": "pong"}  # a line after every refusal
    lines = server.log().splitlines()[logged_before:]
    assert not [line for line in lines if "ERROR" in line]
    about_refusals = [line for line in lines if re.search(r"401|rejected|refused", line)]
    assert len(about_refusals) <= 3, about_refusals
    assert any("refused 1 WebSocket handshake" in line for line in about_refusals)


def test_refusals_are_logged_at_most_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = 1000.0
    refusals = HandshakeRefusals(report_seconds=60, clock=lambda: now)
    with caplog.at_level(logging.WARNING, logger="refiner"):
        for _ in range(5):
            contextvars.copy_context().run(refusals.refused, 401, "unauthorized")
        now += 61
        contextvars.copy_context().run(refusals.refused, 400, "invalid_request")
    assert [r.getMessage() for r in caplog.records] == [
        "refused 1 WebSocket handshake(s): 1 x 401 unauthorized",
        "refused 5 WebSocket handshake(s) in the last 61 s: "
        "4 x 401 unauthorized, 1 x 400 invalid_request",
    ]


def test_only_uvicorns_lines_about_the_refused_connection_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uvicorn_log = logging.getLogger("uvicorn.error")
    incomplete = "ASGI callable returned without completing handshake."

    def refused_connection() -> None:
        HandshakeRefusals().refused(401, "unauthorized")
        uvicorn_log.info('%s - "WebSocket %s" %d', "127.0.0.1:1", "/ws", 401)
        uvicorn_log.info("connection rejected (%d %s)", 401, "Unauthorized")
        uvicorn_log.error(incomplete)
        uvicorn_log.error("Exception in ASGI application\n")

    with caplog.at_level(logging.INFO):
        contextvars.copy_context().run(refused_connection)
        contextvars.copy_context().run(uvicorn_log.error, incomplete)  # another connection
    assert [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"] == [
        "Exception in ASGI application\n",
        incomplete,
    ]
