"""Live streams against the real server: sessions, resume, fan-out, slow readers, shutdown."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from httpx_sse import aconnect_sse
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.server import ServerProcess
from tests.support.streams import Envelope, collect_sse, collect_ws, durable, flatten, types
from tests.support.texts import SAMPLE


def probe(**fields: Any) -> dict[str, Any]:
    return {"engine": "probe", "stop_when_unchanged": False, **fields}


async def start(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    reply = await client.post("/refine/run", json=body)
    assert reply.status_code == 202, reply.text
    job_id: str = reply.json()["job_id"]
    return job_id


async def logged_seqs(client: httpx.AsyncClient, server: ServerProcess, job_id: str) -> list[int]:
    """Every durable seq of a finished job, replayed from the log."""
    envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    return durable(envelopes)


class Session:
    """A client of the editor's ``/ws`` session that sorts what it receives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.replies: list[dict[str, Any]] = []
        self.events: dict[str, list[Envelope]] = {}

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def reply(self) -> dict[str, Any]:
        """Read until the next op reply, keeping the events that come first."""
        while True:
            decoded = json.loads(await self.ws.recv())
            if isinstance(decoded, dict) and "op" in decoded:
                self.replies.append(decoded)
                return decoded
            self._keep(decoded)

    async def until_ended(self, job_ids: set[str]) -> None:
        while not all(self._ended(j) for j in job_ids):
            decoded = json.loads(await self.ws.recv())
            if isinstance(decoded, dict) and "op" in decoded:
                self.replies.append(decoded)
            else:
                self._keep(decoded)

    def _keep(self, decoded: Any) -> None:
        for envelope in decoded if isinstance(decoded, list) else [decoded]:
            self.events.setdefault(envelope["job_id"], []).append(envelope)

    def _ended(self, job_id: str) -> bool:
        seen = self.events.get(job_id, [])
        return bool(seen) and seen[-1]["type"] == "stream_end"


async def test_one_session_carries_two_jobs_and_survives_bad_messages(
    server: ServerProcess,
) -> None:
    async with connect(f"{server.ws_url}/ws", compression=None) as ws:
        session = Session(ws)
        await session.send({"op": "ping", "ref": 1})
        assert await session.reply() == {"op": "pong", "ref": 1}

        bad_messages: list[tuple[str | dict[str, Any], str]] = [
            ("not json", "not JSON"),
            ('["a", "list"]', "JSON object"),
            ({"op": "dance", "ref": "d"}, "unknown op 'dance'"),
            ({"ref": "x"}, "no op"),
            ('{"op": "run", "request": {"text": "a lone \\ud800"}}', "not JSON"),
            ({"op": "subscribe", "job_id": "job_nope", "after": 10**19}, "after"),
            ({"op": "subscribe", "ref": "s"}, "job_id"),
            ({"op": "subscribe", "job_id": "job_nope", "ref": "n"}, "no job"),
            ({"op": "run", "ref": "r", "request": {"passes": 99, "text": "x"}}, "passes"),
            ({"op": "run", "ref": "e", "request": {"text": "  "}}, "empty"),
            ({"op": "unsubscribe", "job_id": "job_nope"}, "not subscribed"),
        ]
        for message, words in bad_messages[:6]:
            await session.send(message)
            answer = await session.reply()
            assert answer["op"] == "error", message
            assert words in answer["detail"], (message, answer)

        await session.send({"op": "run", "ref": "a", "request": {"text": SAMPLE, "passes": 3}})
        first = await session.reply()
        await session.send(
            {"op": "run", "ref": "b", "request": probe(passes=2, events=40, rate=200)}
        )
        second = await session.reply()
        assert first["op"] == second["op"] == "ack"
        assert (first["ref"], second["ref"]) == ("a", "b")
        jobs = {first["job_id"], second["job_id"]}
        assert len(jobs) == 2

        for message, words in bad_messages[6:]:
            await session.send(message)
            answer = await session.reply()
            assert answer["op"] == "error", message
            assert words in answer["detail"], (message, answer)
            if isinstance(message, dict) and "ref" in message:
                assert answer["ref"] == message["ref"]
        await ws.send(b"\x00binary")
        assert "text frames" in (await session.reply())["detail"]

        await session.until_ended(jobs)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            for job_id in jobs:
                got = session.events[job_id]
                assert [e["seq"] for e in got] == list(range(1, len(got) + 1))
                assert durable(got) == await logged_seqs(client, server, job_id)
        assert types(session.events[first["job_id"]])[-2:] == ["done", "stream_end"]

        await session.send({"op": "cancel", "job_id": first["job_id"], "ref": "c"})
        refused = await session.reply()
        assert refused["op"] == "error"
        assert refused["code"] == "job_conflict"
        await session.send({"op": "ping"})
        assert await session.reply() == {"op": "pong"}


async def test_a_session_can_subscribe_cancel_and_unsubscribe(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, probe(passes=1, events=10_000, rate=50))
    async with connect(f"{server.ws_url}/ws", compression=None) as ws:
        session = Session(ws)
        await session.send({"op": "subscribe", "job_id": job_id, "after": 0, "ref": 7})
        assert await session.reply() == {"op": "subscribed", "ref": 7, "job_id": job_id, "after": 0}
        await session.send({"op": "cancel", "job_id": job_id, "ref": 8})
        answer = await session.reply()
        assert answer == {"op": "ack", "ref": 8, "job_id": job_id, "status": "cancelled"}
        await session.until_ended({job_id})
        assert types(session.events[job_id])[-2:] == ["cancelled", "stream_end"]

        await session.send({"op": "subscribe", "job_id": job_id, "after": 0})
        await session.reply()
        await session.send({"op": "unsubscribe", "job_id": job_id})
        # The replay may have ended first; either way the socket stays usable.
        assert (await session.reply())["op"] in ("unsubscribed", "error")
        await session.send({"op": "ping"})
        assert (await session.reply())["op"] == "pong"


async def test_sse_reconnects_with_last_event_id_without_gaps_or_repeats(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, probe(passes=3, events=30, rate=60))
        first, ids = await collect_sse(client, f"/jobs/{job_id}/events", stop_after=6)
        last_id = [i for i in ids if i is not None][-1]
        rest, _ = await collect_sse(
            client, f"/jobs/{job_id}/events", headers={"Last-Event-ID": last_id}
        )
        seen = durable(first) + durable(rest)
        assert seen == await logged_seqs(client, server, job_id)
        assert types(rest)[-2:] == ["done", "stream_end"]


async def test_websocket_resumes_mid_job_and_after_a_restart(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, probe(passes=6, events=100, rate=100))
    url = f"{server.ws_url}/ws/progress/{job_id}"
    seen = await collect_ws(url, stop_at="pass_complete")
    seen += await collect_ws(f"{url}?after={durable(seen)[-1]}", stop_at="pass_complete")
    assert types(seen).count("pass_complete") == 2
    server.kill()

    restarted = make_server(server.workdir)
    url = f"{restarted.ws_url}/ws/progress/{job_id}"
    seen += await collect_ws(f"{url}?after={durable(seen)[-1]}")
    assert types(seen)[-2:] == ["error", "stream_end"]
    async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
        assert (await client.post(f"/jobs/{job_id}/resume")).status_code == 202
        seen += await collect_ws(f"{url}?after={durable(seen)[-1]}")
        assert types(seen)[-2:] == ["done", "stream_end"]
        assert durable(seen) == await logged_seqs(client, restarted, job_id)
    assert len(set(durable(seen))) == len(durable(seen))


async def test_ten_subscribers_receive_identical_complete_sequences(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, probe(passes=2, events=300, rate=0, wait_subscribers=10))
        results: dict[str, list[Envelope]] = {}

        async def over_ws(name: str) -> None:
            results[name] = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")

        async def over_sse(name: str) -> None:
            results[name], _ = await collect_sse(client, f"/jobs/{job_id}/events")

        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(over_ws, f"ws{i}")
            for i in range(4):
                tg.start_soon(over_sse, f"sse{i}")
        expected = await logged_seqs(client, server, job_id)

    full = [(e["seq"], e["type"]) for e in results["ws0"]]
    assert len(full) == expected[-1], "nobody lost a transient event either"
    for name, envelopes in results.items():
        assert durable(envelopes) == expected, name
        assert [(e["seq"], e["type"]) for e in envelopes] == full, name


def tiny_receive_buffer_socket(port: int) -> socket.socket:
    """A client socket whose receive window fills after a few kilobytes."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    return sock


async def start_big_job(server: ServerProcess) -> str:
    """60 documents x 10 passes, over a thousand durable events, once two subscribers are in."""
    files = [{"name": f"doc{i}.txt", "text": f"Text {i}: " + SAMPLE} for i in range(60)]
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        return await start(
            client,
            {"files": files, "passes": 10, "stop_when_unchanged": False, "wait_subscribers": 2},
        )


async def test_a_client_that_stops_reading_holds_up_nobody_and_loses_nothing(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(REFINER_SUBSCRIBER_BUFFER="16")
    job_id = await start_big_job(server)
    url = f"{server.ws_url}/ws/progress/{job_id}"
    sock = tiny_receive_buffer_socket(server.port)
    async with connect(url, sock=sock, compression=None, max_queue=1) as stalled:
        # The stalled client reads nothing until the job is over for everyone else.
        reader = await collect_ws(url)
        assert types(reader)[-2:] == ["done", "stream_end"]
        expected = durable(reader)
        assert len(expected) > 1000

        received: list[Envelope] = []
        with contextlib.suppress(ConnectionClosed):
            async for frame in stalled:
                received.extend(flatten(frame))
    # Whether its buffers held out or it lagged, it can have the whole story.
    if received[-1]["type"] == "lagged":
        assert stalled.close_code == 1013
        resumed = await collect_ws(f"{url}?after={received[-1]['seq']}")
        received = received[:-1] + resumed
    assert durable(received) == expected


async def read_session(ws: ClientConnection) -> list[Envelope]:
    """Envelopes from an open ``/ws`` session up to ``stream_end`` or ``lagged``."""
    received: list[Envelope] = []
    async for frame in ws:
        body = json.loads(frame)
        if isinstance(body, dict) and "op" in body:
            assert body["op"] == "subscribed", body
            continue
        received.extend(flatten(frame))
        if received[-1]["type"] in ("stream_end", "lagged"):
            return received
    raise AssertionError("the session closed before the job's stream ended")


async def test_a_session_that_stops_reading_loses_nothing_and_resumes_on_its_socket(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(REFINER_SUBSCRIBER_BUFFER="16")
    job_id = await start_big_job(server)
    sock = tiny_receive_buffer_socket(server.port)
    async with connect(f"{server.ws_url}/ws", sock=sock, compression=None, max_queue=1) as stalled:
        await stalled.send(json.dumps({"op": "subscribe", "ref": 1, "job_id": job_id}))
        # The stalled session reads nothing until the job is over for everyone else.
        reader = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert types(reader)[-2:] == ["done", "stream_end"]
        expected = durable(reader)
        late = await read_session(stalled)
        # Whether its buffers held out or it lagged, it can have the whole story;
        # after a lag the socket stays open and subscribes again from the cursor.
        if late[-1]["type"] == "lagged":
            after = late[-1]["seq"]
            op = {"op": "subscribe", "ref": 2, "job_id": job_id, "after": after}
            await stalled.send(json.dumps(op))
            late = late[:-1] + await read_session(stalled)
    assert durable(late) == expected


async def test_sse_tells_a_client_with_the_whole_story_not_to_reconnect(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, {"text": SAMPLE, "passes": 1})
        last = (await logged_seqs(client, server, job_id))[-1]
        finished = await client.get(f"/jobs/{job_id}/events", headers={"Last-Event-ID": str(last)})
        assert finished.status_code == 204
        envelopes, ids = await collect_sse(
            client, f"/jobs/{job_id}/events", headers={"Last-Event-ID": str(last + 9)}
        )
        assert [e["type"] for e in envelopes] == ["replay_gap"]
        assert ids == [str(last)], "the browser's Last-Event-ID moves back to the job's end"


async def test_an_idle_sse_stream_carries_keepalive_comments(
    make_server: Callable[..., ServerProcess],
) -> None:
    """Between events a proxy sees ``: ping`` comments, so it keeps the stream open."""
    server = make_server(REFINER_SSE_PING_SECONDS="0.1")
    lines: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        # Two events a second apart: the stream is idle in between.
        job_id = await start(client, probe(events=2, rate=1, passes=1))
        async with client.stream("GET", f"/jobs/{job_id}/events") as response:
            async for line in response.aiter_lines():
                lines.append(line)
                if line == "event: stream_end":
                    break
    first, last = lines.index("event: pass_progress"), len(lines) - 1
    between = [line for line in lines[first:last] if line.startswith(":")]
    assert between, "no keepalive while the job was quiet"
    assert set(between) == {": ping"}


async def test_a_cursor_ahead_of_the_job_gets_a_replay_gap(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, {"text": SAMPLE, "passes": 1})
        last = (await logged_seqs(client, server, job_id))[-1]
        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after={last + 50}")
        assert envelopes[0]["type"] == "replay_gap"
        assert envelopes[0]["data"] == {"from_seq": last + 1, "to_seq": last + 50}


async def test_sessions_and_streams_need_the_key_when_one_is_set(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(BACKEND_API_KEY="k3y")
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{server.ws_url}/ws", compression=None):
            pass
    assert refused.value.response.status_code == 401
    async with connect(f"{server.ws_url}/ws?api_key=k3y", compression=None) as ws:
        await ws.send(json.dumps({"op": "ping"}))
        assert json.loads(await ws.recv()) == {"op": "pong"}


async def test_a_websocket_to_no_route_is_refused_at_the_handshake(server: ServerProcess) -> None:
    """WebSockets skip the router for the stream routes; any other path still meets it."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{server.ws_url}/ws/nothing/here", compression=None):
            pass
    assert refused.value.response.status_code == 403


async def test_stream_gauges_return_to_zero_when_clients_leave(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = await start(client, probe(passes=1, events=1000, rate=20))
        ws_url = f"{server.ws_url}/ws/progress/{job_id}"
        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(lambda: collect_ws(ws_url, stop_after=2))
                tg.start_soon(lambda: collect_sse(client, f"/jobs/{job_id}/events", stop_after=2))
        await client.post(f"/jobs/{job_id}/cancel")
        with anyio.fail_after(10):
            while True:
                streams = (await client.get("/health")).json()["streams"]
                if not any(streams.values()):
                    break
                await anyio.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_ends_every_open_stream_with_a_retryable_error(
    make_server: Callable[..., ServerProcess], signum: signal.Signals
) -> None:
    server = make_server()
    ws_ends: list[tuple[list[Envelope], int | None]] = []
    sse_ends: list[list[Envelope]] = []
    session_ends: list[tuple[list[Envelope], int | None]] = []
    async with httpx.AsyncClient(
        base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=200)
    ) as client:
        jobs = [await start(client, probe(passes=1, events=100_000, rate=20)) for _ in range(4)]

        async def follow_ws(job_id: str, ready: Callable[[], None]) -> None:
            envelopes: list[Envelope] = []
            async with connect(f"{server.ws_url}/ws/progress/{job_id}", compression=None) as ws:
                ready()
                try:
                    async for frame in ws:
                        envelopes.extend(flatten(frame))
                except ConnectionClosed:
                    pass
                ws_ends.append((envelopes, ws.close_code))

        async def follow_sse(job_id: str, ready: Callable[[], None]) -> None:
            envelopes: list[Envelope] = []
            async with aconnect_sse(client, "GET", f"/jobs/{job_id}/events") as source:
                ready()
                async for sse in source.aiter_sse():
                    envelopes.append(json.loads(sse.data))
            sse_ends.append(envelopes)

        async def follow_session(job_id: str, ready: Callable[[], None]) -> None:
            async with connect(f"{server.ws_url}/ws", compression=None) as ws:
                session = Session(ws)
                await session.send({"op": "subscribe", "job_id": job_id})
                await session.reply()
                ready()
                with contextlib.suppress(ConnectionClosed):
                    await session.until_ended({job_id})
                    await ws.wait_closed()
                session_ends.append((session.events[job_id], ws.close_code))

        streams = 210
        opened = anyio.Event()
        count = 0

        def ready() -> None:
            nonlocal count
            count += 1
            if count == streams:
                opened.set()

        async with anyio.create_task_group() as tg:
            for i in range(streams):
                kinds = (follow_ws, follow_ws, follow_sse)
                follower = follow_session if i < 10 else kinds[i % 3]
                tg.start_soon(follower, jobs[i % len(jobs)], ready)
            with anyio.fail_after(30):
                await opened.wait()
            assert server.process is not None
            server.process.send_signal(signum)

    # Uvicorn re-raises the signal once it has shut down cleanly; SIGINT then ends the
    # process with 130 rather than a KeyboardInterrupt traceback.
    assert server.process is not None
    assert server.process.wait(timeout=20) in (0, -signum, 128 + signum)
    assert len(ws_ends) + len(sse_ends) + len(session_ends) == streams
    assert session_ends, "editor sessions were among the streams"
    for envelopes in [e for e, _ in ws_ends + session_ends] + sse_ends:
        assert types(envelopes)[-2:] == ["error", "stream_end"]
        error = [e for e in envelopes if e["type"] == "error"][-1]["data"]
        assert error["retryable"] is True
        assert error["code"] == "interrupted"
    assert {code for _, code in ws_ends + session_ends} == {1001}
