"""The messages a client sends on an editor's ``/ws`` session, validated at the edge."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import from_json

from transports.feed import MAX_SEQ

JobId = Annotated[str, Field(min_length=1, max_length=100)]
Ref = Annotated[str | int | None, Field(description="echoed in the answer")]


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: Ref = None


class SubscribeOp(_Op):
    op: Literal["subscribe"]
    job_id: JobId
    after: int = Field(
        0, ge=0, le=MAX_SEQ, description="the seq of the last durable event already seen"
    )


class UnsubscribeOp(_Op):
    op: Literal["unsubscribe"]
    job_id: JobId


class RunOp(_Op):
    op: Literal["run"]
    request: dict[str, Any] = Field(description="the same body as POST /refine/run")
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="as POST /refine/run's Idempotency-Key, in the same key space: "
        "sent again, it is answered with the job it started the first time",
    )


class CancelOp(_Op):
    op: Literal["cancel"]
    job_id: JobId


class PingOp(_Op):
    op: Literal["ping"]


ClientOp = Annotated[
    SubscribeOp | UnsubscribeOp | RunOp | CancelOp | PingOp, Field(discriminator="op")
]
OPS = ("subscribe", "unsubscribe", "run", "cancel", "ping")
_ADAPTER: TypeAdapter[ClientOp] = TypeAdapter(ClientOp)


class BadOp(ValueError):
    """A client message that is not a valid op; ``ref`` is echoed when one was readable."""

    def __init__(self, detail: str, ref: str | int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.ref = ref


def parse_op(text: str) -> ClientOp:
    try:
        # pydantic's parser, as for REST bodies: it refuses a lone surrogate
        # ("\\ud800"), which no text or id may hold.
        raw = from_json(text)
    except ValueError as exc:
        raise BadOp(f"the message is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise BadOp("a message is a JSON object with an 'op'")
    ref = raw.get("ref") if isinstance(raw.get("ref"), str | int) else None
    op = raw.get("op")
    if op not in OPS:
        shown = "no op" if op is None else f"unknown op {op!r}"
        raise BadOp(f"{shown}; ops are: {', '.join(OPS)}", ref)
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'message'}: {e['msg']}"
            for e in exc.errors()
        )
        raise BadOp(f"bad {op!r} message: {problems}", ref) from None
