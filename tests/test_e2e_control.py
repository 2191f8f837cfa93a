"""Cancel, queueing, restart and resume, auth: the real server under real clients."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.server import ServerProcess
from tests.support.streams import Envelope, collect_sse, collect_ws, flatten, types
from tests.support.texts import SAMPLE, long_text

SLOW_JOB = {"text": long_text(), "passes": 10, "stop_when_unchanged": False}


async def wait_for_event(ws_url: str, job_id: str, wanted: str) -> list[Envelope]:
    """Follow the job's WebSocket until an event of type ``wanted`` arrives."""
    seen: list[Envelope] = []
    async with connect(f"{ws_url}/ws/progress/{job_id}", compression=None) as ws:
        async for frame in ws:
            seen.extend(flatten(frame))
            if any(e["type"] == wanted for e in seen):
                return seen
    raise AssertionError(f"stream ended without {wanted}: {types(seen)}")


async def test_cancel_mid_job_keeps_completed_passes(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json=SLOW_JOB)).json()["job_id"]
        with anyio.fail_after(30):
            await wait_for_event(server.ws_url, job_id, "pass_complete")

        cancelled = await client.post(f"/jobs/{job_id}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"

        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert types(envelopes)[-2:] == ["cancelled", "stream_end"]
        job = (await client.get(f"/jobs/{job_id}")).json()
        assert job["status"] == "cancelled"
        passes = job["files"][0]["passes"]
        assert 2 <= len(passes) < 11, "pass 0 and at least one completed pass are kept"

        again = await client.post(f"/jobs/{job_id}/cancel")
        assert again.status_code == 200, "cancelling twice is fine"
        assert again.json()["status"] == "cancelled"


async def test_cancelling_a_finished_job_is_a_conflict(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 1})).json()[
            "job_id"
        ]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        reply = await client.post(f"/jobs/{job_id}/cancel")
        assert reply.status_code == 409
        assert "succeeded" in reply.json()["detail"]


async def test_closing_a_stream_never_cancels_the_job(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 3})).json()[
            "job_id"
        ]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}", stop_after=1)
        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert types(envelopes)[-2:] == ["done", "stream_end"]


async def test_jobs_queue_behind_the_limit_and_refuse_when_full(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(REFINER_MAX_JOBS="1", REFINER_MAX_QUEUE="1")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        first = (await client.post("/refine/run", json=SLOW_JOB)).json()["job_id"]
        second = (await client.post("/refine/run", json={"text": SAMPLE})).json()["job_id"]

        status = (await client.get(f"/jobs/{second}/status")).json()
        assert status["status"] == "queued"
        assert status["queue_position"] == 1

        refused = await client.post("/refine/run", json={"text": SAMPLE})
        assert refused.status_code == 503
        assert refused.headers["retry-after"]
        assert "capacity" in refused.json()["detail"]

        await client.post(f"/jobs/{first}/cancel")
        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{second}")
        assert envelopes[0]["type"] == "job_queued"
        assert envelopes[0]["data"] == {"position": 1}
        assert types(envelopes)[-2:] == ["done", "stream_end"]


async def test_restart_interrupts_a_running_job_and_resume_finishes_it(
    make_server: Callable[..., ServerProcess], tmp_path: object
) -> None:
    server = make_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job = {**SLOW_JOB, "passes": 4}
        job_id = (await client.post("/refine/run", json=job)).json()["job_id"]
        with anyio.fail_after(30):
            before = await wait_for_event(server.ws_url, job_id, "pass_complete")
    server.kill()

    restarted = make_server(server.workdir)
    async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
        record = (await client.get(f"/jobs/{job_id}")).json()
        assert record["status"] == "interrupted"
        assert record["error"]["code"] == "interrupted"

        logged = await collect_ws(f"{restarted.ws_url}/ws/progress/{job_id}")
        assert types(logged)[-2:] == ["error", "stream_end"]
        assert logged[-2]["data"]["retryable"] is True
        last_seen = max(e["seq"] for e in before if e["type"] != "pass_progress")
        assert [
            e["seq"] for e in logged if e["seq"] <= last_seen and e["type"] != "pass_progress"
        ] == [e["seq"] for e in before if e["type"] != "pass_progress"]

        resumed = await client.post(f"/jobs/{job_id}/resume")
        assert resumed.status_code == 202
        after = logged[-1]["seq"]
        rest = await collect_ws(f"{restarted.ws_url}/ws/progress/{job_id}?after={after}")
        assert rest[0]["seq"] == after + 1
        assert types(rest)[-2:] == ["done", "stream_end"]
        passes_run = [e["data"]["pass"] for e in rest if e["type"] == "pass_complete"]
        assert passes_run, "the resumed job ran the passes that were left"
        assert passes_run[-1] == 4
        final = (await client.get(f"/jobs/{job_id}")).json()
        assert final["status"] == "succeeded"
        assert [p["pass"] for p in final["files"][0]["passes"]] == [0, 1, 2, 3, 4]
        assert (await client.post(f"/jobs/{job_id}/resume")).status_code == 409


async def test_a_second_server_on_the_same_data_leaves_the_first_ones_jobs_alone(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        waiting = {"engine": "probe", "events": 1, "wait_subscribers": 5, "wait_timeout": 60}
        job_id = (await client.post("/refine/run", json=waiting)).json()["job_id"]
        before = (await client.get(f"/jobs/{job_id}")).json()
        assert before["status"] in ("queued", "running")
        with pytest.raises(RuntimeError, match="exited at start") as refused:
            make_server(server.workdir)
        assert "is in use by another Refiner server" in str(refused.value)
        after = (await client.get(f"/jobs/{job_id}")).json()
        assert after == before, "the live job was not taken for a crashed server's"
        assert (await client.post(f"/jobs/{job_id}/cancel")).status_code == 200


async def test_api_key_guards_every_route_but_health(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(BACKEND_API_KEY="s3cret-key")
    good = {"X-API-Key": "s3cret-key"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        assert (await client.get("/health")).status_code == 200
        for path in ("/jobs", "/strategies", "/jobs/x/status", "/refine/diff?fileId=x"):
            refused = await client.get(path)
            assert refused.status_code == 401, path
            assert "API key" in refused.json()["detail"]
        assert (await client.get("/jobs", headers={"X-API-Key": "wrong"})).status_code == 401
        assert (await client.post("/refine/run", json={"text": SAMPLE})).status_code == 401
        assert (await client.get("/jobs", headers=good)).status_code == 200
        bearer = {"Authorization": "Bearer s3cret-key"}
        assert (await client.get("/jobs", headers=bearer)).status_code == 200
        assert (await client.get("/jobs?api_key=s3cret-key")).status_code == 401, (
            "REST routes take the key in a header only"
        )

        job_id = (await client.post("/refine/run", json={"text": SAMPLE}, headers=good)).json()[
            "job_id"
        ]
        assert (await client.get(f"/jobs/{job_id}/events")).status_code == 401
        envelopes, _ = await collect_sse(client, f"/jobs/{job_id}/events?api_key=s3cret-key")
        assert types(envelopes)[-1] == "stream_end"

        with pytest.raises(InvalidStatus) as refused_ws:
            await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert refused_ws.value.response.status_code == 401
        with pytest.raises(InvalidStatus):
            await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?api_key=wrong")
        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?api_key=s3cret-key")
        assert types(envelopes)[-1] == "stream_end"


async def test_finished_jobs_past_retention_are_removed(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(REFINER_RETENTION_SECONDS="0.5", REFINER_CLEANUP_INTERVAL_SECONDS="0.2")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 1})).json()[
            "job_id"
        ]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert (server.workdir / "output" / job_id).is_dir()
        with anyio.fail_after(20):
            # Polling over HTTP: the server's clean-up has no event to wait on.
            while (await client.get(f"/jobs/{job_id}")).status_code != 404:  # noqa: ASYNC110
                await anyio.sleep(0.1)
        assert not (server.workdir / "output" / job_id).exists()
