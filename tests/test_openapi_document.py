"""The OpenAPI document tells the truth: what the real service answers, status, content type
and body, is what the document says; its limits are the ones the service checks; a 405
names the methods its path really has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.api.analytics import MOMENT_PATTERN
from service.api.answers import Cancelled, JobPage, JobStarted, JobState, Uploaded
from service.api.openapi_document import KEY_REQUIRED
from service.api.views import CURSOR_PATTERN
from service.app import create_app
from service.documents.formats import MEDIA_TYPES
from service.settings import Settings
from tests.support.server import ServerProcess
from tests.support.streams import refine_streamed
from tests.support.texts import SAMPLE

DOCUMENT: dict[str, Any] = create_app(Settings()).openapi()
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# Public: a load balancer asks for it without the key.
PUBLIC = {("get", "/health")}


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


OPERATIONS = list(operations())
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]


def statuses(method: str, path: str) -> set[int]:
    return {int(s) for s in DOCUMENT["paths"][path][method]["responses"]}


def content_types(method: str, path: str, status: int) -> set[str]:
    response = DOCUMENT["paths"][path][method]["responses"][str(status)]
    return set(response.get("content", {}))


def bare(media_type: str) -> str:
    return media_type.partition(";")[0].strip()


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_documents_the_errors_it_can_answer(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    documented = statuses(method, path)
    # The request's own size is checked before any route (service/body_limit.py).
    assert {414, 431} <= documented
    if (method, path) not in PUBLIC:
        assert 401 in documented, "behind the API key"
    if method == "post":
        assert 413 in documented, "every body has a limit"
    if "{" in path:
        assert 404 in documented, "an id that names nothing"
    if operation.get("parameters") or "requestBody" in operation:
        assert 422 in documented, "a parameter or body can be invalid"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_error_is_documented_with_its_detail_and_code(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    for status, response in operation["responses"].items():
        if int(status) < 400 or (method, path) in PUBLIC:
            continue
        schema = resolve(response["content"]["application/json"]["schema"])
        assert {"detail", "code"} <= set(schema["required"]), (status, schema)


def test_the_downloads_document_their_content_types() -> None:
    assert content_types("get", "/jobs/{job_id}/output", 200) == {
        bare(MEDIA_TYPES[fmt]) for fmt in ("txt", "md", "docx")
    }
    assert content_types("get", "/refine/diff", 200) == {
        "application/json",
        "text/plain",
        "text/html",
        bare(MEDIA_TYPES["docx"]),
    }
    assert content_types("post", "/refine/run", 202) == {"application/json", "text/event-stream"}
    assert content_types("get", "/metrics", 200) == {"text/plain"}


def parameter(method: str, path: str, name: str) -> dict[str, Any]:
    for found in DOCUMENT["paths"][path][method]["parameters"]:
        if found["name"] == name:
            return dict(found)
    raise AssertionError(f"{method} {path} has no parameter {name}")


def test_the_limits_the_service_checks_are_in_the_schema() -> None:
    cursor = parameter("get", "/jobs", "cursor")["schema"]["anyOf"][0]
    assert cursor["pattern"] == CURSOR_PATTERN
    since = parameter("get", "/analytics/summary", "since")
    assert since["schema"]["pattern"] == MOMENT_PATTERN
    description = DOCUMENT["paths"]["/analytics/summary"]["get"]["description"]
    assert "``since`` must come before ``until``" in description
    body = DOCUMENT["components"]["schemas"]["RefineRequest"]["properties"]
    assert body["engine"]["enum"] == ["local", "openai", "probe", None]
    assert body["strategies"]["anyOf"][0]["minItems"] == 1
    assert body["passes"]["maximum"] == 10
    name = DOCUMENT["components"]["schemas"]["FileInput"]["properties"]["name"]
    assert re.fullmatch(name["pattern"], "notes.Md")
    assert not re.fullmatch(name["pattern"], "notes.docx")


@pytest.mark.parametrize(
    "moment", ["0001-01-01", "2024-02-29T23:59:59.123456+14:00", "-12.5", "2000-01-01T00:00Z"]
)
def test_the_moment_pattern_takes_moments(moment: str) -> None:
    assert re.fullmatch(MOMENT_PATTERN, moment)


@pytest.mark.parametrize("moment", ["2023-02-29", "0000-01-01", "1e5", "2024-13-01", "nan"])
def test_the_moment_pattern_refuses_what_is_no_moment(moment: str) -> None:
    assert not re.fullmatch(MOMENT_PATTERN, moment)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(
        tmp_path_factory.mktemp("document"),
        BACKEND_API_KEY="k" * 20,
        REFINER_MAX_UPLOAD_BYTES="2048",
    ) as server:
        yield server


@pytest.fixture
async def client(guarded: ServerProcess) -> Any:
    headers = {"X-API-Key": "k" * 20}
    async with httpx.AsyncClient(base_url=guarded.url, headers=headers, timeout=30) as c:
        yield c


def assert_documented(reply: httpx.Response, method: str, path: str) -> None:
    """The answer's status and content type are among those the document gives it."""
    assert reply.status_code in statuses(method, path), (method, path, reply.status_code)
    media_type = bare(reply.headers.get("content-type", ""))
    if media_type:
        assert media_type in content_types(method, path, reply.status_code), (path, media_type)
    if reply.status_code >= 400:
        assert {"detail", "code"} <= set(reply.json())


async def test_the_served_document_says_the_key_is_needed(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    assert served["security"] == KEY_REQUIRED
    assert served["paths"]["/health"]["get"]["security"] == []
    events = served["paths"]["/jobs/{job_id}/events"]["get"]["security"]
    assert {"ApiKeyQuery": []} in events
    assert set(served["components"]["securitySchemes"]) == {"ApiKey", "Bearer", "ApiKeyQuery"}
    assert "security" not in DOCUMENT, "without a key, nothing is required"


async def test_answers_are_documented(client: httpx.AsyncClient, guarded: ServerProcess) -> None:
    reply = await client.get("/jobs/job_nothing")
    assert reply.status_code == 404
    assert_documented(reply, "get", "/jobs/{job_id}")
    assert_documented(await client.get("/jobs/job_nothing/output"), "get", "/jobs/{job_id}/output")
    async with httpx.AsyncClient(base_url=guarded.url, timeout=30) as keyless:
        refused = await keyless.get("/jobs")
    assert refused.status_code == 401
    assert_documented(refused, "get", "/jobs")

    envelopes = await refine_streamed(client, {"text": SAMPLE, "passes": 2})
    job_id = envelopes[0]["job_id"]
    file_id = (await client.get(f"/jobs/{job_id}")).json()["files"][0]["file_id"]
    cancel = await client.post(f"/jobs/{job_id}/cancel")
    assert cancel.status_code == 409, "a finished job has nothing to cancel"
    assert_documented(cancel, "post", "/jobs/{job_id}/cancel")

    for fmt in ("txt", "md", "docx"):
        reply = await client.get(f"/jobs/{job_id}/output", params={"format": fmt})
        assert reply.status_code == 200
        assert_documented(reply, "get", "/jobs/{job_id}/output")
    for fmt in ("json", "unified", "html", "docx"):
        reply = await client.get("/refine/diff", params={"fileId": file_id, "format": fmt})
        assert reply.status_code == 200
        assert_documented(reply, "get", "/refine/diff")

    upload = await client.post("/files", files={"file": ("big.txt", b"word " * 1000)})
    assert upload.status_code == 413
    assert_documented(upload, "post", "/files")
    unknown = await client.post("/files", files={"file": ("a.pdf", b"%PDF")})
    assert unknown.status_code == 415
    assert_documented(unknown, "post", "/files")

    backwards = await client.get("/analytics/summary", params={"since": "2001", "until": "2000"})
    assert backwards.status_code == 422
    assert_documented(backwards, "get", "/analytics/summary")


async def test_short_answers_have_their_documented_shape(client: httpx.AsyncClient) -> None:
    for _ in range(2):  # two jobs at least: a page of one has a next cursor
        started = await client.post("/refine/run", json={"text": SAMPLE, "passes": 1})
        assert_documented(started, "post", "/refine/run")
    job_id = JobStarted.model_validate(started.json()).job_id
    JobState.model_validate((await client.get(f"/jobs/{job_id}/status")).json())
    page = JobPage.model_validate((await client.get("/jobs", params={"limit": 1})).json())
    assert page.next_cursor is not None
    after = await client.get("/jobs", params={"limit": 1, "cursor": page.next_cursor})
    assert after.status_code == 200, "a cursor the service gave out fits its pattern"
    cancel = await client.post(f"/jobs/{job_id}/cancel")
    if cancel.status_code == 200:
        Cancelled.model_validate(cancel.json())
    upload = await client.post("/files", files={"file": ("a.md", b"# A title\n\nSome text.")})
    assert upload.status_code == 201
    Uploaded.model_validate(upload.json())


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("PUT", "/jobs/job_x", "/jobs/{job_id}"),
        ("OPTIONS", "/jobs/job_x", "/jobs/{job_id}"),
        ("GET", "/jobs/job_x/cancel", "/jobs/{job_id}/cancel"),
        ("DELETE", "/jobs", "/jobs"),
        ("GET", "/refine/run", "/refine/run"),
        ("POST", "/health", "/health"),
    ],
)
async def test_a_405_names_every_method_of_its_path(
    client: httpx.AsyncClient, method: str, path: str, template: str
) -> None:
    reply = await client.request(method, path)
    assert reply.status_code == 405
    allowed = {m.strip() for m in reply.headers["allow"].split(",")}
    documented = {m.upper() for m in DOCUMENT["paths"][template] if m in HTTP_METHODS}
    assert allowed == documented
    assert {"detail", "code"} <= set(reply.json())
