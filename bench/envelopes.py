"""The events a benchmark job publishes, shaped exactly like Refiner's probe jobs.

Baseline servers publish these so that every server in a run sends the same
JSON, of the same size, on the same schedule: ``pass_progress`` number ``k``
of a pass is due at ``pass start + k / rate`` (all at once when ``rate`` is
0, a burst at a time): both follow ``service.engines.probe.schedule``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from service.engines.probe import schedule

DURABLE_TYPES = (
    "job_queued",
    "job_started",
    "pass_started",
    "pass_complete",
    "done",
    "stream_end",
)


def encode(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def job_id(index: int) -> str:
    """Ids as long as Refiner's (``job_`` and 16 hex digits)."""
    return f"job_{index:016x}"


def file_id(index: int) -> str:
    return f"file_{index:016x}"


# (type, data) -> publish one envelope; may await (pubsub) or not (broadcast).
Publish = Callable[[dict[str, Any]], Awaitable[None]]


async def run_job(index: int, events: int, rate: float, publish: Publish) -> None:
    """Publish one probe-like job: its durable events and ``events`` progress events."""
    jid, fid = job_id(index), file_id(index)
    seq = 0

    async def emit(type_: str, data: dict[str, Any]) -> None:
        nonlocal seq
        seq += 1
        await publish({"job_id": jid, "seq": seq, "type": type_, "ts": time.time(), "data": data})

    began = time.monotonic()
    await emit("job_queued", {"position": 0})
    files = [{"file_id": fid, "name": "probe.txt", "format": "txt"}]
    started = {"files": files, "passes": 1, "strategies": ["probe"], "engine": "probe"}
    await emit("job_started", started)
    where = {"file_id": fid, "pass": 1}
    await emit("pass_started", {**where, "strategy": "probe"})
    async for counts in schedule(events, rate, anyio.current_time()):
        for done in counts:
            await emit("pass_progress", {**where, "done": done, "total": events})
    metrics = {
        "words": 4,
        "sentences": 1,
        "avg_sentence_words": 4.0,
        "flesch_reading_ease": 75.88,
        "grade_level": 3.67,
        "changed_ratio": 0.0,
        "edits": 0,
        "duration_ms": round((time.monotonic() - began) * 1000, 1),
    }
    await emit(
        "pass_complete",
        {**where, "strategy": "probe", "changed": False, "version": 1, "metrics": metrics},
    )
    outputs = [{"file_id": fid, "name": "probe.txt", "format": "txt", "bytes": 24}]
    duration = round((time.monotonic() - began) * 1000, 1)
    await emit("done", {"outputs": outputs, "duration_ms": duration})
    await emit("stream_end", {})
