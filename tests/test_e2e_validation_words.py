"""A refused value is said in words: the field, the rule and what was sent, on REST and /ws."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.server import ServerProcess
from tests.support.texts import SAMPLE

# What pydantic says of its own types, and the union members it puts in a location.
INTERNAL_WORDS = (
    "Input should",
    "valid integer",
    "valid dictionary",
    "unable to parse",
    "Field required",
    "Extra inputs",
    "RuleOptions",
    "RefineRequest",
    "dict_type",
    "literal_error",
    "list[str]",
    "literal[",
    "constrained-int",
)

BAD_BODIES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "a word for a number",
        "/refine/run",
        {"text": SAMPLE, "passes": "x"},
        'passes: must be a whole number from 1 to 10 (got "x")',
    ),
    (
        "a number out of range",
        "/refine/run",
        {"text": SAMPLE, "passes": 11},
        "passes: must be a whole number from 1 to 10 (got 11)",
    ),
    (
        "text for an object",
        "/refine/run",
        {"text": SAMPLE, "rules": "none"},
        'rules: must be an object (got "none")',
    ),
    (
        "a value not among the allowed",
        "/refine/run",
        {"text": SAMPLE, "output_format": "pdf"},
        "output_format: must be 'txt', 'md' or 'docx' (got \"pdf\")",
    ),
    (
        "a list or a word, neither",
        "/refine/run",
        {"text": SAMPLE, "strategies": []},
        "strategies: must have at least 1 item or be 'auto' (got an empty list)",
    ),
    (
        "a field missing in a list's item",
        "/refine/run",
        {"files": [{"name": "a.txt"}]},
        "files[0].text: required",
    ),
    (
        "an unknown field",
        "/refine/run",
        {"text": SAMPLE, "colour": "blue"},
        "colour: is not a known field",
    ),
    (
        "a union of a word and stars",
        "/strategy/feedback",
        {"strategy": "plain", "rating": 7},
        "rating: must be 'up' or 'down' or a whole number from 1 to 5 (got 7)",
    ),
    (
        "two faults at once",
        "/strategy/feedback",
        {"strategy": "", "rating": "up", "pass": "first"},
        'strategy: must have at least 1 character (got ""); '
        'pass: must be a whole number from 1 to 10 (got "first")',
    ),
]


@pytest.mark.parametrize(
    ("case", "path", "body", "detail"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES]
)
async def test_a_refused_body_names_the_field_and_the_rule_in_words(
    server: ServerProcess, case: str, path: str, body: dict[str, Any], detail: str
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        reply = await client.post(path, json=body)
    assert reply.status_code == 422, reply.text
    answer = reply.json()
    assert answer["code"] == "invalid_request"
    assert answer["detail"] == detail
    assert not [w for w in INTERNAL_WORDS if w in answer["detail"]]
    assert answer["errors"], "the problems are listed as data too"
    for listed in answer["errors"]:
        assert listed["loc"][0] == "body"
        assert not [w for w in INTERNAL_WORDS if w in json.dumps(listed["loc"]) + listed["msg"]]
        # A union's alternatives are one sentence in the detail: "must be 'up' or 'down'
        # or a whole number from 1 to 5".
        assert listed["msg"].removeprefix("must ").removeprefix("be ") in answer["detail"]


async def test_a_refused_parameter_is_said_in_the_same_words(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        query = await client.get("/refine/diff", params={"fileId": "file_x", "fromPass": "one"})
        path = await client.get("/files/file_x/versions/eleven")
    assert query.status_code == path.status_code == 422
    assert query.json()["detail"] == 'fromPass: must be a whole number from 0 to 10 (got "one")'
    assert path.json()["detail"] == (
        'pass_number (a path parameter): must be a whole number from 0 to 10 (got "eleven")'
    )


async def test_a_refused_ws_op_and_run_request_are_said_in_words(server: ServerProcess) -> None:
    async with connect(f"{server.ws_url}/ws", compression=None) as ws:

        async def refusal(message: dict[str, Any]) -> str:
            await ws.send(json.dumps(message))
            answer = json.loads(await ws.recv())
            assert answer["op"] == "error", answer
            assert answer["ref"] == message["ref"]
            assert not [w for w in INTERNAL_WORDS if w in answer["detail"]], answer
            detail: str = answer["detail"]
            return detail

        run = {"op": "run", "ref": "r", "request": {"text": SAMPLE, "passes": "x"}}
        assert await refusal(run) == (
            'bad request: request.passes: must be a whole number from 1 to 10 (got "x")'
        )
        as_list = {"op": "run", "ref": "l", "request": {"text": SAMPLE, "rules": []}}
        assert (
            await refusal(as_list)
            == "bad request: request.rules: must be an object (got an empty list)"
        )
        not_an_object = {"op": "run", "ref": "o", "request": "text"}
        assert await refusal(not_an_object) == (
            "bad 'run' message: request: must be an object (got \"text\")"
        )
        subscribe = {"op": "subscribe", "ref": "s", "job_id": "", "colour": 1}
        assert await refusal(subscribe) == (
            "bad 'subscribe' message: job_id: must have at least 1 character (got \"\"); "
            "colour: is not a known field"
        )
