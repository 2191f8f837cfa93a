"""The events a job publishes, each encoded to bytes once.

An :class:`Event` carries its envelope (DESIGN.md, "Event envelope") already
encoded as JSON, and as a Server-Sent Events frame, so that every subscriber,
WebSocket or SSE, is sent the very same bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Types whose events are not written to the durable log and may be dropped
# for a subscriber that falls behind.
TRANSIENT_TYPES = frozenset({"pass_progress"})
TERMINAL_TYPES = frozenset({"done", "error", "cancelled"})
STREAM_END = "stream_end"


def _encode(envelope: Mapping[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def sse_frame(seq: int, type_: str, json_text: str) -> bytes:
    # Transient events carry no id, so a browser's Last-Event-ID always
    # names a durable event the log can resume after.
    head = "" if type_ in TRANSIENT_TYPES else f"id: {seq}\n"
    return f"{head}event: {type_}\ndata: {json_text}\n\n".encode()


@dataclass(frozen=True, slots=True)
class Event:
    job_id: str
    seq: int
    type: str
    ts: float
    data: Mapping[str, Any]
    text: str = field(repr=False)  # the envelope, as a WebSocket text frame carries it
    sse: bytes = field(repr=False)  # the same envelope as one SSE frame

    @classmethod
    def build(
        cls, job_id: str, seq: int, type_: str, data: Mapping[str, Any], ts: float | None = None
    ) -> Event:
        ts = time.time() if ts is None else ts
        text = _encode({"job_id": job_id, "seq": seq, "type": type_, "ts": ts, "data": data})
        return cls(job_id, seq, type_, ts, data, text, sse_frame(seq, type_, text))

    @classmethod
    def decode(cls, body: bytes) -> Event:
        """Rebuild an event from its stored envelope, keeping its text as it was sent."""
        text = body.decode()
        envelope = json.loads(text)
        seq, type_ = envelope["seq"], envelope["type"]
        return cls(
            envelope["job_id"],
            seq,
            type_,
            envelope["ts"],
            envelope["data"],
            text,
            sse_frame(seq, type_, text),
        )

    @property
    def durable(self) -> bool:
        return self.type not in TRANSIENT_TYPES

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_TYPES

    def stored(self) -> tuple[int, str, bytes]:
        """The row the durable log keeps for this event."""
        return self.seq, self.type, self.text.encode()
