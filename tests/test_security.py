"""With an API key set, every route refuses a missing or wrong key, and the key never leaks."""

from __future__ import annotations

import json
import re
import socket
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from service.app import create_app
from service.settings import Settings
from tests.support.server import ServerProcess

KEY = "k3y-that-must-not-leak-0123456789"
PUBLIC = {"/health", "/", "/static/{path:path}"}


def every_route() -> tuple[list[tuple[str, str]], list[str]]:
    """(method, path) of every HTTP route, and every WebSocket path, ids filled in."""
    app = create_app(Settings())
    http, sockets = [], []
    routes: list[object] = []
    for included in app.routes:
        # FastAPI keeps each included router whole; its routes are the ones served.
        inner = getattr(included, "original_router", None)
        routes += inner.routes if inner is not None else [included]
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "x", getattr(route, "path", ""))
        if isinstance(route, APIRoute) and route.path not in PUBLIC:
            http += [(method, path) for method in sorted((route.methods or set()) - {"HEAD"})]
        elif isinstance(route, WebSocketRoute):
            sockets.append(path)
    return http, sockets


HTTP_ROUTES, WEBSOCKET_ROUTES = every_route()


def test_the_route_list_covers_what_matters() -> None:
    paths = {path for _, path in HTTP_ROUTES}
    assert {"/metrics", "/jobs/x/output", "/jobs/x/events", "/openapi.json"} <= paths
    assert set(WEBSOCKET_ROUTES) == {"/ws", "/ws/progress/x"}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("guarded"), BACKEND_API_KEY=KEY) as server:
        yield server


@pytest.mark.parametrize(("method", "path"), HTTP_ROUTES)
async def test_every_http_route_refuses_a_missing_or_wrong_key(
    guarded: ServerProcess, method: str, path: str
) -> None:
    async with httpx.AsyncClient(base_url=guarded.url, timeout=30) as client:
        for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": f"Bearer {KEY[:-1]}"}):
            reply = await client.request(method, path, headers=headers)
            assert reply.status_code == 401, (method, path, headers, reply.text)
            assert "wrong" not in reply.text
            assert KEY[:-1] not in reply.text
        query = await client.request(method, f"{path}?api_key=wrong")
        assert query.status_code == 401


@pytest.mark.parametrize("path", WEBSOCKET_ROUTES)
async def test_every_websocket_route_refuses_a_missing_or_wrong_key(
    guarded: ServerProcess, path: str
) -> None:
    for suffix in ("", "?api_key=wrong"):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{guarded.ws_url}{path}{suffix}", compression=None):
                pass
        response = refused.value.response
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert json.loads(response.body) == {
            "detail": "a valid API key is required (X-API-Key, Authorization: Bearer or ?api_key=)",
            "code": "unauthorized",
        }


async def test_the_key_appears_in_no_answer_metric_or_log(guarded: ServerProcess) -> None:
    headers = {"X-API-Key": KEY}
    async with httpx.AsyncClient(base_url=guarded.url, timeout=30, headers=headers) as client:
        started = await client.post("/refine/run", json={"text": "We utilize tools.", "passes": 1})
        job_id = started.json()["job_id"]
        answers = [
            await client.get(f"/jobs/{job_id}"),
            await client.get("/metrics"),
            await client.get("/analytics/summary"),
            await client.get("/openapi.json"),
            await client.post("/refine/run", json={"text": ""}),
            await client.get("/jobs/nope"),
        ]
        events = await client.get(f"/jobs/{job_id}/events")
    for answer in [*answers, events]:
        assert KEY not in answer.text
    assert KEY not in guarded.log()


WRONG = "wrong-k3y-that-must-not-leak-either-42"


@pytest.mark.parametrize(
    "command",
    [["-m", "service"], ["-m", "uvicorn", "service.app:app"]],
    ids=["python -m service", "uvicorn service.app:app"],
)
async def test_no_key_from_a_query_string_reaches_the_log(
    make_server: Callable[..., ServerProcess], command: list[str]
) -> None:
    """The editor page sends the key as ?api_key= on every stream: none may be logged."""
    server = make_server(
        command=[sys.executable, *command], BACKEND_API_KEY=KEY, REFINER_LOG_LEVEL="info"
    )
    headers = {"X-API-Key": KEY}
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=headers) as client:
        started = await client.post("/refine/run", json={"text": "We utilize tools.", "passes": 1})
        job_id = started.json()["job_id"]
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as bare:
            for key, status in ((KEY, 200), (WRONG, 401)):
                events = await bare.get(f"/jobs/{job_id}/events?after=0&api_key={key}")
                assert events.status_code == status
    for path in (f"/ws/progress/{job_id}", "/ws"):
        for query in (f"?api_key={KEY}", f"?x=1&api%5Fkey={KEY}"):
            async with connect(f"{server.ws_url}{path}{query}", compression=None):
                pass
        with pytest.raises(InvalidStatus):
            async with connect(f"{server.ws_url}{path}?api_key={WRONG}", compression=None):
                pass
    server.stop()
    log = server.log()
    assert KEY not in log
    assert WRONG not in log
    assert f"/jobs/{job_id}/events?after=0&api_key=[redacted]" in log
    assert f"/ws/progress/{job_id}?api_key=[redacted]" in log
    assert "/ws?x=1&api%5Fkey=[redacted]" in log


def status_of_raw(server: ServerProcess, head: str) -> int:
    """The status of a request sent as written, spaces and all (httpx trims them)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("field", [f"X-API-Key: {KEY}", f"Authorization: Bearer {KEY}"])
@pytest.mark.parametrize("spaces", [("", "   "), ("  ", "\t "), ("\t", "")])
def test_both_key_headers_are_trimmed_alike(
    guarded: ServerProcess, field: str, spaces: tuple[str, str]
) -> None:
    name, _, value = field.partition(": ")
    before, after = spaces
    head = f"GET /jobs HTTP/1.1\r\nHost: x\r\n{name}:{before} {value}{after}\r\n"
    assert status_of_raw(guarded, head) == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=zz", b"--zz\r\nthis is not a part\r\n--zz"),
        ("multipart/form-data", b"no boundary at all"),
        (
            "multipart/form-data; boundary=zz",
            b"--zz\r\nContent-Disposition: form-data; name=file; filename=big.txt\r\n\r\n"
            + b"a" * (11 * 1024 * 1024)
            + b"\r\n--zz--\r\n",
        ),
    ],
    ids=["malformed", "no-boundary", "over-the-upload-limit"],
)
async def test_an_upload_without_the_key_is_refused_before_its_body_is_read(
    guarded: ServerProcess, content_type: str, body: bytes
) -> None:
    async with httpx.AsyncClient(base_url=guarded.url, timeout=30) as client:
        for path in ("/files", "/refine/run"):
            reply = await client.post(path, content=body, headers={"Content-Type": content_type})
            assert reply.status_code == 401, (path, reply.text)
            assert reply.json()["code"] == "unauthorized"


async def test_answers_carry_security_headers(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for path in ("/jobs", "/nope", "/health"):
            reply = await client.get(path)
            assert reply.headers["x-content-type-options"] == "nosniff"
            assert reply.headers["x-frame-options"] == "DENY"
            assert reply.headers["referrer-policy"] == "no-referrer"
            assert "default-src 'none'" in reply.headers["content-security-policy"]
            assert reply.headers["cache-control"] == "no-store"
        page = await client.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_openapi_document_is_complete() -> None:
    document = create_app(Settings()).openapi()
    body = document["paths"]["/refine/run"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/RefineRequest"}
    assert "RefineRequest" in document["components"]["schemas"]
