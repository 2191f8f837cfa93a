"""Ratings of strategies: ``POST /strategy/feedback`` and its summary."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from service.api import state
from service.api.document_ids import DocumentMissing, find_document
from service.api.responses import protected
from service.engines.base import Engine
from service.errors import ApiError, invalid
from service.feedback import (
    PRIOR_DESCRIPTION,
    FeedbackUnavailable,
    rating_value,
)

router = APIRouter()

MAX_COMMENT = 2000


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(min_length=1, max_length=100)
    # Strict: true, "3" and 5.0 are no stars (pydantic would read true as 1).
    rating: Literal["up", "down"] | Annotated[StrictInt, Field(ge=1, le=5)] = Field(
        description="'up', 'down', or 1 to 5 stars"
    )
    engine: str | None = Field(None, description="defaults to the job's engine, else 'local'")
    job_id: str | None = Field(None, max_length=100)
    file_id: str | None = Field(
        None,
        max_length=100,
        description="the document's file_id, or the id of the upload it was made from",
    )
    pass_number: int | None = Field(None, alias="pass", ge=1, le=10)
    comment: str | None = Field(
        None, max_length=MAX_COMMENT, description="stored as given, never interpreted"
    )
    voter: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="who rates, e.g. a browser's own random id: a later rating of the same "
        "pass by the same voter replaces the earlier one in the scores",
    )


def plan_positions(engines: Mapping[str, Engine]) -> dict[tuple[str, str], int]:
    return {
        (strategy, name): position
        for name, engine in engines.items()
        for position, strategy in enumerate(engine.default_plan())
    }


async def _target(request: Request, body: FeedbackRequest) -> dict[str, Any]:
    """Check that the job, file and pass named exist, match, and used the strategy."""
    store = state.store(request)
    target: dict[str, Any] = {"job_id": body.job_id, "file_id": body.file_id, "pass": None}
    engine = body.engine
    if body.file_id is not None:
        other = await store.get_document(body.file_id)
        if other is not None and body.job_id is not None and other.job_id != body.job_id:
            raise invalid(f"file {body.file_id!r} belongs to another job than {body.job_id!r}")
        try:
            doc = await find_document(store, body.file_id, job_id=body.job_id)
        except DocumentMissing as exc:
            raise invalid(exc.detail, code="file_not_found") from None
        target["job_id"] = doc.job_id
        target["file_id"] = doc.id
    if target["job_id"] is not None:
        job = await store.get_job(target["job_id"])
        if job is None:
            raise invalid(f"no job with id {target['job_id']!r}", code="job_not_found")
        if engine is not None and engine != job.engine:
            raise invalid(f"job {job.id!r} ran on the {job.engine!r} engine, not {engine!r}")
        engine = job.engine
        if body.pass_number is None and body.strategy not in job.strategies:
            raise invalid(f"job {job.id!r} did not use strategy {body.strategy!r}")
    if body.pass_number is not None:
        if target["job_id"] is None:
            raise invalid("a pass needs the job_id (or file_id) it belongs to")
        if target["file_id"] is None:
            docs = await store.documents(target["job_id"])
            if len(docs) != 1:
                raise invalid(f"job {target['job_id']!r} has {len(docs)} files; give file_id")
            target["file_id"] = docs[0].id
        version = await store.version(target["file_id"], body.pass_number)
        if version is None:
            raise invalid(f"file {target['file_id']!r} has no pass {body.pass_number}")
        if version.strategy != body.strategy:
            raise invalid(
                f"pass {body.pass_number} of {target['file_id']!r} used {version.strategy!r},"
                f" not {body.strategy!r}"
            )
        target["pass"] = body.pass_number
    engines = state.engines(request)
    if target["job_id"] is None and engine is not None and engine not in engines:
        # A job's own engine stands even if this deployment no longer offers it.
        known = ", ".join(sorted(engines))
        raise invalid(f"unknown engine {engine!r}; known engines: {known}", code="unknown_engine")
    target["engine"] = engine or "local"
    return target


@router.post(
    "/strategy/feedback",
    status_code=201,
    summary="Rate a strategy",
    responses=protected(
        400,
        409,
        413,
        422,
        503,
        why={
            409: "file_id is an upload that several jobs' documents were made from",
            422: "an invalid body, or a strategy, engine, job, file or pass that does not "
            "exist or does not match",
            503: "the feedback log cannot be written right now",
        },
    ),
)
async def post_feedback(request: Request, body: FeedbackRequest) -> dict[str, Any]:
    engines = state.engines(request)
    known = {s for e in engines.values() for s in e.strategies()}
    if body.strategy not in known:
        raise invalid(
            f"unknown strategy {body.strategy!r}; known: {', '.join(sorted(known))}",
            code="unknown_strategy",
        )
    target = await _target(request, body)
    if target["engine"] in engines and body.strategy not in engines[target["engine"]].strategies():
        raise invalid(f"the {target['engine']!r} engine has no strategy {body.strategy!r}")
    now = time.time()
    record = {
        "id": f"fb_{secrets.token_hex(8)}",
        "at": now,
        "strategy": body.strategy,
        "rating": body.rating,
        "value": rating_value(body.rating),
        "comment": body.comment,
        "voter": body.voter,
        **target,
    }
    try:
        await state.feedback_log(request).append(record)
    except FeedbackUnavailable as exc:
        raise ApiError(503, "feedback_unavailable", str(exc)) from None
    state.feedback_scores(request).add(record)
    return record


@router.get(
    "/strategy/feedback/summary",
    summary="Feedback per strategy and engine",
    responses=protected(),
)
async def feedback_summary(request: Request) -> dict[str, Any]:
    positions = plan_positions(state.engines(request))
    return {
        "strategies": state.feedback_scores(request).summary(positions),
        "score": PRIOR_DESCRIPTION,
    }
