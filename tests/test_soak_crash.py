"""SIGKILL at random moments during many multi-pass jobs: after every restart, nothing is lost.

Each round starts the server on the same data, starts jobs (or resumes the
interrupted ones), follows them all over WebSocket, kills the process at a
random moment, restarts it and checks: no job is left running; every version
a ``pass_complete`` announced is stored and readable; the database passes
``PRAGMA integrity_check``; each follower that resumes after the last seq it
saw gets the rest of its job's durable events with no gap and no duplicate.
"""

from __future__ import annotations

import random
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from tests.support.server import ServerProcess
from tests.support.soak import record, scale
from tests.support.streams import Envelope, collect_ws, durable, flatten
from tests.support.texts import long_text

JOB = {"text": long_text(600), "passes": 4, "stop_when_unchanged": False}


async def follow_until_cut(url: str, seen: list[Envelope]) -> None:
    """Follow until the stream ends or the server dies under it."""
    port = int(url.split(":")[2].split("/")[0])
    try:
        # Our own socket, closed whatever happens: a server killed mid-handshake
        # must not leave it to the garbage collector.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.setblocking(False)
            async with connect(url, sock=sock, compression=None, open_timeout=10) as ws:
                async for frame in ws:
                    seen.extend(flatten(frame))
    except (WebSocketException, OSError, EOFError, TimeoutError):
        pass  # the server died mid-stream or mid-handshake


def integrity(data_dir: Path) -> str:
    conn = sqlite3.connect(f"file:{data_dir / 'refiner.sqlite3'}?mode=ro", uri=True)
    try:
        (verdict,) = conn.execute("PRAGMA integrity_check").fetchone()
        return str(verdict)
    finally:
        conn.close()


async def test_random_kills_lose_nothing(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    kills = scale(3, 20)
    jobs_per_round = scale(4, 10)
    rng = random.Random(20261126)
    workdir = tmp_path / "crashing"
    seen: dict[str, list[Envelope]] = {}
    checked_versions = 0

    for round_ in range(kills):
        server = make_server(workdir)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            await check_after_restart(client, server, workdir, seen)
            for job_id in list(seen):
                status = (await client.get(f"/jobs/{job_id}/status")).json()["status"]
                if status == "interrupted":
                    assert (await client.post(f"/jobs/{job_id}/resume")).status_code == 202
            for _ in range(jobs_per_round if round_ < kills - 1 else 0):
                job_id = (await client.post("/refine/run", json=JOB)).json()["job_id"]
                seen[job_id] = []
            async with anyio.create_task_group() as tg:
                for job_id, envelopes in seen.items():
                    after = max((e["seq"] for e in envelopes), default=0)
                    url = f"{server.ws_url}/ws/progress/{job_id}?after={after}"
                    tg.start_soon(follow_until_cut, url, envelopes)
                await anyio.sleep(rng.uniform(0.3, 2.0))
                server.kill()
        checked_versions += sum(
            1 for envelopes in seen.values() for e in envelopes if e["type"] == "pass_complete"
        )

    # A last start: everything resumes and runs to the end.
    server = make_server(workdir)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        await check_after_restart(client, server, workdir, seen)
        for job_id in seen:
            if (await client.get(f"/jobs/{job_id}/status")).json()["status"] == "interrupted":
                await client.post(f"/jobs/{job_id}/resume")
        for job_id, envelopes in seen.items():
            after = max((e["seq"] for e in envelopes), default=0)
            envelopes += await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after={after}")
            assert durable(envelopes) == sorted(set(durable(envelopes))), job_id
            final = (await client.get(f"/jobs/{job_id}")).json()
            assert final["status"] == "succeeded", (job_id, final["status"])
            assert durable(envelopes) == await logged(server, job_id)
    record(
        "crash_and_restart",
        kills=kills,
        jobs=len(seen),
        passes_announced=checked_versions,
        lost_events=0,
        lost_versions=0,
        integrity="ok",
    )


async def logged(server: ServerProcess, job_id: str) -> list[int]:
    return durable(await collect_ws(f"{server.ws_url}/ws/progress/{job_id}"))


async def check_after_restart(
    client: httpx.AsyncClient,
    server: ServerProcess,
    workdir: Path,
    seen: dict[str, list[Envelope]],
) -> None:
    assert integrity(workdir / "data") == "ok"
    for job_id, envelopes in seen.items():
        status = (await client.get(f"/jobs/{job_id}/status")).json()["status"]
        assert status in ("succeeded", "failed", "cancelled", "interrupted"), (job_id, status)
        for event in envelopes:
            if event["type"] == "pass_complete":
                data: dict[str, Any] = event["data"]
                version = await client.get(f"/files/{data['file_id']}/versions/{data['pass']}")
                assert version.status_code == 200, (job_id, data)
                assert version.json()["text"]
        # What this follower saw, then what it gets by resuming: the whole log, once.
        after = max((e["seq"] for e in envelopes), default=0)
        rest = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after={after}")
        combined = durable(envelopes) + durable(rest)
        assert combined == await logged(server, job_id), job_id
        envelopes.extend(rest)
