"""Strategy feedback against the real server: stored once, kept, validated, learned from."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.support.server import ServerProcess
from tests.support.streams import collect_ws
from tests.support.texts import SAMPLE


async def finished_job(client: httpx.AsyncClient, server: ServerProcess) -> dict[str, Any]:
    job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 3})).json()["job_id"]
    await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    job: dict[str, Any] = (await client.get(f"/jobs/{job_id}")).json()
    return job


def stored_lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in folder.glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]


async def test_hundreds_of_concurrent_posts_are_each_stored_once_and_survive_a_restart(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    folder = server.workdir / "feedback"
    async with httpx.AsyncClient(
        base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=100)
    ) as client:
        job = await finished_job(client, server)
        assert not folder.exists(), "the folder is made by the first record, never before"
        file_id = job["files"][0]["file_id"]
        answers: list[dict[str, Any]] = []

        async def post(n: int) -> None:
            body = {
                "strategy": "concise",
                "rating": "up" if n % 3 else "down",
                "job_id": job["job_id"],
                "file_id": file_id,
                "pass": 3,  # the default plan: spelling, normalize, concise
                "comment": f"note {n}",
            }
            reply = await client.post("/strategy/feedback", json=body)
            assert reply.status_code == 201, reply.text
            answers.append(reply.json())

        async with anyio.create_task_group() as tg:
            for n in range(300):
                tg.start_soon(post, n)

    stored = stored_lines(folder)
    assert sorted(r["id"] for r in stored) == sorted(a["id"] for a in answers)
    assert len({r["id"] for r in stored}) == 300
    assert all(r["engine"] == "local" and r["pass"] == 3 for r in stored)

    server.stop()
    restarted = make_server(server.workdir)
    async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
        summary = (await client.get("/strategy/feedback/summary")).json()
    (concise,) = [
        s for s in summary["strategies"] if (s["strategy"], s["engine"]) == ("concise", "local")
    ]
    assert concise["count"] == 300
    assert concise["downs"] == 100
    assert concise["ups"] == 200
    assert concise["mean"] == pytest.approx(200 / 300, abs=1e-4)
    assert len(concise["latest_comments"]) == 5
    assert "Bayesian" in summary["score"]


async def test_negative_feedback_moves_a_strategy_down_the_automatic_plan(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        before = (await client.get("/strategies")).json()
        assert before["auto_plan"]["local"] == ["spelling", "normalize", "concise", "plain"]
        for _ in range(5):
            reply = await client.post(
                "/strategy/feedback", json={"strategy": "normalize", "rating": "down"}
            )
            assert reply.status_code == 201
        after = (await client.get("/strategies")).json()
        assert after["auto_plan"]["local"] == ["spelling", "concise", "plain", "normalize"]
        normalize = next(s for s in after["strategies"] if s["name"] == "normalize")
        assert normalize["feedback"]["local"] == 5
        assert normalize["scores"]["local"] < 0.5

        started = await client.post(
            "/refine/run", json={"text": SAMPLE, "passes": 4, "strategies": "auto"}
        )
        job = (await client.get(f"/jobs/{started.json()['job_id']}")).json()
        assert job["strategies"] == ["spelling", "concise", "plain", "normalize"]
        for _ in range(20):  # spelling keeps its place first, however people rate it
            await client.post("/strategy/feedback", json={"strategy": "spelling", "rating": "down"})
        last = (await client.get("/strategies")).json()
        assert last["auto_plan"]["local"][0] == "spelling"


async def test_bad_feedback_is_refused_with_a_reason(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job = await finished_job(client, server)
        job_id, file_id = job["job_id"], job["files"][0]["file_id"]
        cases: list[tuple[dict[str, Any], str]] = [
            ({"strategy": "shout", "rating": "up"}, "unknown strategy"),
            ({"strategy": "plain", "rating": 0}, "rating"),
            ({"strategy": "plain", "rating": 6}, "rating"),
            ({"strategy": "plain", "rating": "meh"}, "rating"),
            ({"strategy": "plain", "rating": "up", "job_id": "job_nope"}, "no job"),
            ({"strategy": "plain", "rating": "up", "file_id": "file_nope"}, "no file"),
            ({"strategy": "plain", "rating": "up", "job_id": job_id, "pass": 9}, "no pass 9"),
            ({"strategy": "plain", "rating": "up", "file_id": file_id, "pass": 1}, "used"),
            ({"strategy": "plain", "rating": "up", "pass": 1}, "job_id"),
            ({"strategy": "plain", "rating": "up", "comment": "x" * 2001}, "comment"),
            ({"strategy": "plain", "rating": "up", "job_id": job_id, "engine": "probe"}, "engine"),
            ({"strategy": "plain", "rating": True}, "rating"),  # no vote, and not one star
            ({"strategy": "plain", "rating": "3"}, "rating"),
            ({"strategy": "plain", "rating": 5.0}, "rating"),
            ({"strategy": "plain", "rating": "up", "engine": "nonsense<b>"}, "unknown engine"),
        ]
        for body, words in cases:
            reply = await client.post("/strategy/feedback", json=body)
            assert reply.status_code == 422, (body, reply.text)
            assert words in reply.json()["detail"], (body, reply.json())


async def test_feedback_on_a_file_names_a_strategy_its_job_ran(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        body = {"text": SAMPLE, "passes": 1, "strategies": ["normalize"]}
        job_id = (await client.post("/refine/run", json=body)).json()["job_id"]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        file_id = (await client.get(f"/jobs/{job_id}")).json()["files"][0]["file_id"]
        for target in ({"job_id": job_id}, {"file_id": file_id}):
            refused = await client.post(
                "/strategy/feedback", json={"strategy": "plain", "rating": "down", **target}
            )
            assert refused.status_code == 422, target
            assert "did not use strategy 'plain'" in refused.json()["detail"]
        taken = await client.post(
            "/strategy/feedback", json={"strategy": "normalize", "rating": 4, "file_id": file_id}
        )
        assert taken.status_code == 201
        assert (taken.json()["job_id"], taken.json()["file_id"]) == (job_id, file_id)


async def test_an_unwritable_feedback_folder_is_a_503_and_nothing_else_breaks(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    # At start an unwritable folder stops the server (tests/test_startup_faults.py);
    # here it stops being writable while the server runs.
    server = make_server()
    await anyio.Path(server.env["REFINER_FEEDBACK_DIR"]).write_text("")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        reply = await client.post("/strategy/feedback", json={"strategy": "plain", "rating": 4})
        assert reply.status_code == 503
        assert "cannot be stored" in reply.json()["detail"]
        assert (await client.get("/strategy/feedback/summary")).status_code == 200
        job = await finished_job(client, server)
        assert job["status"] == "succeeded"
    assert "cannot write feedback" in server.log()


async def test_a_changed_vote_replaces_the_first_and_survives_a_restart(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(tmp_path)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        body = {"text": SAMPLE, "passes": 1, "strategies": ["concise"]}
        job_id = (await client.post("/refine/run", json=body)).json()["job_id"]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        vote = {"strategy": "concise", "job_id": job_id, "pass": 1, "voter": "browser-1"}
        for rating in ("up", "down"):
            answer = await client.post("/strategy/feedback", json={**vote, "rating": rating})
            assert answer.status_code == 201
            assert answer.json()["voter"] == "browser-1"

    async def concise_row(url: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            summary = (await client.get("/strategy/feedback/summary")).json()
        rows: list[dict[str, Any]] = [
            s for s in summary["strategies"] if (s["strategy"], s["engine"]) == ("concise", "local")
        ]
        return rows[0]

    row = await concise_row(server.url)
    assert (row["count"], row["ups"], row["downs"]) == (1, 0, 1)
    server.stop()
    row = await concise_row(make_server(tmp_path).url)
    assert (row["count"], row["ups"], row["downs"]) == (1, 0, 1), "read back from the log"
