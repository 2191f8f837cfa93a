"""Hypothesis writes messages to an editor's ``/ws`` session: each gets an answer, none kills
the socket, and the session still answers a ping at the end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection, connect

from tests.support.server import ServerProcess
from tests.support.soak import record, scale

OPS = ["subscribe", "unsubscribe", "run", "cancel", "ping", "dance", "", None]
REPLIES = {"error", "pong", "ack", "subscribed", "unsubscribed"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
op_messages = st.fixed_dictionaries(
    {"op": st.sampled_from(OPS)},
    optional={
        "ref": json_values,
        "job_id": st.text(max_size=120) | st.integers(),
        "after": st.integers(min_value=-5, max_value=10**12) | st.text(max_size=5),
        "request": st.dictionaries(
            st.sampled_from(["text", "passes", "strategies", "engine", "rate", "events"]),
            json_values,
        )
        | json_values,
    },
)
messages = (
    op_messages.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=200)
    | st.binary(max_size=200)
)

counts = {"cases": 0, "failures": 0}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientConnection]:
    workdir = tmp_path_factory.mktemp("fuzz-ws")
    with (
        ServerProcess(workdir) as server,
        connect(f"{server.ws_url}/ws", compression=None, max_size=2**24) as ws,
    ):
        yield ws
    record("fuzz_websocket_ops", cases=counts["cases"], failures=counts["failures"])


def next_reply(ws: ClientConnection) -> dict[str, Any]:
    """The next op answer; event envelopes of jobs a message started are skipped."""
    while True:
        decoded = json.loads(ws.recv(timeout=10))
        if isinstance(decoded, dict) and "op" in decoded:
            return decoded


@settings(
    max_examples=scale(300, 3000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message=messages)
def test_every_message_is_answered_and_the_socket_survives(
    session: ClientConnection, message: str | bytes
) -> None:
    counts["cases"] += 1
    counts["failures"] += 1  # taken back below if the case passes
    session.send(message)
    reply = next_reply(session)
    assert reply["op"] in REPLIES, reply
    if reply["op"] == "error":
        assert reply["detail"]
    session.send(json.dumps({"op": "ping", "ref": "alive"}))
    while (pong := next_reply(session))["op"] != "pong":
        pass
    assert pong == {"op": "pong", "ref": "alive"}
    counts["failures"] -= 1
