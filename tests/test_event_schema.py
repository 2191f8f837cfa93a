"""The published event schema matches what the server really sends."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable
from typing import Any, get_args

import anyio
import httpx
import pytest
from pydantic import ValidationError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from actors.events import JOB_EVENTS, NOTICES, AnyEvent, Lagged, ReplayGap
from tests.support.server import ServerProcess
from tests.support.streams import collect_sse, collect_ws, flatten, refine_streamed, types
from tests.support.texts import SAMPLE, long_text
from transports.codec import notice
from transports.envelope import ENVELOPE_ADAPTER, event_json_schema

JOB = "job_0123456789abcdef"
FILE = "file_0123456789abcdef"
METRICS = {
    "words": 10,
    "sentences": 1,
    "avg_sentence_words": 10.0,
    "flesch_reading_ease": 86.71,
    "grade_level": 3.65,
    "changed_ratio": 0.0909,
    "edits": 1,
    "duration_ms": 1.2,
}


def envelope(seq: int, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"job_id": JOB, "seq": seq, "type": type_, "ts": 1764130000.123, "data": data}


SAMPLES: dict[str, dict[str, Any]] = {
    "job_queued": envelope(1, "job_queued", {"position": 0}),
    "job_started": envelope(
        2,
        "job_started",
        {
            "files": [{"file_id": FILE, "name": "notes.md", "format": "md"}],
            "passes": 3,
            "strategies": ["normalize", "concise", "plain"],
            "engine": "local",
        },
    ),
    "pass_started": envelope(3, "pass_started", {"file_id": FILE, "pass": 1, "strategy": "plain"}),
    "pass_progress": envelope(
        4, "pass_progress", {"file_id": FILE, "pass": 1, "done": 1, "total": 2}
    ),
    "pass_complete": envelope(
        5,
        "pass_complete",
        {
            "file_id": FILE,
            "pass": 1,
            "strategy": "plain",
            "changed": True,
            "version": 1,
            "metrics": METRICS,
        },
    ),
    "done": envelope(
        6,
        "done",
        {
            "outputs": [{"file_id": FILE, "name": "notes.md", "format": "md", "bytes": 43}],
            "duration_ms": 10.6,
        },
    ),
    "error": envelope(
        6, "error", {"message": "the service stopped", "code": "interrupted", "retryable": True}
    ),
    "cancelled": envelope(6, "cancelled", {"reason": "cancelled on request"}),
    "stream_end": envelope(7, "stream_end", {}),
    "lagged": envelope(8, "lagged", {"from_seq": 9}),
    "replay_gap": envelope(5, "replay_gap", {"from_seq": 6, "to_seq": 20}),
}

# For each type, one way to break it: a path into the sample and the value put
# there (None: delete that key).
BREAKAGES: dict[str, list[tuple[tuple[str, ...], Any]]] = {
    "job_queued": [(("data", "position"), None), (("data", "position"), "0")],
    "job_started": [(("data", "engine"), None), (("data", "passes"), 3.5)],
    "pass_started": [(("data", "pass"), None), (("data", "strategy"), 1)],
    "pass_progress": [(("data", "total"), None), (("data", "delta"), 7)],
    "pass_complete": [(("data", "metrics", "words"), None), (("data", "changed"), "yes")],
    "done": [(("data", "outputs"), None), (("data", "outputs", "0"), {"file_id": FILE})],
    "error": [(("data", "retryable"), None), (("data", "retryable"), "true")],
    "cancelled": [(("data", "reason"), None), (("data", "reason"), ["x"])],
    "stream_end": [(("seq",), None), (("data", "extra"), 1)],
    "lagged": [(("data", "from_seq"), None), (("data", "from_seq"), "9")],
    "replay_gap": [(("data", "to_seq"), None), (("data", "to_seq"), 2)],
}


def broken(sample: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    result = copy.deepcopy(sample)
    node: Any = result
    for key in path[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is None:
        del node[path[-1]]
    elif isinstance(node, list):
        node[int(path[-1])] = value
    else:
        node[path[-1]] = value
    return result


def schema_types() -> set[str]:
    mapping = event_json_schema()["discriminator"]["mapping"]
    return set(mapping)


def test_the_schema_has_exactly_the_types_of_the_event_union() -> None:
    union = {cls.type for cls in (*JOB_EVENTS, *NOTICES)}
    assert schema_types() == union
    assert union == {cls.type for cls in get_args(AnyEvent)}


def test_samples_cover_every_type() -> None:
    assert set(SAMPLES) == set(BREAKAGES) == schema_types()


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_each_type_validates_its_sample(type_: str) -> None:
    parsed = ENVELOPE_ADAPTER.validate_python(SAMPLES[type_])
    assert parsed.type == type_


@pytest.mark.parametrize(
    ("type_", "path", "value"),
    [(t, path, value) for t, cases in sorted(BREAKAGES.items()) for path, value in cases],
)
def test_each_type_rejects_a_broken_sample(type_: str, path: tuple[str, ...], value: Any) -> None:
    with pytest.raises(ValidationError):
        ENVELOPE_ADAPTER.validate_python(broken(SAMPLES[type_], path, value))


def test_unknown_type_and_wrong_data_for_a_type_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ENVELOPE_ADAPTER.validate_python(envelope(1, "job_paused", {}))
    with pytest.raises(ValidationError):
        ENVELOPE_ADAPTER.validate_python(envelope(1, "done", {"reason": "cancelled"}))


def test_metrics_take_extra_numbers_only() -> None:
    sample = copy.deepcopy(SAMPLES["pass_complete"])
    sample["data"]["metrics"] |= {"tokens_in": 120, "tokens_out": 80, "cost": 0.0004, "cached": 3}
    parsed = ENVELOPE_ADAPTER.validate_python(sample)
    assert parsed.model_dump()["data"]["metrics"]["cached"] == 3
    sample["data"]["metrics"]["model"] = "gpt"
    with pytest.raises(ValidationError):
        ENVELOPE_ADAPTER.validate_python(sample)


def test_the_notices_a_transport_sends_validate() -> None:
    lagged = notice(JOB, Lagged(from_seq=12))
    assert ENVELOPE_ADAPTER.validate_python(json.loads(lagged.text)).seq == 11
    gap = notice(JOB, ReplayGap(from_seq=4, to_seq=None))
    assert ENVELOPE_ADAPTER.validate_python(json.loads(gap.text)).seq == 3


def test_a_job_that_is_gone_has_an_open_ended_replay_gap() -> None:
    gone = envelope(0, "replay_gap", {"from_seq": 1, "to_seq": None})
    assert ENVELOPE_ADAPTER.validate_python(gone).type == "replay_gap"


# against the real server


def validate_all(envelopes: list[dict[str, Any]]) -> list[str]:
    for item in envelopes:
        ENVELOPE_ADAPTER.validate_python(item)
    return [e["type"] for e in envelopes]


async def wait_for_first_pass(server: ServerProcess, job_id: str) -> None:
    async with connect(f"{server.ws_url}/ws/progress/{job_id}", compression=None) as ws:
        async for frame in ws:
            if any(e["type"] == "pass_complete" for e in flatten(frame)):
                return
    raise AssertionError("the job ended before its first pass completed")


async def test_every_envelope_of_a_three_pass_job_validates(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        live = await refine_streamed(client, {"text": SAMPLE, "passes": 3})
        job_id = live[0]["job_id"]
        replayed, _ = await collect_sse(client, f"/jobs/{job_id}/events")
    over_ws = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")

    seen = set(validate_all(live))
    assert {"job_queued", "job_started", "pass_started", "pass_progress", "pass_complete"} <= seen
    assert types(live)[-2:] == ["done", "stream_end"]
    for stream in (replayed, over_ws):
        validate_all(stream)
        assert types(stream) == types(live)


async def test_every_envelope_of_a_cancelled_job_validates(server: ServerProcess) -> None:
    slow = {"text": long_text(), "passes": 10, "stop_when_unchanged": False}
    streams: dict[str, list[dict[str, Any]]] = {}

    async def follow_ws(job_id: str) -> None:
        streams["ws"] = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")

    async def follow_sse(client: httpx.AsyncClient, job_id: str) -> None:
        streams["sse"], _ = await collect_sse(client, f"/jobs/{job_id}/events")

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json=slow)).json()["job_id"]
        with anyio.fail_after(50):
            async with anyio.create_task_group() as tg:
                tg.start_soon(follow_ws, job_id)
                tg.start_soon(follow_sse, client, job_id)
                await wait_for_first_pass(server, job_id)
                assert (await client.post(f"/jobs/{job_id}/cancel")).status_code == 200

    for stream in streams.values():
        validate_all(stream)
        assert types(stream)[-2:] == ["cancelled", "stream_end"]
    assert "pass_progress" in [e["type"] for e in streams["ws"] + streams["sse"]]


async def test_a_replay_gap_from_a_cursor_ahead_of_the_job_validates(
    server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        job_id = (await client.post("/refine/run", json={"text": SAMPLE, "passes": 1})).json()[
            "job_id"
        ]
        await collect_ws(f"{server.ws_url}/ws/progress/{job_id}")
        over_sse, _ = await collect_sse(client, f"/jobs/{job_id}/events?after=999")
    over_ws = await collect_ws(f"{server.ws_url}/ws/progress/{job_id}?after=999")
    for stream in (over_sse, over_ws):
        assert "replay_gap" in validate_all(stream)


async def test_a_socket_for_an_unknown_job_sends_only_valid_envelopes(
    server: ServerProcess,
) -> None:
    received: list[dict[str, Any]] = []
    async with connect(f"{server.ws_url}/ws/progress/job_none", compression=None) as ws:
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                received.extend(flatten(frame))
    assert ws.close_code == 4404
    validate_all(received)


async def test_the_schema_endpoint_names_every_type(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        reply = await client.get("/events/schema")
    assert reply.status_code == 200
    schema = reply.json()
    assert schema == event_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    text = json.dumps(schema)
    for type_ in SAMPLES:
        assert f'"const": "{type_}"' in text
    assert set(schema["discriminator"]["mapping"]) == set(SAMPLES)


async def test_the_schema_needs_the_api_key_like_the_rest(
    make_server: Callable[..., ServerProcess],
) -> None:
    server = make_server(BACKEND_API_KEY="s3cret-key")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        assert (await client.get("/events/schema")).status_code == 401
        schema = await client.get("/events/schema", headers={"X-API-Key": "s3cret-key"})
        assert schema.status_code == 200
