"""The one codec of the wire: an event, in its place in a job's stream, as JSON text.

:func:`encode` writes the envelope of DESIGN.md ("Event envelope") once per
event; the actor is handed it, so that the text is made as the event is
published and every subscriber, WebSocket or SSE, and the durable log share
it. :func:`decode` reads a stored envelope back, keeping its text as it was
sent.
"""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any, assert_never

from pydantic import TypeAdapter

from actors.events import (
    JOB_EVENTS,
    NOTICES,
    AnyEvent,
    Envelope,
    JobCancelled,
    JobDone,
    JobFailed,
    JobQueued,
    JobStarted,
    Lagged,
    Notice,
    PassCompleted,
    PassProgressed,
    PassStarted,
    ReplayGap,
    StreamEnded,
)


def _dumps(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)


def encode(job_id: str, seq: int, ts: float, event: AnyEvent) -> str:
    """The envelope's JSON text: compact, UTF-8 as it is, keys in the order of DESIGN.md."""
    return _dumps({"job_id": job_id, "seq": seq, "type": event.type, "ts": ts, "data": data(event)})


def envelope(job_id: str, seq: int, event: AnyEvent, ts: float | None = None) -> Envelope:
    """``event`` at ``seq`` of its job's stream, encoded; ``ts`` is now unless given."""
    ts = time.time() if ts is None else ts
    return Envelope(job_id, seq, ts, event, encode(job_id, seq, ts, event))


def notice(job_id: str, event: Notice) -> Envelope:
    """An out-of-band notice (``lagged``, ``replay_gap``) in the envelope of an event.

    Its ``seq`` is not an event's own: it is the cursor to resume after
    (``from_seq - 1``), so that SSE's ``id:`` line, and thus a browser's
    ``Last-Event-ID``, moves to the right place.
    """
    return envelope(job_id, event.from_seq - 1, event)


def data(event: AnyEvent) -> dict[str, Any]:
    """The ``data`` of an event's envelope; optional fields are left out, not null."""
    match event:
        case PassProgressed():
            progress: dict[str, Any] = {
                "file_id": event.file_id,
                "pass": event.pass_,
                "done": event.done,
                "total": event.total,
            }
            if event.delta is not None:
                progress["delta"] = event.delta
                progress["chunk"] = event.chunk
                if event.restart:
                    progress["restart"] = True
            return progress
        case JobQueued():
            return {"position": event.position}
        case JobStarted():
            files = [
                {"file_id": f.file_id, "name": f.name, "format": f.format} for f in event.files
            ]
            return {
                "files": files,
                "passes": event.passes,
                "strategies": event.strategies,
                "engine": event.engine,
            }
        case PassStarted():
            return {"file_id": event.file_id, "pass": event.pass_, "strategy": event.strategy}
        case PassCompleted():
            return {
                "file_id": event.file_id,
                "pass": event.pass_,
                "strategy": event.strategy,
                "changed": event.changed,
                "version": event.version,
                "metrics": event.metrics,
            }
        case JobDone():
            return {
                "outputs": [o.as_dict() for o in event.outputs],
                "duration_ms": event.duration_ms,
            }
        case JobFailed():
            return {"message": event.message, "code": event.code, "retryable": event.retryable}
        case JobCancelled():
            return {"reason": event.reason}
        case StreamEnded():
            return {}
        case Lagged():
            return {"from_seq": event.from_seq}
        case ReplayGap():
            return {"from_seq": event.from_seq, "to_seq": event.to_seq}
        case _:
            assert_never(event)


@cache
def _reader(type_: str) -> TypeAdapter[AnyEvent]:
    by_type: dict[str, type[AnyEvent]] = {cls.type: cls for cls in (*JOB_EVENTS, *NOTICES)}
    adapter: TypeAdapter[AnyEvent] = TypeAdapter(by_type[type_])
    return adapter


def decode(body: bytes) -> Envelope:
    """Rebuild an envelope from its stored text, keeping that text as it was sent."""
    text = body.decode()
    fields = json.loads(text)
    event = _reader(fields["type"]).validate_python(fields["data"])
    return Envelope(fields["job_id"], fields["seq"], fields["ts"], event, text)
