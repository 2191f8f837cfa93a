"""An upload's id stands for the document a job made of it, on every route that takes one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess
from tests.support.streams import collect_ws
from tests.support.texts import SAMPLE


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: the feedback posted here stays out of others' plans."""
    with ServerProcess(tmp_path_factory.mktemp("document-ids")) as proc:
        yield proc


async def upload(client: httpx.AsyncClient, name: str) -> str:
    reply = await client.post("/files", files={"file": (name, SAMPLE.encode(), "text/markdown")})
    assert reply.status_code == 201, reply.text
    upload_id: str = reply.json()["file_id"]
    assert upload_id.startswith("upload_")
    return upload_id


async def refined(
    client: httpx.AsyncClient, server: ServerProcess, file_ids: list[str]
) -> dict[str, Any]:
    """A finished two-pass job of ``file_ids``, as ``GET /jobs/{id}`` shows it."""
    started = await client.post(
        "/refine/run", json={"file_ids": file_ids, "passes": 2, "strategies": ["plain", "concise"]}
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    job: dict[str, Any] = (await client.get(f"/jobs/{job_id}")).json()
    assert job["status"] == "succeeded", job
    return job


async def test_an_upload_id_names_the_one_document_made_of_it_everywhere(
    own_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=own_server.url, timeout=30) as client:
        upload_id = await upload(client, "once.md")
        job = await refined(client, own_server, [upload_id])
        file_id = job["files"][0]["file_id"]
        assert file_id.startswith("file_")

        for path in ("/files/{}/versions", "/files/{}/versions/2"):
            by_upload = await client.get(path.format(upload_id))
            assert by_upload.status_code == 200, by_upload.text
            assert by_upload.json() == (await client.get(path.format(file_id))).json()
        assert (await client.get(f"/files/{upload_id}/versions")).json()["file_id"] == file_id

        for query in ({"fileId": upload_id}, {"file_id": upload_id}):
            diff = await client.get("/refine/diff", params={**query, "toPass": 2})
            assert diff.status_code == 200, diff.text
            assert diff.json()["file_id"] == file_id
        same = await client.get("/refine/diff", params={"fileId": file_id, "toPass": 2})
        assert diff.json() == same.json()

        output = await client.get(f"/jobs/{job['job_id']}/output", params={"file_id": upload_id})
        assert output.status_code == 200, output.text
        by_document = await client.get(f"/jobs/{job['job_id']}/output", params={"file_id": file_id})
        assert output.content == by_document.content

        rated = await client.post(
            "/strategy/feedback",
            json={"strategy": "concise", "rating": "up", "file_id": upload_id, "pass": 2},
        )
        assert rated.status_code == 201, rated.text
        assert rated.json()["file_id"] == file_id
        assert rated.json()["job_id"] == job["job_id"]


async def test_an_upload_two_jobs_refined_is_a_409_that_lists_their_documents(
    own_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=own_server.url, timeout=30) as client:
        upload_id = await upload(client, "twice.md")
        first = await refined(client, own_server, [upload_id])
        second = await refined(client, own_server, [upload_id])
        documents = {job["files"][0]["file_id"] for job in (first, second)}

        for reply in (
            await client.get(f"/files/{upload_id}/versions"),
            await client.get(f"/files/{upload_id}/versions/1"),
            await client.get("/refine/diff", params={"file_id": upload_id}),
            await client.post(
                "/strategy/feedback",
                json={"strategy": "plain", "rating": 4, "file_id": upload_id, "pass": 1},
            ),
        ):
            assert reply.status_code == 409, reply.text
            body = reply.json()
            assert body["code"] == "ambiguous_file_id"
            assert "2 jobs" in body["detail"]
            assert "GET /jobs/{job_id}" in body["detail"]
            assert all(document in body["detail"] for document in documents)
            assert {d["file_id"] for d in body["documents"]} == documents

        # Within one job the upload names one document again.
        for job in (first, second):
            output = await client.get(
                f"/jobs/{job['job_id']}/output", params={"file_id": upload_id}
            )
            assert output.status_code == 200, output.text
            rated = await client.post(
                "/strategy/feedback",
                json={
                    "strategy": "plain",
                    "rating": 4,
                    "job_id": job["job_id"],
                    "file_id": upload_id,
                    "pass": 1,
                },
            )
            assert rated.status_code == 201, rated.text
            assert rated.json()["file_id"] == job["files"][0]["file_id"]


async def test_an_upload_twice_in_one_job_is_a_409_naming_both_documents(
    own_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=own_server.url, timeout=30) as client:
        upload_id = await upload(client, "double.md")
        job = await refined(client, own_server, [upload_id, upload_id])
        reply = await client.get(f"/jobs/{job['job_id']}/output", params={"file_id": upload_id})
        assert reply.status_code == 409, reply.text
        assert reply.json()["code"] == "ambiguous_file_id"
        assert all(f["file_id"] in reply.json()["detail"] for f in job["files"])


async def test_an_upload_no_job_refined_is_a_404_that_says_so(own_server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=own_server.url, timeout=30) as client:
        upload_id = await upload(client, "unused.md")
        reply = await client.get(f"/files/{upload_id}/versions")
        assert reply.status_code == 404
        assert reply.json()["code"] == "file_not_found"
        assert "no job" in reply.json()["detail"]
        missing = await client.get("/files/file_0000/versions")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "no file with id 'file_0000'"


async def test_the_diff_takes_either_spelling_and_refuses_two_that_disagree(
    own_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=own_server.url, timeout=30) as client:
        job = await refined(client, own_server, [await upload(client, "spelled.md")])
        file_id = job["files"][0]["file_id"]
        camel = await client.get(
            "/refine/diff", params={"fileId": file_id, "fromPass": 1, "toPass": 2}
        )
        snake = await client.get(
            "/refine/diff", params={"file_id": file_id, "from_pass": 1, "to_pass": 2}
        )
        assert camel.status_code == snake.status_code == 200, snake.text
        assert camel.json() == snake.json()
        assert (camel.json()["from_pass"], camel.json()["to_pass"]) == (1, 2)
        agreeing = await client.get("/refine/diff", params={"fileId": file_id, "file_id": file_id})
        assert agreeing.status_code == 200, agreeing.text

        for params, words in (
            ({"fileId": file_id, "file_id": "file_other"}, "fileId and file_id"),
            ({"file_id": file_id, "fromPass": 0, "from_pass": 1}, "fromPass and from_pass"),
            ({}, "fileId (or file_id): required"),
        ):
            reply = await client.get("/refine/diff", params=params)
            assert reply.status_code == 422, reply.text
            assert reply.json()["code"] == "invalid_request"
            assert words in reply.json()["detail"]

        document = (await client.get("/openapi.json")).json()
        parameters = {p["name"] for p in document["paths"]["/refine/diff"]["get"]["parameters"]}
        assert {"fileId", "file_id", "fromPass", "from_pass", "toPass", "to_pass"} <= parameters


async def test_a_database_from_before_the_upload_index_is_migrated_and_keeps_its_links(
    make_server: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = make_server(tmp_path / "before")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        upload_id = await upload(client, "kept.md")
        job = await refined(client, server, [upload_id])
    server.__exit__(None, None, None)
    database = tmp_path / "before" / "data" / "refiner.sqlite3"
    with closing(sqlite3.connect(database)) as conn:  # as the previous release left it
        conn.executescript("DROP INDEX documents_by_upload; PRAGMA user_version = 3;")

    restarted = make_server(tmp_path / "before")
    async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
        reply = await client.get(f"/files/{upload_id}/versions")
        assert reply.status_code == 200, reply.text
        assert reply.json()["file_id"] == job["files"][0]["file_id"]
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(documents)")}
        assert "documents_by_upload" in indexes
