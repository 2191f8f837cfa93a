"""The messages a client sends on an editor's ``/ws`` session, validated at the edge."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import from_json

from service.validation import explain, model_fields, quoted
from transports.feed import MAX_SEQ

MAX_ID_CHARS = 100
# A ref is echoed in every answer, so it is bounded as a job id is: a reply that
# waits for a client that does not read holds no more than a few hundred bytes.
MAX_REF_CHARS = MAX_ID_CHARS
_REF_INT = 2**63


def _bounded_ref(ref: str | int | None) -> str | int | None:
    if ref is not None and _echoable(ref) is None:
        size = f"{len(ref)} characters" if isinstance(ref, str) else f"{ref.bit_length()} bits"
        raise ValueError(
            f"a ref is a string of at most {MAX_REF_CHARS} characters or a 64-bit "
            f"whole number; this one has {size}"
        )
    return ref


JobId = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
Ref = Annotated[
    str | int | None, AfterValidator(_bounded_ref), Field(description="echoed in the answer")
]


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
_MODELS: dict[str, type[_Op]] = {
    "subscribe": SubscribeOp,
    "unsubscribe": UnsubscribeOp,
    "run": RunOp,
    "cancel": CancelOp,
    "ping": PingOp,
}
OPS = tuple(_MODELS)
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
    ref = _echoable(raw.get("ref"))
    op = raw.get("op")
    if op not in OPS:
        shown = "no op" if op is None else f"unknown op {quoted(op)}"
        raise BadOp(f"{shown}; ops are: {', '.join(OPS)}", ref)
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        raise BadOp(f"bad {op!r} message: {_problems(op, exc)}", ref) from None


def _problems(op: str, exc: ValidationError) -> str:
    """What is wrong, in words. Its own frame: a refusal's traceback keeps parse_op's
    locals alive while the refusal waits to be sent, and these hold the values."""
    # Each location starts with the op's own name, the union's tag: not a field.
    errors = [{**e, "loc": e["loc"][1:]} for e in exc.errors()]
    return "; ".join(explain(errors, field=model_fields(_MODELS[op])))


def _echoable(ref: Any) -> str | int | None:
    """The ref to echo in an error, if it is one a valid op may carry; else none."""
    if isinstance(ref, str) and len(ref) <= MAX_REF_CHARS:
        return ref
    if isinstance(ref, int) and -_REF_INT <= ref < _REF_INT:
        return ref
    return None
