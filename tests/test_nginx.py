"""The live streams through a real nginx reverse proxy, configured as in production.

The proxy keeps ``proxy_buffering`` on (tests/support/nginx.py): events must
still arrive one by one while the job runs. Arrival is measured against the
server's own publish times (the envelopes' ``ts``), never against a wall-clock
budget: a buffering proxy delivers a job's events in one burst at the end, so
their arrival spread collapses while their publish spread does not.

``python -m service`` runs uvicorn's httptools protocol, which frames streams
in chunks even for nginx's HTTP/1.0 requests, and a buffering nginx passes
each whole chunk on: through it the streams would flow even without
``X-Accel-Buffering: no``. So the header itself is proved on the service under
uvicorn's h11 protocol, which ends such a stream by closing the connection
instead: there nginx streams with the header and, told to ignore it, holds
every event back until the end.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest
from httpx_sse import aconnect_sse
from websockets.asyncio.client import connect

from tests.support.nginx import NginxProxy, find_nginx
from tests.support.server import ServerProcess
from tests.support.streams import Envelope, collect_sse, durable, flatten, types
from tests.support.texts import long_text

PASSES = 4
SLOW_JOB = {"text": long_text(1000), "passes": PASSES, "stop_when_unchanged": False}

# Arrival spread over publish spread: about 1 when streamed, about 0 when a
# proxy holds everything back until the response ends.
MIN_SPREAD_RATIO = 0.5
# Below this publish spread the job is too quick to tell streaming from
# buffering: a test set-up problem, reported as such.
MIN_PUBLISH_SPREAD = 0.5

Timed = tuple[float, Envelope]


NGINX = find_nginx()
NOT_INSTALLED = "nginx is not installed (apt-get install nginx); .ci/run installs it"

# Skipped at collection, before any server starts.
pytestmark = pytest.mark.skipif(NGINX is None, reason=NOT_INSTALLED)


@pytest.fixture(scope="module")
def nginx_binary() -> str:
    if NGINX is None:
        pytest.skip(NOT_INSTALLED)
    return NGINX


@pytest.fixture(scope="module")
def nginx(
    nginx_binary: str, server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NginxProxy]:
    with NginxProxy(tmp_path_factory.mktemp("nginx"), server.url, binary=nginx_binary) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def close_delimited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The service under uvicorn's h11 protocol: unchunked streams to HTTP/1.0 clients."""
    command = [sys.executable, "-m", "uvicorn", "service.app:app", "--http", "h11"]
    with ServerProcess(tmp_path_factory.mktemp("h11-server"), command=command) as proc:
        yield proc


@pytest.fixture(scope="module")
def nginx_before_h11(
    nginx_binary: str,
    close_delimited_server: ServerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NginxProxy]:
    with NginxProxy(
        tmp_path_factory.mktemp("nginx-h11"), close_delimited_server.url, binary=nginx_binary
    ) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def nginx_ignoring_the_header(
    nginx_binary: str,
    close_delimited_server: ServerProcess,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NginxProxy]:
    """The same proxy told to ignore ``X-Accel-Buffering``, with buffers that hold a whole job."""
    control = (
        "proxy_ignore_headers X-Accel-Buffering;",
        "proxy_buffer_size 64k;",
        "proxy_buffers 8 64k;",
    )
    with NginxProxy(
        tmp_path_factory.mktemp("nginx-control"),
        close_delimited_server.url,
        binary=nginx_binary,
        extra_directives=control,
    ) as proxy:
        yield proxy


async def logged_seqs(server: ServerProcess, job_id: str) -> list[int]:
    """The durable events the server holds for a finished job, read without the proxy."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        envelopes, _ = await collect_sse(client, f"/jobs/{job_id}/events")
    return durable(envelopes)


def assert_complete(envelopes: list[Envelope]) -> None:
    seqs = [e["seq"] for e in envelopes]
    assert seqs[0] == 1
    assert seqs == sorted(set(seqs)), "seq rises, with no repeats"
    assert types(envelopes)[-2:] == ["done", "stream_end"]
    assert [e["data"]["pass"] for e in envelopes if e["type"] == "pass_complete"] == list(
        range(1, PASSES + 1)
    )


def spreads(timed: list[Timed]) -> tuple[float, float]:
    """How far apart the first and last events arrived, and were published."""
    first_arrival, first = timed[0]
    last_arrival, last = timed[-1]
    publish_spread = last["ts"] - first["ts"]
    assert publish_spread >= MIN_PUBLISH_SPREAD, (
        f"the job published everything within {publish_spread:.3f}s: make SLOW_JOB longer"
    )
    return last_arrival - first_arrival, publish_spread


def assert_incremental(timed: list[Timed]) -> None:
    """The events arrived spread out like they were published, not in one burst."""
    arrival_spread, publish_spread = spreads(timed)
    measured = f"arrival spread {arrival_spread:.3f}s, publish spread {publish_spread:.3f}s"
    assert arrival_spread >= MIN_SPREAD_RATIO * publish_spread, measured
    last_arrival, last = timed[-1]

    pass_arrival, pass_complete = next((t, e) for t, e in timed if e["type"] == "pass_complete")
    published_before_end = last["ts"] - pass_complete["ts"]
    arrived_before_end = last_arrival - pass_arrival
    assert arrived_before_end >= MIN_SPREAD_RATIO * published_before_end, (
        f"the first pass_complete arrived {arrived_before_end:.3f}s before stream_end; "
        f"it was published {published_before_end:.3f}s before ({measured})"
    )


async def sse_timed(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: object = None,
    until: str | None = None,
) -> tuple[list[Timed], httpx.Headers]:
    """Envelopes with their arrival times, until the stream ends or one of type ``until``."""
    timed: list[Timed] = []
    async with aconnect_sse(
        client, method, url, headers=dict(headers or {}), json=json_body
    ) as source:
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            if not sse.data:
                continue
            envelope = json.loads(sse.data)
            timed.append((time.monotonic(), envelope))
            if envelope["type"] == until:
                break
    return timed, source.response.headers


def assert_proxied_sse_headers(headers: httpx.Headers) -> None:
    assert headers["server"] == "nginx", "the response came through the proxy"
    assert headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in headers, "the proxy must not compress the stream"
    assert "no-transform" in headers["cache-control"]
    assert "x-accel-buffering" not in headers, "nginx consumes the header it acts on"


@pytest.mark.parametrize("route", ["events", "run"])
async def test_sse_arrives_event_by_event_through_nginx(
    nginx: NginxProxy, server: ServerProcess, route: str
) -> None:
    sse_headers = {"Accept": "text/event-stream", "Accept-Encoding": "gzip, deflate"}
    async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as client:
        with anyio.fail_after(45):
            if route == "events":
                started = await client.post("/refine/run", json=SLOW_JOB)
                assert started.status_code == 202
                job_id = started.json()["job_id"]
                timed, headers = await sse_timed(
                    client, "GET", f"/jobs/{job_id}/events", headers=sse_headers
                )
            else:
                timed, headers = await sse_timed(
                    client, "POST", "/refine/run", headers=sse_headers, json_body=SLOW_JOB
                )
                job_id = timed[0][1]["job_id"]

    assert_proxied_sse_headers(headers)
    envelopes = [e for _, e in timed]
    assert {e["job_id"] for e in envelopes} == {job_id}
    assert_complete(envelopes)
    assert durable(envelopes) == await logged_seqs(server, job_id)
    assert_incremental(timed)


async def test_websocket_arrives_event_by_event_through_nginx(
    nginx: NginxProxy, server: ServerProcess
) -> None:
    timed: list[Timed] = []
    async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json=SLOW_JOB)).json()["job_id"]
    with anyio.fail_after(45):
        async with connect(f"{nginx.ws_url}/ws/progress/{job_id}", compression=None) as ws:
            assert ws.response is not None
            assert ws.response.headers["Server"] == "nginx", "the socket came through the proxy"
            async for frame in ws:
                arrival = time.monotonic()
                timed.extend((arrival, e) for e in flatten(frame))
        assert ws.close_code == 1000

    envelopes = [e for _, e in timed]
    assert_complete(envelopes)
    assert durable(envelopes) == await logged_seqs(server, job_id)
    assert_incremental(timed)


async def test_sse_resumes_through_nginx_with_no_gap_and_no_repeat(
    nginx: NginxProxy, server: ServerProcess
) -> None:
    async with httpx.AsyncClient(base_url=nginx.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json=SLOW_JOB)).json()["job_id"]
        url = f"/jobs/{job_id}/events"
        with anyio.fail_after(45):
            before, _ = await sse_timed(client, "GET", url, until="pass_complete")
            last_seen = before[-1][1]
            assert last_seen["type"] == "pass_complete"
            rest, headers = await sse_timed(
                client, "GET", url, headers={"Last-Event-ID": str(last_seen["seq"])}
            )

    assert_proxied_sse_headers(headers)
    first = [e for _, e in before]
    second = [e for _, e in rest]
    assert second[0]["seq"] > last_seen["seq"], "nothing up to Last-Event-ID is sent again"
    assert types(second)[-2:] == ["done", "stream_end"]
    assert types(second).count("pass_complete") == PASSES - 1, "the job was still running"
    seen = durable(first) + durable(second)
    assert len(seen) == len(set(seen)), "no durable event twice"
    assert seen == await logged_seqs(server, job_id), "no durable event missing"


async def follow_a_slow_job(proxy: NginxProxy) -> tuple[list[Timed], httpx.Headers]:
    async with httpx.AsyncClient(base_url=proxy.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json=SLOW_JOB)).json()["job_id"]
        with anyio.fail_after(45):
            return await sse_timed(client, "GET", f"/jobs/{job_id}/events")


async def test_the_service_header_alone_keeps_nginx_from_buffering_sse(
    nginx_before_h11: NginxProxy,
) -> None:
    timed, headers = await follow_a_slow_job(nginx_before_h11)
    assert_proxied_sse_headers(headers)
    assert_complete([e for _, e in timed])
    assert_incremental(timed)


async def test_nginx_ignoring_the_header_delivers_sse_in_one_burst(
    nginx_ignoring_the_header: NginxProxy,
) -> None:
    """The control: without the header the same stream is held back, so the test above can fail."""
    timed, _ = await follow_a_slow_job(nginx_ignoring_the_header)
    assert_complete([e for _, e in timed])
    arrival_spread, publish_spread = spreads(timed)
    assert arrival_spread < MIN_SPREAD_RATIO * publish_spread, (
        f"arrival spread {arrival_spread:.3f}s, publish spread {publish_spread:.3f}s"
    )
