"""Bad input gets a 4xx whose detail says what was wrong, and nothing stored is touched."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.support.server import ServerProcess
from tests.support.streams import collect_ws
from tests.support.texts import SAMPLE

BAD_RUNS: list[tuple[str, dict[str, Any], int, str]] = [
    ("empty text", {"text": "   \n"}, 422, "empty"),
    ("no document", {"passes": 2}, 422, "nothing to refine"),
    ("zero passes", {"text": SAMPLE, "passes": 0}, 422, "passes"),
    ("too many passes", {"text": SAMPLE, "passes": 11}, 422, "passes"),
    ("unknown strategy", {"text": SAMPLE, "strategies": ["shout"]}, 422, "normalize"),
    ("empty strategies", {"text": SAMPLE, "strategies": []}, 422, "strategies"),
    ("unknown engine", {"text": SAMPLE, "engine": "magic"}, 422, "known engines"),
    ("unknown rule", {"text": SAMPLE, "rules": {"disable": ["no.such.rule"]}}, 422, "no.such.rule"),
    ("unknown field", {"text": SAMPLE, "colour": "blue"}, 422, "colour"),
    ("wrong type", {"text": SAMPLE, "passes": "three"}, 422, "passes"),
    ("file of another type", {"files": [{"name": "a.pdf", "text": "x"}]}, 422, ".pdf"),
    ("unknown file id", {"file_ids": ["upload_0000"]}, 404, "upload_0000"),
]


CRAFTED_CURSORS = [
    b"[1" + b"0" * 321 + b', "x"]',  # past float's range
    rb'[1, "\ud800"]',  # a lone surrogate as the job id
    b'[true, "x"]',
    b'[NaN, "x"]',
]


def cursor(raw: bytes) -> str:
    """A crafted ``/jobs`` cursor: base64url of ``raw``, as the service's own are made."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
async def client(server: ServerProcess) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
        yield c


@pytest.mark.parametrize(
    ("case", "body", "status", "words"), BAD_RUNS, ids=[c[0] for c in BAD_RUNS]
)
async def test_bad_refine_requests_are_refused_with_a_reason(
    client: httpx.AsyncClient, case: str, body: dict[str, Any], status: int, words: str
) -> None:
    reply = await client.post("/refine/run", json=body)
    assert reply.status_code == status, reply.text
    answer = reply.json()
    assert words in answer["detail"]
    assert answer["code"]


async def test_malformed_json_is_refused(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/refine/run", content=b'{"text": "a', headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 422
    assert "not valid JSON" in reply.json()["detail"]


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    huge = "word " * (3 * 1024 * 1024)
    reply = await client.post("/refine/run", json={"text": huge})
    assert reply.status_code == 413
    assert "limit" in reply.json()["detail"]


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("report.pdf", b"%PDF-1.4", 415, ".pdf"),
        ("notes", b"hello", 415, "no extension"),
        ("binary.txt", b"abc\x00def", 422, "binary"),
        ("latin1.txt", "caf\u00e9".encode("latin-1"), 422, "UTF-8"),
        ("blank.md", b"  \n\n ", 422, "no text"),
    ],
)
async def test_bad_uploads_are_refused(
    client: httpx.AsyncClient, name: str, data: bytes, status: int, words: str
) -> None:
    reply = await client.post("/files", files={"file": (name, data, "application/octet-stream")})
    assert reply.status_code == status, reply.text
    assert words in reply.json()["detail"]


async def test_two_files_in_one_upload_are_refused_not_one_dropped(
    client: httpx.AsyncClient,
) -> None:
    two = [
        ("file", ("a.txt", b"First.", "text/plain")),
        ("file", ("b.txt", b"Second.", "text/plain")),
    ]
    reply = await client.post("/files", files=two)
    assert reply.status_code == 422
    assert "one file per upload" in reply.json()["detail"]


async def test_a_multipart_type_in_capitals_is_still_multipart(client: httpx.AsyncClient) -> None:
    request = client.build_request(
        "POST", "/refine/run", files={"file": ("a.txt", b"We utilize it.", "text/plain")}
    )
    content_type = request.headers["content-type"]
    request.headers["content-type"] = content_type.replace(
        "multipart/form-data", "Multipart/Form-Data"
    )
    reply = await client.send(request)
    assert reply.status_code == 202, reply.text


async def test_an_upload_without_a_file_is_refused(client: httpx.AsyncClient) -> None:
    reply = await client.post("/files", data={"note": "no file here"})
    assert reply.status_code == 422
    assert "file" in reply.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/job_missing",
        "/jobs/job_missing/status",
        "/jobs/job_missing/output",
        "/files/file_missing/versions",
        "/files/file_missing/versions/1",
        "/refine/diff?fileId=file_missing",
    ],
)
async def test_unknown_ids_are_404(client: httpx.AsyncClient, path: str) -> None:
    reply = await client.get(path)
    assert reply.status_code == 404
    assert "missing" in reply.json()["detail"]


@pytest.mark.parametrize("verb", ["cancel", "resume"])
async def test_commands_for_unknown_jobs_are_404(client: httpx.AsyncClient, verb: str) -> None:
    reply = await client.post(f"/jobs/job_missing/{verb}")
    assert reply.status_code == 404


async def test_bad_queries_are_refused_and_stored_data_is_untouched(
    client: httpx.AsyncClient, server: ServerProcess
) -> None:
    job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 2})).json()["job_id"]
    await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    before = (await client.get(f"/jobs/{job_id}")).json()
    file_id = before["files"][0]["file_id"]

    checks = [
        ("/jobs?cursor=not-a-cursor", 422, "cursor"),
        *(("/jobs?cursor=" + cursor(raw), 422, "cursor") for raw in CRAFTED_CURSORS),
        (f"/jobs/{job_id}/events?after=99999999999999999999999", 422, "after"),
        ("/jobs?limit=0", 422, "limit"),
        ("/jobs?status=sleeping", 422, "status"),
        (f"/refine/diff?fileId={file_id}&fromPass=0&toPass=7", 404, "no pass 7"),
        (f"/refine/diff?fileId={file_id}&format=pdf", 422, "format"),
        (f"/files/{file_id}/versions/-1", 422, "pass_number"),
        (f"/jobs/{job_id}/output?format=exe", 422, "format"),
        (f"/jobs/{job_id}/output?file_id=../../etc/passwd", 404, "no document"),
    ]
    for path, status, words in checks:
        reply = await client.get(path)
        assert reply.status_code == status, (path, reply.text)
        assert words in reply.json()["detail"], path

    # A Last-Event-ID that is not a seq ("¹²" passes str.isdigit()) is not a cursor.
    superscripts = "\u00b9\u00b2".encode("latin-1")  # as a header carries them
    replay = await client.get(f"/jobs/{job_id}/events", headers={b"Last-Event-ID": superscripts})
    assert replay.status_code == 200
    assert "event: stream_end" in replay.text

    conflict = await client.post(f"/jobs/{job_id}/resume")
    assert conflict.status_code == 409
    assert "succeeded" in conflict.json()["detail"]

    after = (await client.get(f"/jobs/{job_id}")).json()
    assert after == before


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "99999999999999999999999"])
async def test_a_bad_websocket_cursor_is_refused_at_the_handshake(
    client: httpx.AsyncClient, server: ServerProcess, after: str
) -> None:
    job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 1})).json()["job_id"]
    with pytest.raises(InvalidStatus) as refused:
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after={after}")
    response = refused.value.response
    assert response.status_code == 400
    refusal = json.loads(response.body)
    assert "after must be the seq" in refusal["detail"]
    assert refusal["code"] == "invalid_request"
    envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after=0")
    assert envelopes[-1]["type"] == "stream_end", "the job is untouched"
