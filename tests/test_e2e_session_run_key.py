"""The ``/ws`` session's ``run`` op with an ``idempotency_key``, on a real server: the
same key again, on another socket or over REST, is the job it started, never a second."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE

pytestmark = pytest.mark.anyio


async def run_op(server: ServerProcess, message: dict[str, Any]) -> dict[str, Any]:
    """Sends one op on a new socket and returns its reply."""
    async with connect(f"{server.ws_url}/ws", compression=None) as ws:
        await ws.send(json.dumps(message))
        while True:
            decoded = json.loads(await ws.recv())
            if isinstance(decoded, dict) and "op" in decoded:
                return decoded


async def test_a_run_sent_again_with_its_key_answers_with_the_first_job(
    server: ServerProcess,
) -> None:
    key = f"key-{id(server)}-session"
    request = {"text": SAMPLE, "passes": 1, "engine": "local", "name": key}
    first = await run_op(
        server, {"op": "run", "ref": 1, "request": request, "idempotency_key": key}
    )
    assert first["op"] == "ack", first
    again = await run_op(
        server, {"op": "run", "ref": 2, "request": request, "idempotency_key": key}
    )
    assert again == {"op": "ack", "ref": 2, "job_id": first["job_id"]}
    async with httpx.AsyncClient(base_url=server.url) as client:
        rest = await client.post("/refine/run", json=request, headers={"Idempotency-Key": key})
        assert rest.status_code == 200, rest.text
        assert rest.json()["job_id"] == first["job_id"]
        listed = (await client.get("/jobs", params={"limit": 200})).json()["jobs"]
    assert [j["job_id"] for j in listed if j["name"] == key] == [first["job_id"]]


async def test_a_key_used_over_rest_first_is_the_same_job_over_the_session(
    server: ServerProcess,
) -> None:
    key = f"key-{id(server)}-rest"
    request = {"text": SAMPLE, "passes": 1, "engine": "local"}
    async with httpx.AsyncClient(base_url=server.url) as client:
        rest = await client.post("/refine/run", json=request, headers={"Idempotency-Key": key})
    assert rest.status_code == 202
    reply = await run_op(server, {"op": "run", "request": request, "idempotency_key": key})
    assert reply["job_id"] == rest.json()["job_id"]


async def test_a_bad_key_is_refused_and_the_socket_stays(server: ServerProcess) -> None:
    request = {"text": SAMPLE, "passes": 1}
    for key in ("", "k" * 201, 7):
        reply = await run_op(
            server, {"op": "run", "ref": 3, "request": request, "idempotency_key": key}
        )
        assert reply["op"] == "error"
        assert reply["code"] == "bad_op"
        assert "idempotency_key" in reply["detail"]
