"""Real clients of the live streams, collecting envelopes until the stream ends."""

from __future__ import annotations

import json
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from websockets.asyncio.client import connect

Envelope = dict[str, Any]


def flatten(frame: str | bytes) -> list[Envelope]:
    """A WebSocket frame holds one envelope or a JSON array of them."""
    decoded = json.loads(frame)
    return decoded if isinstance(decoded, list) else [decoded]


async def collect_sse(
    client: httpx.AsyncClient,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    stop_after: int | None = None,
) -> tuple[list[Envelope], list[str | None]]:
    """Envelopes and their SSE ids, until the server ends the stream (or ``stop_after``)."""
    envelopes: list[Envelope] = []
    ids: list[str | None] = []
    async with aconnect_sse(
        client, method, url, headers=dict(headers or {}), json=json_body
    ) as source:
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            if not sse.data:
                continue
            envelopes.append(json.loads(sse.data))
            ids.append(sse.id or None)
            if stop_after is not None and len(envelopes) >= stop_after:
                break
    return envelopes, ids


async def refine_streamed(client: httpx.AsyncClient, body: Any) -> list[Envelope]:
    """Run a job with ``POST /refine/run`` answered as SSE, and its envelopes to the end."""
    envelopes, _ = await collect_sse(
        client,
        "/refine/run",
        method="POST",
        headers={"Accept": "text/event-stream"},
        json_body=body,
    )
    return envelopes


async def collect_ws(
    url: str, *, stop_after: int | None = None, stop_at: str | None = None
) -> list[Envelope]:
    """Envelopes until the server closes the socket, or ``stop_after`` of them, or the
    first of type ``stop_at`` (the rest of its frame is dropped)."""
    envelopes: list[Envelope] = []
    async with connect(url, compression=None) as ws:
        async for frame in ws:
            for envelope in flatten(frame):
                envelopes.append(envelope)
                if envelope["type"] == stop_at:
                    return envelopes
            if stop_after is not None and len(envelopes) >= stop_after:
                break
    return envelopes


NOT_DURABLE = ("pass_progress", "lagged", "replay_gap")


def durable(envelopes: list[Envelope]) -> list[int]:
    """The seqs of the durable events: what a replay from the log must give again."""
    return [e["seq"] for e in envelopes if e["type"] not in NOT_DURABLE]


def types(envelopes: list[Envelope]) -> list[str]:
    return [e["type"] for e in envelopes if e["type"] != "pass_progress"]
