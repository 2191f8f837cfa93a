"""The envelopes a real server sends, byte for byte, against a recording.

A reference set of jobs (one that succeeds, one cancelled, one interrupted by
a stop and one by a crash, and the replay-gap notices) is run on a fresh
server, and every envelope it sends, over SSE (whole frames, ``id:`` and
``event:`` lines included) and over the WebSocket, is compared with
``tests/support/reference_envelopes.txt``. Only what differs between runs is
masked: ids, timestamps and durations. Any other change of the wire, a key's
order, a separator, an escape, shows up here.

Set ``RECORD_REFERENCE_ENVELOPES=1`` to write the recording anew, on purpose.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from actors.events import JOB_EVENTS, Lagged
from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE
from transports.codec import notice
from transports.envelope import ENVELOPE_ADAPTER, event_json_schema
from transports.sse import frame

RECORDING = Path(__file__).parent / "support" / "reference_envelopes.txt"

_MASKS = (
    (re.compile(r"\b(job|file)_[0-9a-f]{16}\b"), r"\1_*"),
    (re.compile(r'"(ts|duration_ms)":[-+.0-9eE]+'), r'"\1":0'),
)


def masked(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def ws_envelopes(frame: str) -> list[str]:
    """The exact text of each envelope of a frame: one envelope, or a JSON array of them."""
    if not frame.startswith("["):
        return [frame]
    decoder = json.JSONDecoder()
    found, at = [], 1
    while frame[at] != "]":
        _, end = decoder.raw_decode(frame, at)
        found.append(frame[at:end])
        at = end + 1 if frame[end] == "," else end
    return found


async def sse_frames(client: httpx.AsyncClient, url: str) -> list[str]:
    """Every SSE frame of a stream as sent, pings left out."""
    async with client.stream("GET", url) as response:
        assert response.status_code == 200
        body = (await response.aread()).decode()
    frames = [f for f in body.replace("\r\n", "\n").split("\n\n") if f]
    return [f for f in frames if not all(line.startswith(":") for line in f.splitlines())]


async def ws_texts(url: str) -> list[str]:
    found: list[str] = []
    async with connect(url, compression=None) as ws:
        try:
            async for frame in ws:
                assert isinstance(frame, str)
                found.extend(ws_envelopes(frame))
        except ConnectionClosed:
            pass
    return found


async def start(client: httpx.AsyncClient, body: dict[str, object]) -> str:
    reply = await client.post("/refine/run", json=body)
    assert reply.status_code in (200, 201, 202), reply.text
    job_id: str = reply.json()["job_id"]
    return job_id


async def start_queued(client: httpx.AsyncClient, body: dict[str, object]) -> str:
    """Start a job and return once its ``job_queued`` is stored (it is sent only then)."""
    job_id = await start(client, body)
    async with client.stream("GET", f"/jobs/{job_id}/events") as response:
        async for line in response.aiter_lines():
            if line.startswith("event: job_queued"):
                break
    return job_id


async def record(
    make_server: Callable[..., ServerProcess], workdir: Path
) -> tuple[list[str], dict[str, Any]]:
    """The masked envelopes of the reference jobs, and the schema the server published."""
    lines: list[str] = []

    def section(name: str, items: list[str]) -> None:
        lines.append(f"## {name}")
        lines.extend(masked(item).replace("\n", "\\n") for item in items)

    server = make_server(workdir)
    waiting = {"text": SAMPLE, "passes": 2, "wait_subscribers": 5, "wait_timeout": 300}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        schema: dict[str, Any] = (await client.get("/events/schema")).json()
        # A job that succeeds, followed live from before it starts.
        done = await start(client, {"text": SAMPLE, "passes": 3, "wait_subscribers": 1})
        section("done, live over SSE", await sse_frames(client, f"/jobs/{done}/events"))
        section(
            "done, replayed over WebSocket", await ws_texts(f"{server.ws_url}/ws/progress/{done}")
        )
        section(
            "done, cursor ahead, over SSE",
            await sse_frames(client, f"/jobs/{done}/events?after=999"),
        )
        section(
            "done, cursor ahead, over WebSocket",
            await ws_texts(f"{server.ws_url}/ws/progress/{done}?after=999"),
        )
        section(
            "no such job, over WebSocket",
            await ws_texts(f"{server.ws_url}/ws/progress/job_0000000000000000"),
        )
        # A job cancelled while it waits for subscribers.
        cancelled = await start(client, waiting)
        assert (await client.post(f"/jobs/{cancelled}/cancel")).status_code == 200
        section("cancelled, over SSE", await sse_frames(client, f"/jobs/{cancelled}/events"))
        # A job the service interrupts as it stops.
        stopped = await start_queued(client, waiting)
    server.stop()

    server = make_server(workdir)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        section(
            "interrupted by a stop, over SSE", await sse_frames(client, f"/jobs/{stopped}/events")
        )
        # A job left behind by a crash, ended at the next start.
        crashed = await start_queued(client, waiting)
    server.kill()

    server = make_server(workdir)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        section(
            "interrupted by a crash, over SSE", await sse_frames(client, f"/jobs/{crashed}/events")
        )
        section(
            "interrupted by a crash, over WebSocket",
            await ws_texts(f"{server.ws_url}/ws/progress/{crashed}"),
        )
    return lines, schema


async def test_the_reference_jobs_send_the_recorded_envelopes(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    lines, schema = await record(make_server, tmp_path / "server")
    text = "\n".join(lines) + "\n"
    if os.environ.get("RECORD_REFERENCE_ENVELOPES") == "1":
        RECORDING.write_text(text, encoding="utf-8")
    expected = RECORDING.read_text(encoding="utf-8").splitlines()
    assert lines == expected
    # Every one of them is described by the schema the server publishes.
    assert schema == event_json_schema()
    envelopes = [
        json.loads(line.split("data: ", 1)[-1]) for line in lines if not line.startswith("##")
    ]
    for item in envelopes:
        ENVELOPE_ADAPTER.validate_python(item)
    sent = {e["type"] for e in envelopes}
    assert sent == {cls.type for cls in JOB_EVENTS} | {"replay_gap"}


def test_a_frame_splits_into_its_envelopes_exactly() -> None:
    one = '{"job_id":"j","seq":1,"type":"stream_end","ts":1.0,"data":{}}'
    two = '{"job_id":"j","seq":2,"type":"x","ts":1.0,"data":{"a":[1,"]"]}}'
    assert ws_envelopes(one) == [one]
    assert ws_envelopes(f"[{one},{two}]") == [one, two]


def test_the_lagged_notice_is_sent_as_recorded() -> None:
    lagged = notice("job_0123456789abcdef", Lagged(from_seq=12))
    text = masked(lagged.text)
    assert text == '{"job_id":"job_*","seq":11,"type":"lagged","ts":0,"data":{"from_seq":12}}'
    assert masked(frame(lagged).decode()) == f"id: 11\nevent: lagged\ndata: {text}\n\n"
