"""The SSE response's one departure from sse-starlette: no cancel scope for an untimed send."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError
from starlette.types import Message, Send

from transports.sse import _EventStream

pytestmark = pytest.mark.anyio

SCOPE = {"type": "http", "method": "GET", "path": "/", "headers": []}


async def two_events() -> AsyncIterator[bytes]:
    yield b"data: one\n\n"
    yield b"data: two\n\n"


async def never_disconnects() -> Message:
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


def test_the_overridden_method_is_still_sse_starlettes() -> None:
    # Were it renamed, the override would quietly stop applying.
    assert "_send_with_timeout" in vars(EventSourceResponse)


async def refuse(self: EventSourceResponse, send: Send, message: Message) -> None:
    raise AssertionError("sse-starlette's own per-send timeout ran")


async def test_without_a_timeout_every_event_is_sent_straight_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(EventSourceResponse, "_send_with_timeout", refuse)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await _EventStream(two_events(), ping=0)(SCOPE, never_disconnects, send)
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body"]
    assert bodies == [b"data: one\n\n", b"data: two\n\n", b""]


async def test_with_a_timeout_sse_starlettes_own_send_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EventSourceResponse, "_send_with_timeout", refuse)

    async def send(message: Message) -> None:
        pass

    with pytest.raises(AssertionError, match="own per-send timeout ran"):
        await _EventStream(two_events(), ping=0, send_timeout=5)(SCOPE, never_disconnects, send)


async def test_with_a_timeout_a_stuck_send_still_times_out() -> None:
    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            await anyio.sleep_forever()

    with pytest.raises(SendTimeoutError):
        await _EventStream(two_events(), ping=0, send_timeout=0.05)(SCOPE, never_disconnects, send)
