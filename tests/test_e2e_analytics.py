"""Analytics and Prometheus metrics, checked against jobs the test ran."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.server import ServerProcess
from tests.support.streams import collect_ws, types
from tests.support.texts import SAMPLE

NEAREST = (("p50", 0.5), ("p95", 0.95))


async def run_to_end(client: httpx.AsyncClient, server: ServerProcess, body: dict[str, Any]) -> str:
    job_id: str = (await client.post("/refine/run", json=body)).json()["job_id"]
    await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
    return job_id


async def test_the_summary_adds_up_to_the_jobs_that_ran(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        empty = (await client.get("/analytics/summary")).json()
        assert empty["jobs"]["total"] == 0
        assert empty["passes"]["duration_ms"] == {"p50": None, "p95": None}

        files = [{"name": "a.md", "text": SAMPLE}, {"name": "b.txt", "text": "Plain words."}]
        jobs = [
            await run_to_end(client, server, {"text": SAMPLE, "passes": 3}),
            await run_to_end(client, server, {"files": files, "passes": 2}),
            await run_to_end(client, server, {"engine": "probe", "events": 5, "rate": 0}),
        ]
        await client.post("/strategy/feedback", json={"strategy": "plain", "rating": 5})
        details = [(await client.get(f"/jobs/{j}")).json() for j in jobs]
        summary = (await client.get("/analytics/summary")).json()

    passes = [p for d in details for f in d["files"] for p in f["passes"] if p["pass"] > 0]
    assert summary["jobs"]["total"] == 3
    assert summary["jobs"]["by_status"] == {"succeeded": 3}
    assert summary["passes"]["total"] == len(passes)
    changed = sum(p["changed"] for p in passes)
    assert summary["passes"]["changed_share"] == round(changed / len(passes), 4)
    by_strategy = summary["passes"]["by_strategy"]
    assert set(by_strategy) == {p["strategy"] for p in passes}
    assert by_strategy["normalize"]["passes"] == sum(p["strategy"] == "normalize" for p in passes)
    durations = sorted(p["metrics"]["duration_ms"] for p in passes)
    nearest_rank = {q: durations[math.ceil(f * len(durations)) - 1] for q, f in NEAREST}
    assert summary["passes"]["duration_ms"] == nearest_rank
    assert summary["jobs"]["duration_ms"]["p50"] is not None
    assert summary["documents"]["total"] == 4
    pass_zero_words = [f["passes"][0]["metrics"]["words"] for d in details for f in d["files"]]
    assert summary["documents"]["words"] == sum(pass_zero_words)
    assert summary["usage"] == {"by_model": {}, "tokens_in": 0, "tokens_out": 0, "cost": 0}
    assert summary["feedback"][0]["strategy"] == "plain"
    live = summary["live"]
    assert live["jobs_running"] == 0
    assert live["events"]["published"] >= sum(d["last_seq"] for d in details) - 10
    assert live["events"]["sent"]["websocket"] > 0


async def test_since_and_until_bound_the_window(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        before = time.time()
        await run_to_end(client, server, {"text": SAMPLE, "passes": 1})
        after = time.time()
        inside = (
            await client.get("/analytics/summary", params={"since": before, "until": after})
        ).json()
        assert inside["jobs"]["total"] == 1
        assert inside["passes"]["total"] == 1
        later = (await client.get("/analytics/summary", params={"since": after + 1})).json()
        assert later["jobs"]["total"] == 0
        iso = (await client.get("/analytics/summary?since=2000-01-01T00:00:00Z")).json()
        assert iso["jobs"]["total"] >= 1
        backwards = await client.get("/analytics/summary", params={"since": after, "until": before})
        assert backwards.status_code == 422
        assert "before" in backwards.json()["detail"]
        assert (await client.get("/analytics/summary?since=yesterday")).status_code == 422


@pytest.mark.parametrize(
    ("query", "window"),
    [
        ("since=0001-01-01", {"since": -62135596800.0, "until": None}),  # no zone: UTC
        ("until=0001-01-01T12:00:00", {"since": None, "until": -62135553600.0}),
        ("since=2000-01-01T01:00:00%2B01:00", {"since": 946684800.0, "until": None}),
        ("since=100000000000", {"since": 1e11, "until": None}),  # seconds, however many
    ],
)
async def test_any_moment_bounds_the_window_as_unix_seconds(
    server: ServerProcess, query: str, window: dict[str, float | None]
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        reply = await client.get(f"/analytics/summary?{query}")
    assert reply.status_code == 200, reply.text
    assert reply.json()["window"] == window


@pytest.mark.parametrize("moment", ["nan", "1e400", "-inf", "2024-13-01", "9" * 65])
async def test_a_moment_that_is_no_time_is_refused(server: ServerProcess, moment: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        reply = await client.get("/analytics/summary", params={"since": moment})
    assert reply.status_code == 422
    assert "since" in str(reply.json()["detail"])


async def test_metrics_parse_as_prometheus_text_and_count_what_happened(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(BACKEND_API_KEY="m3trics")
    key = {"X-API-Key": "m3trics"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=key) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 3})).json()[
            "job_id"
        ]
        envelopes = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?api_key=m3trics")
        assert types(envelopes)[-1] == "stream_end"
        await client.get(f"/jobs/{job_id}")
        async with httpx.AsyncClient(base_url=server.url) as anonymous:
            assert (await anonymous.get("/metrics")).status_code == 401
        reply = await client.get("/metrics")
    assert reply.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(reply.text)}

    def value(name: str, **labels: str) -> float:
        for sample in families[name].samples:
            counted = sample.name.endswith(("_total", "_count")) or sample.name == name
            if counted and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
        raise AssertionError(f"no {name} sample with {labels}")

    assert value("refiner_jobs_running") == 0
    assert value("refiner_events_published", type="pass_complete") == 3
    assert value("refiner_events_sent", transport="websocket") >= len(envelopes)
    assert value("refiner_pass_duration_seconds", strategy="concise", engine="local") == 1
    assert value("refiner_job_duration_seconds", status="succeeded", engine="local") == 1
    assert (
        value(
            "refiner_http_request_duration_seconds",
            route="/jobs/{job_id}",
            method="GET",
            status="200",
        )
        == 1
    )
    assert "m3trics" not in reply.text
