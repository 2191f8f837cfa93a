"""The event envelope's published description, generated from the event types.

Each type of ``actors/events.py`` gets an envelope model here, made from the
type itself (its ``type`` as the discriminator, the dataclass as ``data``),
so that ``GET /events/schema`` and the validation the tests run cannot drift
from what the codec sends. The description is strict and closed: a field that
changes type or appears unannounced fails validation.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    TypeAdapter,
    create_model,
)

from actors.events import JOB_EVENTS, NOTICES, AnyEvent

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: StrictStr = Field(description="The job this event belongs to.")
    seq: StrictInt = Field(
        ge=1,
        description="The event's place in its job's stream: 1 for the first event, one more "
        "for each next one. Resume after the seq of the last durable event you received.",
    )
    ts: StrictFloat = Field(description="Server time when the event was published, Unix seconds.")


class _Notice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: StrictStr = Field(description="The job the notice is about.")
    seq: StrictInt = Field(
        ge=0,
        description="Not a seq of its own: the cursor to resume after (`data.from_seq - 1`). "
        "On SSE it is the frame's `id:`, so a browser's `Last-Event-ID` moves there. "
        "Do not drop a notice for repeating a seq you have seen.",
    )
    ts: StrictFloat = Field(description="Server time when the notice was sent, Unix seconds.")


def _envelope_model(event: type[AnyEvent], base: type[BaseModel]) -> type[BaseModel]:
    """The envelope of one event type: the common fields, its ``type`` and its ``data``."""
    model: type[BaseModel] = create_model(
        f"{event.__name__}Envelope",
        __base__=base,
        __doc__=event.__doc__,
        type=(Literal[event.type], ...),  # type: ignore[arg-type]
        data=(event, ...),
    )
    return model


ENVELOPE_MODELS: tuple[type[BaseModel], ...] = (
    *(_envelope_model(e, _Envelope) for e in JOB_EVENTS),
    *(_envelope_model(n, _Notice) for n in NOTICES),
)

# Any envelope, chosen by ``type``; built at run time from the event types, so typed loosely.
ENVELOPE_ADAPTER: TypeAdapter[Any] = TypeAdapter(
    Annotated[Union[ENVELOPE_MODELS], Field(discriminator="type")]  # type: ignore[arg-type]  # noqa: UP007
)


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
    side of the wire. Returns a fresh copy each time, so callers may change it.
    """
    return copy.deepcopy(_schema())
