"""Hostile requests get a 4xx and leave the server as it was."""

from __future__ import annotations

import httpx
import pytest

from tests.support.docx_samples import sample_docx
from tests.support.server import ServerProcess

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def healthy(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200


async def test_truncated_and_malformed_uploads_are_refused(server: ServerProcess) -> None:
    whole = sample_docx()
    cases = {
        "half.docx": whole[: len(whole) // 2],
        "tail.docx": whole[len(whole) // 2 :],
        "empty.docx": b"",
        "text.docx": b"PK\x03\x04 but not really a zip",
        "bad.md": b"\xff\xfe\x00\x00",
    }
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for name, data in cases.items():
            reply = await client.post("/files", files={"file": (name, data, DOCX)})
            assert reply.status_code == 422, (name, reply.text)
            assert reply.json()["detail"]
        await healthy(client)


async def test_an_upload_over_the_limit_is_413(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        huge = b"word " * (3 * 1024 * 1024)
        reply = await client.post("/files", files={"file": ("huge.txt", huge, "text/plain")})
        assert reply.status_code == 413
        await healthy(client)


@pytest.mark.parametrize("size", [16 * 1024, 60 * 1024])
async def test_over_long_headers_and_urls_are_refused(server: ServerProcess, size: int) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for request in (
            client.build_request("GET", "/jobs", headers={"X-Padding": "x" * size * 8}),
            client.build_request("GET", "/jobs/" + "a" * size),
        ):
            try:
                reply = await client.send(request)
            except httpx.RemoteProtocolError:
                pass  # the server closed the connection: refused, and still standing
            else:
                assert 400 <= reply.status_code < 500, reply.status_code
        await healthy(client)


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/..%2F..%2Fetc%2Fpasswd",
        "/jobs/%2e%2e/%2e%2e/etc/passwd/status",
        "/files/..%2Fdata%2Frefiner.sqlite3/versions",
        "/files/%00/versions/1",
        "/jobs/x/output?file_id=%2Fetc%2Fpasswd",
        "/refine/diff?fileId=..%2F..%2Fx",
        "/static/..%2F..%2Fsettings.py",
        "/static/%2e%2e/%2e%2e/service/settings.py",
    ],
)
async def test_path_like_parameters_find_nothing(server: ServerProcess, path: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        reply = await client.get(path)
        assert reply.status_code in (404, 422), (path, reply.status_code)
        assert "import" not in reply.text
        await healthy(client)
