"""A job's life over HTTP against the real server: run, watch, read, diff, download."""

from __future__ import annotations

import anyio
import httpx
from websockets.asyncio.client import connect

from tests.support.server import ServerProcess
from tests.support.streams import collect_sse, collect_ws, flatten, refine_streamed, types
from tests.support.texts import SAMPLE

PASS_METRICS = {
    "words",
    "sentences",
    "avg_sentence_words",
    "flesch_reading_ease",
    "grade_level",
    "changed_ratio",
    "duration_ms",
}


async def test_three_pass_job_streams_from_request_to_stream_end(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        envelopes, ids = await collect_sse(
            client,
            "/refine/run",
            method="POST",
            headers={"Accept": "text/event-stream"},
            # A typo, so that the default plan's first pass (spelling) changes something too.
            json_body={
                "text": SAMPLE.replace("commence", "comence"),
                "passes": 3,
                "name": "sample.md",
            },
        )
        assert types(envelopes) == [
            "job_queued",
            "job_started",
            *["pass_started", "pass_complete"] * 3,
            "done",
            "stream_end",
        ]
        job_id = envelopes[0]["job_id"]
        assert all(e["job_id"] == job_id for e in envelopes)
        assert [e["seq"] for e in envelopes] == list(range(1, len(envelopes) + 1))
        durable_ids = [
            i for e, i in zip(envelopes, ids, strict=True) if e["type"] != "pass_progress"
        ]
        assert durable_ids == [str(e["seq"]) for e in envelopes if e["type"] != "pass_progress"]

        started = next(e for e in envelopes if e["type"] == "job_started")["data"]
        assert started["strategies"] == ["spelling", "normalize", "concise"]
        assert started["engine"] == "local"
        completes = [e["data"] for e in envelopes if e["type"] == "pass_complete"]
        assert [c["pass"] for c in completes] == [1, 2, 3]
        assert all(c["changed"] for c in completes)
        assert all(set(c["metrics"]) >= PASS_METRICS for c in completes)
        file_id = completes[0]["file_id"]

        job = (await client.get(f"/jobs/{job_id}")).json()
        assert job["status"] == "succeeded"
        assert [t["status"] for t in job["transitions"]] == ["queued", "running", "succeeded"]
        assert job["last_seq"] == envelopes[-1]["seq"]
        assert [p["pass"] for p in job["files"][0]["passes"]] == [0, 1, 2, 3]

        final = (await client.get(f"/files/{file_id}/versions/3")).json()
        assert "comence" not in final["text"]  # spelling; plain comes fourth in the plan
        assert "in order to" not in final["text"]
        assert "the the" not in final["text"]
        assert final["text"].count("\n") == SAMPLE.count("\n")
        assert final["edits"], "every change is explained"
        edit = final["edits"][0]
        assert {"rule", "category", "start", "end", "before", "after", "reason"} <= set(edit)

        download = await client.get(f"/jobs/{job_id}/output", params={"file_id": file_id})
        assert download.status_code == 200
        assert download.text == final["text"]
        assert "sample.refined.md" in download.headers["content-disposition"]


async def test_a_finished_download_is_the_file_the_job_wrote_else_made_again(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        body = {"text": SAMPLE, "passes": 2, "name": "notes.md"}
        envelopes = await refine_streamed(client, body)
        job_id = envelopes[0]["job_id"]
        file_id = envelopes[1]["data"]["files"][0]["file_id"]
        written = server.workdir / "output" / job_id / f"{file_id}.md"
        final = (await client.get(f"/files/{file_id}/versions/2")).json()["text"]
        assert written.read_text() == final

        # The download is read from that file, not made again...
        written.write_text(final + "\n(annotated on disk)")
        served = await client.get(f"/jobs/{job_id}/output")
        assert served.text.endswith("(annotated on disk)")
        assert "notes.refined.md" in served.headers["content-disposition"]
        # ...other formats are rendered from the stored version...
        as_text = await client.get(f"/jobs/{job_id}/output", params={"format": "txt"})
        assert as_text.status_code == 200
        assert "(annotated" not in as_text.text
        # ...and without the file, the document is made again from the version.
        written.unlink()
        remade = await client.get(f"/jobs/{job_id}/output")
        assert remade.status_code == 200
        assert remade.text == final


async def test_an_unfinished_jobs_download_is_made_from_its_versions(
    server: ServerProcess,
) -> None:
    """A job stopped halfway has written its first document's file, yet that file is
    only served once the job has succeeded."""
    files = [{"name": "a.md", "text": "First text."}, {"name": "b.md", "text": "Second text."}]
    body = {"files": files, "engine": "probe", "events": 40, "rate": 20, "passes": 1}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json=body)).json()["job_id"]
        started: list[str] = []
        with anyio.fail_after(30):
            async with connect(f"{server.ws_url}/ws/progress/{job_id}") as ws:
                async for frame in ws:
                    started += [
                        e["data"]["file_id"] for e in flatten(frame) if e["type"] == "pass_started"
                    ]
                    if len(started) == 2:
                        break
        assert (await client.post(f"/jobs/{job_id}/cancel")).json()["status"] == "cancelled"
        written = server.workdir / "output" / job_id / f"{started[0]}.md"
        assert written.read_text() == "First text."
        written.write_text("(annotated on disk)")

        served = await client.get(f"/jobs/{job_id}/output", params={"file_id": started[0]})
        assert served.status_code == 200
        assert served.text == "First text."


async def test_diff_between_any_two_passes(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        started = await client.post("/refine/run", json={"text": SAMPLE, "passes": 3})
        assert started.status_code == 202
        job_id = started.json()["job_id"]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        file_id = (await client.get(f"/jobs/{job_id}")).json()["files"][0]["file_id"]

        original = (await client.get(f"/files/{file_id}/versions/0")).json()["text"]
        final = (await client.get(f"/files/{file_id}/versions/3")).json()["text"]
        assert original == SAMPLE

        diff = (
            await client.get("/refine/diff", params={"fileId": file_id, "fromPass": 0, "toPass": 3})
        ).json()
        ops = diff["ops"]
        assert "".join(o["text"] for o in ops if o["op"] != "insert") == original
        assert "".join(o["text"] for o in ops if o["op"] != "delete") == final
        assert diff["stats"]["inserted_words"] > 0
        assert diff["stats"]["deleted_words"] > 0

        unified = await client.get(
            "/refine/diff",
            params={"fileId": file_id, "fromPass": 1, "toPass": 2, "format": "unified"},
        )
        assert unified.headers["content-type"].startswith("text/plain")
        assert unified.text.startswith("---")

        html = await client.get(
            "/refine/diff", params={"fileId": file_id, "fromPass": 0, "toPass": 3, "format": "html"}
        )
        assert "<ins>" in html.text
        assert "<del>" in html.text


async def test_upload_then_refine_by_file_id(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        uploaded = await client.post(
            "/files", files={"file": ("notes.md", SAMPLE.encode(), "text/markdown")}
        )
        assert uploaded.status_code == 201
        upload = uploaded.json()
        assert upload["format"] == "md"
        assert upload["bytes"] == len(SAMPLE.encode())
        assert upload["words"] > 10

        started = await client.post(
            "/refine/run",
            json={"file_ids": [upload["file_id"]], "passes": 2, "strategies": ["plain"]},
        )
        job_id = started.json()["job_id"]
        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        assert types(envelopes)[-2:] == ["done", "stream_end"]
        job = (await client.get(f"/jobs/{job_id}")).json()
        assert job["strategies"] == ["plain", "plain"]
        document = job["files"][0]
        assert document["name"] == "notes.md"
        assert document["upload_id"] == upload["file_id"]
        # The second plain pass changes nothing, so the document settles after it.
        assert [p["changed"] for p in document["passes"][1:]] == [True, False]
        assert job["outputs"][0]["format"] == "md"


async def test_two_jobs_at_once_each_get_their_own_complete_stream(server: ServerProcess) -> None:
    results: dict[int, list[dict[str, object]]] = {}

    async def run(index: int, client: httpx.AsyncClient) -> None:
        envelopes = await refine_streamed(
            client, {"text": f"Document {index}. " + SAMPLE, "passes": 3}
        )
        results[index] = envelopes

    async with (
        httpx.AsyncClient(base_url=server.url, timeout=30) as client,
        anyio.create_task_group() as tg,
    ):
        for index in range(2):
            tg.start_soon(run, index, client)

    job_ids = {results[i][0]["job_id"] for i in range(2)}
    assert len(job_ids) == 2
    for envelopes in results.values():
        assert [e["seq"] for e in envelopes] == list(range(1, len(envelopes) + 1))
        assert types(envelopes)[-2:] == ["done", "stream_end"]


async def test_idempotency_key_returns_the_same_job(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        headers = {"Idempotency-Key": "key-for-one-job-1"}
        first = await client.post("/refine/run", json={"text": SAMPLE}, headers=headers)
        second = await client.post("/refine/run", json={"text": SAMPLE}, headers=headers)
        assert first.status_code == 202
        # Nothing new was accepted: the answer is the job the first request started.
        assert second.status_code == 200
        assert first.json()["job_id"] == second.json()["job_id"]
        assert second.headers["Location"] == first.headers["Location"]
        listed = (await client.get("/jobs", params={"limit": 100})).json()["jobs"]
        assert [j["job_id"] for j in listed].count(first.json()["job_id"]) == 1
        answers = (await client.get("/openapi.json")).json()["paths"]["/refine/run"]["post"]
        assert "nothing new was accepted" in answers["responses"]["200"]["description"]


async def test_jobs_list_is_newest_first_filtered_and_paginated(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        made = []
        for i in range(3):
            reply = await client.post(
                "/refine/run", json={"text": f"Text {i}. " + SAMPLE, "passes": 1}
            )
            made.append(reply.json()["job_id"])
            await collect_ws(f"{server.ws_url}/ws/progress/{made[-1]}")

        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 2, "status": "succeeded"}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/jobs", params=params)).json()
            assert len(page["jobs"]) <= 2
            assert all(j["status"] == "succeeded" for j in page["jobs"])
            seen.extend(j["job_id"] for j in page["jobs"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        newest_three = [j for j in seen if j in made]
        assert newest_three == list(reversed(made))


async def test_delete_removes_a_finished_job_and_its_data(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 1})).json()[
            "job_id"
        ]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        file_id = (await client.get(f"/jobs/{job_id}")).json()["files"][0]["file_id"]

        assert (await client.delete(f"/jobs/{job_id}")).status_code == 204
        assert (await client.get(f"/jobs/{job_id}")).status_code == 404
        assert (await client.get(f"/files/{file_id}/versions")).status_code == 404
        assert (await client.delete(f"/jobs/{job_id}")).status_code == 404


async def test_strategies_catalogue_describes_each_strategy(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        catalogue = (await client.get("/strategies")).json()
        engines = {s["name"]: s["engines"] for s in catalogue["strategies"]}
        assert list(engines)[:4] == ["spelling", "normalize", "concise", "plain"]
        assert all(engines[n] == ["local"] for n in ("spelling", "normalize", "concise", "plain"))
        assert engines["probe"] == ["probe"]
        assert all(s["description"] for s in catalogue["strategies"])
        assert catalogue["default_plan"]["local"] == ["spelling", "normalize", "concise", "plain"]
        rules = {r["strategy"] for r in catalogue["rules"]}
        assert rules == {"spelling", "normalize", "concise", "plain"}
