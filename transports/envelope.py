"""The event envelope as pydantic models: the published description of the wire.

The actors build plain dicts (``actors/job.py``), and the transports send them
as they are; these models only describe those dicts, for client authors and
for the tests that hold the two together (every envelope a real server sends
must validate). They are strict and closed: a field that changes type or
appears unannounced fails validation, so the description cannot drift
silently. Two notices ride the same streams without being events of the job:
``lagged`` (no ``seq`` nor ``ts``) and ``replay_gap``.

Fields the server omits rather than sending ``null`` are typed
``X | SkipJsonSchema[None]``: Python code may leave them out, and the JSON
Schema says "absent or X", which is what the wire does.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_Count = Annotated[int, Field(ge=0)]
_Seq = Annotated[int, Field(ge=1)]


def _absent_when_none(schema: JsonDict) -> None:
    # The wire leaves such a field out instead of sending null: no default to show.
    schema.pop("default", None)


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# the data of each type


class JobQueuedData(_Model):
    position: int = Field(
        ge=0,
        description="Place in line when the job was accepted: 0 means it starts at once, "
        "1 is next in line. Sent once per run; not updated as the line moves.",
    )


class FileInfo(_Model):
    file_id: str = Field(
        description="The document's id, used by versions, diffs and downloads "
        "(`/files/{file_id}/versions`, `/jobs/{job_id}/output?file_id=`)."
    )
    name: str = Field(description="The document's name, as uploaded or given in the request.")
    format: str = Field(description="The document's format: `txt` or `md`.")


class JobStartedData(_Model):
    files: list[FileInfo] = Field(description="The job's documents, refined in this order.")
    passes: int = Field(
        ge=1,
        description="Passes asked for per document. A document whose pass changed nothing "
        "may stop early (`stop_when_unchanged`), so fewer passes can follow.",
    )
    strategies: list[str] = Field(
        description="The strategy of each pass, in order (pass 1 first); as long as `passes`."
    )
    engine: str = Field(description="The engine running the passes, e.g. `local`.")


class _PassData(_Model):
    file_id: str = Field(description="The document this pass refines (see `job_started.files`).")
    # ``pass`` is a keyword: dump with ``by_alias=True`` to get the wire's name back.
    pass_: int = Field(
        alias="pass", ge=1, description="The pass number, from 1 (pass 0 is the original)."
    )


class PassStartedData(_PassData):
    strategy: str = Field(description="The strategy this pass applies.")


class PassProgressData(_PassData):
    done: int = Field(ge=0, description="Units of work done so far in this pass.")
    total: int = Field(
        ge=0, description="Units of work in this pass (chunks of the document, for `local`)."
    )
    delta: str | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_absent_when_none,
        description="New output text since the last progress event, from engines that "
        "stream text; absent otherwise (always absent for `local`).",
    )
    chunk: int | SkipJsonSchema[None] = Field(
        default=None,
        ge=0,
        json_schema_extra=_absent_when_none,
        description="Which chunk of the document `delta` extends, from 0 in document order: "
        "chunks are written concurrently. Present exactly when `delta` is.",
    )
    restart: bool | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_absent_when_none,
        description="True when `delta` replaces what this chunk's deltas added up to so far "
        "(an attempt failed and is asked again, or the answer was cleaned up or not used); "
        "absent otherwise.",
    )


class PassMetrics(_Model):
    """Measures of the text after a pass. Engines may add numeric fields of their own."""

    model_config = ConfigDict(extra="allow")
    # The type of the extra keys: any further field must be a number.
    __pydantic_extra__: dict[str, float] = Field(init=False)

    words: int = Field(ge=0, description="Words of prose (code spans and blocks left out).")
    sentences: int = Field(ge=0, description="Sentences of prose.")
    avg_sentence_words: float = Field(ge=0, description="Mean words per sentence.")
    flesch_reading_ease: float = Field(
        description="Flesch reading ease; higher is easier. Not clamped: can exceed 100 "
        "or fall below 0."
    )
    grade_level: float = Field(
        description="Flesch-Kincaid grade level; lower is easier. Not clamped: can be negative."
    )
    changed_ratio: float = Field(
        ge=0,
        le=1,
        description="Share of words inserted or deleted by this pass, from 0 (none) to 1.",
    )
    duration_ms: float = Field(ge=0, description="Wall time of the pass, in milliseconds.")
    edits: int = Field(ge=0, description="Edits the pass made, each explained in the version.")
    tokens_in: _Count | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_absent_when_none,
        description="Prompt tokens, for LLM engines; absent otherwise.",
    )
    tokens_out: _Count | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_absent_when_none,
        description="Completion tokens, for LLM engines; absent otherwise.",
    )
    cost: Annotated[float, Field(ge=0)] | SkipJsonSchema[None] = Field(
        default=None,
        json_schema_extra=_absent_when_none,
        description="Estimated cost of the pass in US dollars, for engines that price "
        "their calls; absent otherwise.",
    )


class PassCompleteData(_PassData):
    strategy: str = Field(description="The strategy this pass applied.")
    changed: bool = Field(
        description="Whether the pass changed the text. With `stop_when_unchanged`, "
        "a pass that changed nothing is the document's last."
    )
    version: int = Field(
        ge=1,
        description="The stored version holding this pass's text: "
        "`/files/{file_id}/versions/{version}`. Equal to `pass`.",
    )
    metrics: PassMetrics = Field(description="Measures of the text after this pass.")


class OutputInfo(_Model):
    file_id: str = Field(description="The refined document.")
    name: str = Field(description="The document's name.")
    format: str = Field(
        description="Format of the refined output, e.g. `txt` or `md`; download it from "
        "`/jobs/{job_id}/output?file_id=`."
    )
    bytes: int = Field(ge=0, description="Size of the refined output, in bytes (UTF-8).")


class DoneData(_Model):
    outputs: list[OutputInfo] = Field(description="One refined output per document.")
    duration_ms: float = Field(
        ge=0,
        description="Milliseconds from the job being accepted to its end, "
        "time waiting in line included.",
    )


class ErrorData(_Model):
    message: str = Field(description="What went wrong, for people.")
    code: str = Field(
        description="Stable code for programs: `interrupted` (the service stopped; "
        "resume with `POST /jobs/{job_id}/resume`), `internal`, or an engine's own code."
    )
    retryable: bool = Field(description="Whether resuming or retrying the job may succeed.")


class CancelledData(_Model):
    reason: str = Field(description="Why the job was cancelled.")


class StreamEndData(_Model):
    """Always empty."""


class LaggedData(_Model):
    from_seq: int = Field(
        ge=1,
        description="The first seq this subscriber missed. Resume from the seq of the "
        "last durable event you received (which is below this).",
    )


class ReplayGapData(_Model):
    from_seq: int = Field(ge=1, description="The first seq that could not be replayed.")
    to_seq: _Seq | None = Field(
        description="The last seq that could not be replayed; null when the job no longer "
        "exists, so nothing from `from_seq` on ever will be."
    )

    @model_validator(mode="after")
    def _ordered(self) -> ReplayGapData:
        if self.to_seq is not None and self.to_seq < self.from_seq:
            raise ValueError("to_seq must not be below from_seq")
        return self


# the envelopes


class _Envelope(_Model):
    job_id: str = Field(description="The job this event belongs to.")
    seq: int = Field(
        ge=1,
        description="The event's place in its job's stream: 1 for the first event, one more "
        "for each next one. Resume after the seq of the last durable event you received.",
    )
    ts: float = Field(description="Server time when the event was published, Unix seconds.")


class JobQueued(_Envelope):
    """The job was accepted; the first event of every job (and of every resumed run)."""

    type: Literal["job_queued"]
    data: JobQueuedData


class JobStarted(_Envelope):
    """The job got a slot and starts its passes."""

    type: Literal["job_started"]
    data: JobStartedData


class PassStarted(_Envelope):
    """A pass on one document begins."""

    type: Literal["pass_started"]
    data: PassStartedData


class PassProgressed(_Envelope):
    """A pass advanced. Transient: never stored, never replayed, may be dropped."""

    type: Literal["pass_progress"]
    data: PassProgressData


class PassCompleted(_Envelope):
    """A pass ended and its text is stored as a version."""

    type: Literal["pass_complete"]
    data: PassCompleteData


class JobDone(_Envelope):
    """Terminal: every document was refined and its output written."""

    type: Literal["done"]
    data: DoneData


class JobFailed(_Envelope):
    """Terminal: the job failed, or was interrupted (``code`` is ``interrupted``)."""

    type: Literal["error"]
    data: ErrorData


class JobCancelled(_Envelope):
    """Terminal: the job was cancelled; its completed passes are kept."""

    type: Literal["cancelled"]
    data: CancelledData


class StreamEnded(_Envelope):
    """The last event of a stream, right after the terminal event."""

    type: Literal["stream_end"]
    data: StreamEndData


class _Notice(_Model):
    job_id: str = Field(description="The job the notice is about.")
    seq: int = Field(
        ge=0,
        description="Not a seq of its own: the cursor to resume after (`data.from_seq - 1`). "
        "On SSE it is the frame's `id:`, so a browser's `Last-Event-ID` moves there. "
        "Do not drop a notice for repeating a seq you have seen.",
    )
    ts: float = Field(description="Server time when the notice was sent, Unix seconds.")


class LaggedNotice(_Notice):
    """Not an event: this subscriber fell behind and its stream ends now; resume it."""

    type: Literal["lagged"]
    data: LaggedData


class ReplayGapNotice(_Notice):
    """Not an event: the durable log could not replay every event asked for."""

    type: Literal["replay_gap"]
    data: ReplayGapData


Envelope = Annotated[
    JobQueued
    | JobStarted
    | PassStarted
    | PassProgressed
    | PassCompleted
    | JobDone
    | JobFailed
    | JobCancelled
    | StreamEnded
    | LaggedNotice
    | ReplayGapNotice,
    Field(discriminator="type"),
]

ENVELOPE_ADAPTER: TypeAdapter[Envelope] = TypeAdapter(Envelope)


@cache
def _schema() -> dict[str, Any]:
    schema = ENVELOPE_ADAPTER.json_schema(mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Refiner event envelope",
        "description": "One message of a job's event stream (an SSE `data:` line, a WebSocket "
        "text frame or one item of a frame's JSON array), chosen by `type`.",
        **schema,
    }


def event_json_schema() -> dict[str, Any]:
    """The JSON Schema of one envelope, in validation mode.

    Validation mode describes what a reader must accept, which is a client's
    side of the wire; serialization mode would describe what these models
    print, which the server never uses (the actors send their own dicts).
    Returns a fresh copy each time, so callers may change it.
    """
    return copy.deepcopy(_schema())
