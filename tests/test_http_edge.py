"""The HTTP edge against the real server over raw sockets: oversized heads refused as
they arrive, silent and slow connections closed, room kept for real clients."""

from __future__ import annotations

import json
import select
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from httpx_sse import aconnect_sse
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from service.body_limit import MAX_HEADER_BYTES, MAX_URL_BYTES
from service.http_protocol import HEAD_TIMEOUT_SECONDS
from tests.support.server import ServerProcess

PIECE = 4096


def open_socket(server: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def read_answer(sock: socket.socket) -> bytes:
    """The server's answer: its head and as much body as it announces, or all until it closes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            while len(body) < int(value):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
    return head + b"\r\n\r\n" + body


def send_until_answered(
    server: ServerProcess, start: bytes, piece: bytes, total: int
) -> tuple[bytes, int]:
    """Send ``start``, then ``piece`` after ``piece`` with pauses, reading the answer as soon
    as there is one; the answer and how many bytes of pieces were sent by then."""
    with open_socket(server) as sock:
        sock.sendall(start)
        sent = 0
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0.02)
            if readable:
                break
            sock.sendall(piece)
            sent += len(piece)
        return read_answer(sock), sent


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def rss_bytes(server: ServerProcess) -> int:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_long_request_line_gets_414_while_it_is_still_being_sent(
    server: ServerProcess,
) -> None:
    total = 1024 * 1024
    answer, sent = send_until_answered(server, b"GET /health?q=", b"a" * PIECE, total)
    assert status_of(answer) == 414, answer[:200]
    assert sent < total
    assert b"too_large" in answer
    assert str(MAX_URL_BYTES).encode() in answer


@pytest.mark.parametrize(
    "piece",
    [b"a" * PIECE, b"X-Filler: " + b"b" * (PIECE - 12) + b"\r\n"],
    ids=["one-long-header", "many-headers"],
)
def test_a_large_header_block_gets_431_while_it_is_still_being_sent(
    server: ServerProcess, piece: bytes
) -> None:
    total = 1024 * 1024
    start = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
    answer, sent = send_until_answered(server, start, piece, total)
    assert status_of(answer) == 431, answer[:200]
    assert sent < total
    assert str(MAX_HEADER_BYTES).encode() in answer


def test_heads_just_under_the_limits_are_served(server: ServerProcess) -> None:
    url = "/health?q=" + "a" * (MAX_URL_BYTES - 100)
    headers = {f"x-filler-{i}": "c" * 1000 for i in range(MAX_HEADER_BYTES // 1024 - 2)}
    assert httpx.get(server.url + url, headers=headers).status_code == 200


def flood(server: ServerProcess, start: bytes, size: int) -> None:
    """Send a head of ``size`` bytes as fast as the server takes it; it may hang up."""
    with open_socket(server) as sock:
        sock.sendall(start)
        chunk = b"a" * (1024 * 1024)
        try:
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
        except OSError:
            pass  # refused and closed


async def test_floods_of_header_bytes_leave_the_server_small(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    before = rss_bytes(server)
    async with anyio.create_task_group() as tg:
        for start in [b"GET /health HTTP/1.1\r\nX-Big: ", b"GET /health?q="] * 4:
            tg.start_soon(anyio.to_thread.run_sync, flood, server, start, 32 * 1024 * 1024)
    # Eight heads of 32 MiB each: kept whole, they would add a quarter of a GiB.
    assert rss_bytes(server) - before < 48 * 1024 * 1024
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{server.url}/health")).status_code == 200


def wait_for_close(sock: socket.socket, *, trickle: bytes = b"") -> bytes:
    """Everything the server sends until it closes ``sock``, sending ``trickle`` a byte
    at a time meanwhile; fails after the socket's timeout without a close."""
    received = b""
    pending = trickle
    deadline = time.monotonic() + HEAD_TIMEOUT_SECONDS * 3
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.25)
        if readable:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk
        elif pending:
            try:
                sock.sendall(pending[:1])
            except OSError:
                return received
            pending = pending[1:] or trickle
    raise AssertionError(f"the server kept the connection open; received {received!r}")


async def test_silent_and_slow_connections_are_closed_but_idle_streams_stay(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(REFINER_SSE_PING_SECONDS="600")
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        reply = await client.post(
            "/refine/run",
            json={
                "engine": "probe",
                "passes": 1,
                "events": 5,
                "rate": 0,
                "stop_when_unchanged": False,
                "wait_subscribers": 2,
                "wait_timeout": 300,
            },
        )
        assert reply.status_code == 202, reply.text
        job_id = reply.json()["job_id"]
        async with (
            aconnect_sse(client, "GET", f"/jobs/{job_id}/events") as sse,
            connect(f"{server.ws_url}/ws") as session,
        ):
            assert sse.response.status_code == 200
            with open_socket(server) as silent, open_socket(server) as slow:
                trickle = b"GET /health HTTP/1.1\r\nX-Slow: " + b"z" * 1000
                closed_silent, closed_slow = None, None

                async def watch_silent() -> None:
                    nonlocal closed_silent
                    closed_silent = await anyio.to_thread.run_sync(wait_for_close, silent)

                async def watch_slow() -> None:
                    nonlocal closed_slow
                    closed_slow = await anyio.to_thread.run_sync(
                        lambda: wait_for_close(slow, trickle=trickle)
                    )

                async with anyio.create_task_group() as tg:
                    tg.start_soon(watch_silent)
                    tg.start_soon(watch_slow)
                assert closed_silent == b""
                assert closed_slow is not None
                assert closed_slow.startswith(b"HTTP/1.1 408")

            # Both streams outlived them: the session answers, and the SSE stream, once a
            # second subscriber lets the job start, carries its events to the end.
            await session.send('{"op": "ping", "ref": 1}')
            assert json.loads(await session.recv()) == {"op": "pong", "ref": 1}
            async with connect(f"{server.ws_url}/ws/progress/{job_id}"):
                kinds = [json.loads(e.data)["type"] async for e in sse.aiter_sse() if e.data]
            assert kinds[-1:] == ["stream_end"], kinds


def test_a_bare_uvicorn_command_line_gets_the_same_limits(
    make_server: Callable[..., ServerProcess],
) -> None:
    protocol = "service.http_protocol:RefinerHttpProtocol"
    server = make_server(
        command=[sys.executable, "-m", "uvicorn", "service.app:app", "--http", protocol]
    )
    start = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: "
    answer, _ = send_until_answered(server, start, b"a" * PIECE, 1024 * 1024)
    assert status_of(answer) == 431, answer[:200]
    with open_socket(server) as silent:
        assert wait_for_close(silent) == b""


@contextmanager
def silent_sockets(server: ServerProcess, count: int) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        yield [stack.enter_context(open_socket(server)) for _ in range(count)]


# ``python -m service`` with a hard open-files limit of 256: room for 192 connections.
LIMITED = [
    sys.executable,
    "-c",
    "import resource, runpy; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)); "
    "runpy.run_module('service', run_name='__main__')",
]


def test_a_real_request_succeeds_while_silent_sockets_fill_the_open_files_limit(
    make_server: Callable[..., ServerProcess],
) -> None:
    # 300 silent sockets would leave the server no descriptor to accept with.
    server = make_server(command=LIMITED)
    with silent_sockets(server, 300):
        for _ in range(3):
            assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


async def test_past_the_bound_with_every_connection_busy_a_newcomer_gets_503(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(command=LIMITED)
    async with AsyncExitStack() as stack, httpx.AsyncClient(timeout=30) as client:
        sessions: list[ClientConnection] = []
        with pytest.raises(InvalidStatus) as full:  # noqa: PT012
            while len(sessions) < 300:
                sessions.append(await stack.enter_async_context(connect(f"{server.ws_url}/ws")))
        assert full.value.response.status_code == 503
        assert len(sessions) > 150
        refused = await client.get(f"{server.url}/health")
        assert refused.status_code == 503
        assert refused.json()["code"] == "http_503"
        for session in sessions[:20]:
            await session.close()
        # The server notices the closes a moment later.
        with anyio.fail_after(30):
            for _ in range(300):
                if (await client.get(f"{server.url}/health")).status_code == 200:
                    break
                await anyio.sleep(0.1)
            else:
                raise AssertionError("no room after twenty sessions closed")
