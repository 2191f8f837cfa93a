"""The events a job publishes, each a frozen dataclass of one union.

These types are the one definition of what a job says: the actor builds them,
the transports' codec (``transports/codec.py``) writes them as the envelope of
DESIGN.md ("Event envelope"), and ``GET /events/schema`` is generated from
them, field descriptions included. Each has a ``type``, its name on the wire.
Two notices, :class:`Lagged` and :class:`ReplayGap`, ride the same streams
without being events of the job.

Fields the server leaves out rather than sending ``null`` are typed
``X | SkipJsonSchema[None]``: the JSON Schema then says "absent or X", which
is what the wire does. Lists stay lists (not tuples), so that a wire dict
validates in strict mode as it is.

An :class:`Envelope` is an event in its place in a job's stream, with the text
the codec made of it, once, for every subscriber; the actors never look into
that text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, NotRequired

from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, with_config
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema
from typing_extensions import TypedDict

from service.store.records import JobError

_CLOSED = ConfigDict(extra="forbid")


def _absent_when_none(schema: JsonDict) -> None:
    # The wire leaves such a field out instead of sending null: no default to show.
    schema.pop("default", None)


# parts of events


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobFile:
    """One document of a job, as ``job_started`` lists it."""

    file_id: Annotated[
        StrictStr,
        Field(
            description="The document's id, used by versions, diffs and downloads "
            "(`/files/{file_id}/versions`, `/jobs/{job_id}/output?file_id=`)."
        ),
    ]
    name: Annotated[
        StrictStr, Field(description="The document's name, as uploaded or given in the request.")
    ]
    format: Annotated[StrictStr, Field(description="The document's format: `txt` or `md`.")]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobOutput:
    """One refined output, as ``done`` lists it."""

    file_id: Annotated[StrictStr, Field(description="The refined document.")]
    name: Annotated[StrictStr, Field(description="The document's name.")]
    format: Annotated[
        StrictStr,
        Field(
            description="Format of the refined output, e.g. `txt` or `md`; download it from "
            "`/jobs/{job_id}/output?file_id=`."
        ),
    ]
    bytes: Annotated[
        StrictInt, Field(ge=0, description="Size of the refined output, in bytes (UTF-8).")
    ]
    style_fallbacks: Annotated[
        list[StrictStr] | SkipJsonSchema[None],
        Field(
            json_schema_extra=_absent_when_none,
            description="For `.docx` output: styles the output asked for that its template "
            "lacks, so that a fallback was used; absent when there were none.",
        ),
    ] = None

    def as_dict(self) -> dict[str, Any]:
        """As the wire and the job record both show it: ``style_fallbacks`` only when some."""
        shown: dict[str, Any] = {
            "file_id": self.file_id,
            "name": self.name,
            "format": self.format,
            "bytes": self.bytes,
        }
        if self.style_fallbacks:
            shown["style_fallbacks"] = self.style_fallbacks
        return shown


_FileId = Annotated[
    StrictStr, Field(description="The document this pass refines (see `job_started.files`).")
]
# ``pass`` is a keyword: the field is ``pass_`` in Python and ``pass`` on the wire.
_PassNumber = Annotated[
    StrictInt,
    Field(alias="pass", ge=1, description="The pass number, from 1 (pass 0 is the original)."),
]
_Count = Annotated[StrictInt, Field(ge=0)]


# the events of a job


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobQueued:
    """The job was accepted; the first event of every job (and of every resumed run)."""

    type: ClassVar[Literal["job_queued"]] = "job_queued"
    position: Annotated[
        StrictInt,
        Field(
            ge=0,
            description="Place in line when the job was accepted: 0 means it starts at once, "
            "1 is next in line. Sent once per run; not updated as the line moves.",
        ),
    ]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobStarted:
    """The job got a slot and starts its passes."""

    type: ClassVar[Literal["job_started"]] = "job_started"
    files: Annotated[
        list[JobFile], Field(description="The job's documents, refined in this order.")
    ]
    passes: Annotated[
        StrictInt,
        Field(
            ge=1,
            description="Passes asked for per document. A document whose pass changed nothing "
            "may stop early (`stop_when_unchanged`), so fewer passes can follow.",
        ),
    ]
    strategies: Annotated[
        list[StrictStr],
        Field(
            description="The strategy of each pass, in order (pass 1 first); as long as `passes`."
        ),
    ]
    engine: Annotated[StrictStr, Field(description="The engine running the passes, e.g. `local`.")]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class PassStarted:
    """A pass on one document begins."""

    type: ClassVar[Literal["pass_started"]] = "pass_started"
    file_id: _FileId
    pass_: _PassNumber
    strategy: Annotated[StrictStr, Field(description="The strategy this pass applies.")]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class PassProgressed:
    """A pass advanced. Transient: never stored, never replayed, may be dropped."""

    type: ClassVar[Literal["pass_progress"]] = "pass_progress"
    file_id: _FileId
    pass_: _PassNumber
    done: Annotated[StrictInt, Field(ge=0, description="Units of work done so far in this pass.")]
    total: Annotated[
        StrictInt,
        Field(
            ge=0, description="Units of work in this pass (chunks of the document, for `local`)."
        ),
    ]
    delta: Annotated[
        StrictStr | SkipJsonSchema[None],
        Field(
            json_schema_extra=_absent_when_none,
            description="New output text since the last progress event, from engines that "
            "stream text; absent otherwise (always absent for `local`).",
        ),
    ] = None
    chunk: Annotated[
        _Count | SkipJsonSchema[None],
        Field(
            json_schema_extra=_absent_when_none,
            description="Which chunk of the document `delta` extends, from 0 in document order: "
            "chunks are written concurrently. Present exactly when `delta` is.",
        ),
    ] = None
    restart: Annotated[
        StrictBool | SkipJsonSchema[None],
        Field(
            json_schema_extra=_absent_when_none,
            description="True when `delta` replaces what this chunk's deltas added up to so far "
            "(an attempt failed and is asked again, or the answer was cleaned up or not used); "
            "absent otherwise.",
        ),
    ] = None


# mypy does not know PEP 728 yet; pydantic does, and types every further metric a number.
@with_config(ConfigDict(extra="allow"))
class PassMetrics(TypedDict, extra_items=StrictFloat):  # type: ignore[call-arg]
    """Measures of the text after a pass. Engines may add numeric fields of their own."""

    # A mapping, not a dataclass: the metrics are stored with the pass's
    # version too, and go on the wire in the order they were measured.

    words: Annotated[
        StrictInt, Field(ge=0, description="Words of prose (code spans and blocks left out).")
    ]
    sentences: Annotated[StrictInt, Field(ge=0, description="Sentences of prose.")]
    avg_sentence_words: Annotated[StrictFloat, Field(ge=0, description="Mean words per sentence.")]
    flesch_reading_ease: Annotated[
        StrictFloat,
        Field(
            description="Flesch reading ease; higher is easier. Not clamped: can exceed 100 "
            "or fall below 0."
        ),
    ]
    grade_level: Annotated[
        StrictFloat,
        Field(
            description="Flesch-Kincaid grade level; lower is easier. Not clamped: can be negative."
        ),
    ]
    changed_ratio: Annotated[
        StrictFloat,
        Field(
            ge=0,
            le=1,
            description="Share of words inserted or deleted by this pass, from 0 (none) to 1.",
        ),
    ]
    duration_ms: Annotated[
        StrictFloat, Field(ge=0, description="Wall time of the pass, in milliseconds.")
    ]
    edits: Annotated[
        StrictInt, Field(ge=0, description="Edits the pass made, each explained in the version.")
    ]
    tokens_in: NotRequired[
        Annotated[_Count, Field(description="Prompt tokens, for LLM engines; absent otherwise.")]
    ]
    tokens_out: NotRequired[
        Annotated[
            _Count, Field(description="Completion tokens, for LLM engines; absent otherwise.")
        ]
    ]
    cost: NotRequired[
        Annotated[
            StrictFloat,
            Field(
                ge=0,
                description="Estimated cost of the pass in US dollars, for engines that price "
                "their calls; absent otherwise.",
            ),
        ]
    ]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class PassCompleted:
    """A pass ended and its text is stored as a version."""

    type: ClassVar[Literal["pass_complete"]] = "pass_complete"
    file_id: _FileId
    pass_: _PassNumber
    strategy: Annotated[StrictStr, Field(description="The strategy this pass applied.")]
    changed: Annotated[
        StrictBool,
        Field(
            description="Whether the pass changed the text. With `stop_when_unchanged`, "
            "a pass that changed nothing is the document's last."
        ),
    ]
    version: Annotated[
        StrictInt,
        Field(
            ge=1,
            description="The stored version holding this pass's text: "
            "`/files/{file_id}/versions/{version}`. Equal to `pass`.",
        ),
    ]
    metrics: Annotated[PassMetrics, Field(description="Measures of the text after this pass.")]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobDone:
    """Terminal: every document was refined and its output written."""

    type: ClassVar[Literal["done"]] = "done"
    outputs: Annotated[list[JobOutput], Field(description="One refined output per document.")]
    duration_ms: Annotated[
        StrictFloat,
        Field(
            ge=0,
            description="Milliseconds from the job being accepted to its end, "
            "time waiting in line included.",
        ),
    ]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobFailed(JobError):
    """Terminal: the job failed, or was interrupted (``code`` is ``interrupted``)."""

    # Its data is the JobError the job's record keeps.

    type: ClassVar[Literal["error"]] = "error"


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class JobCancelled:
    """Terminal: the job was cancelled; its completed passes are kept."""

    type: ClassVar[Literal["cancelled"]] = "cancelled"
    reason: Annotated[StrictStr, Field(description="Why the job was cancelled.")]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class StreamEnded:
    """The last event of a stream, right after the terminal event. Its data is always empty."""

    type: ClassVar[Literal["stream_end"]] = "stream_end"


# notices: not events of the job


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class Lagged:
    """Not an event: this subscriber fell behind and its stream ends now; resume it."""

    type: ClassVar[Literal["lagged"]] = "lagged"
    from_seq: Annotated[
        StrictInt,
        Field(
            ge=1,
            description="The first seq this subscriber missed. Resume from the seq of the "
            "last durable event you received (which is below this).",
        ),
    ]


@with_config(_CLOSED)
@dataclass(frozen=True, slots=True)
class ReplayGap:
    """Not an event: the durable log could not replay every event asked for."""

    type: ClassVar[Literal["replay_gap"]] = "replay_gap"
    from_seq: Annotated[
        StrictInt, Field(ge=1, description="The first seq that could not be replayed.")
    ]
    to_seq: Annotated[
        StrictInt | None,
        Field(
            ge=1,
            description="The last seq that could not be replayed; null when the job no longer "
            "exists, so nothing from `from_seq` on ever will be.",
        ),
    ]

    def __post_init__(self) -> None:
        if self.to_seq is not None and self.to_seq < self.from_seq:
            raise ValueError("to_seq must not be below from_seq")


JobEvent = (
    JobQueued
    | JobStarted
    | PassStarted
    | PassProgressed
    | PassCompleted
    | JobDone
    | JobFailed
    | JobCancelled
    | StreamEnded
)
Notice = Lagged | ReplayGap
AnyEvent = JobEvent | Notice

JOB_EVENTS: tuple[type[JobEvent], ...] = (
    JobQueued,
    JobStarted,
    PassStarted,
    PassProgressed,
    PassCompleted,
    JobDone,
    JobFailed,
    JobCancelled,
    StreamEnded,
)
NOTICES: tuple[type[Notice], ...] = (Lagged, ReplayGap)

# What turns an event, in its place in a job's stream, into the envelope's
# text: the transports' codec, handed to the actors by whoever starts them.
Encode = Callable[[str, int, float, AnyEvent], str]


@dataclass(slots=True, eq=False)
class Envelope:
    """An event in its place in a job's stream, with its text, made once for all subscribers."""

    job_id: str
    seq: int
    ts: float
    event: AnyEvent
    text: str = field(repr=False)  # the envelope as a WebSocket text frame carries it
    # A transport's framing of ``text`` (an SSE frame), made by the first
    # subscriber that needs it and shared by the rest.
    framed: bytes | None = field(default=None, repr=False)

    @property
    def type(self) -> str:
        return self.event.type

    @property
    def durable(self) -> bool:
        """Logged and replayed; only progress is not, and may be dropped."""
        return not isinstance(self.event, PassProgressed)

    @property
    def ends_stream(self) -> bool:
        return isinstance(self.event, StreamEnded)

    def stored(self) -> tuple[int, str, bytes]:
        """The row the durable log keeps for this event."""
        return self.seq, self.event.type, self.text.encode()
