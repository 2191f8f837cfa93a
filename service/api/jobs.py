"""Starting jobs and managing them: run, list, detail, status, cancel, resume, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.responses import Response as StarletteResponse

from service.api import state
from service.api.answers import Cancelled, JobPage, JobStarted, JobState
from service.api.job_plans import build_job
from service.api.responses import TEXT, protected
from service.api.run_request import OPENAPI_BODY, read_run_request
from service.api.views import (
    CURSOR_PATTERN,
    decode_cursor,
    encode_cursor,
    job_detail,
    job_links,
    job_status,
    job_summary,
)
from service.errors import not_found
from service.store import JobRecord, JobStatus
from transports.feed import Feed
from transports.sse import event_stream

router = APIRouter()

_JOB_404 = {404: "no job with this id"}


def _accepts_event_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


@router.post(
    "/refine/run",
    status_code=202,
    response_model=None,
    summary="Start a refinement job",
    openapi_extra=OPENAPI_BODY,
    responses={
        202: {
            "model": JobStarted,
            "description": "the job started, or, when the client accepts it, its events "
            "as they happen",
            "content": {"text/event-stream": TEXT},
        },
        200: {
            "model": JobStarted,
            "description": "a retry with an Idempotency-Key already used: nothing new was "
            "accepted; the answer is the job the first request started",
        },
        **protected(
            400,
            404,
            413,
            415,
            422,
            503,
            why={
                404: "a file_ids entry names no uploaded file",
                422: "the request is invalid, or names an engine, strategy or template "
                "this service does not offer; `detail` says which",
            },
        ),
    },
)
async def run(
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> StarletteResponse:
    """Answers 202 with the job's id and links, or streams its events when the
    client accepts ``text/event-stream``. The same ``Idempotency-Key`` again
    answers 200 with the job it started the first time: nothing new was
    accepted. The body is JSON, or a multipart form with files (see
    ``service/api/run_request.py``)."""
    body, attachments = await read_run_request(request)
    job = await build_job(
        body,
        attachments=attachments,
        idempotency_key=idempotency_key,
        engines=state.engines(request),
        store=state.store(request),
        settings=state.settings(request),
        scores=state.feedback_scores(request),
    )
    record, created = await state.supervisor(request).submit(job)
    if _accepts_event_stream(request):
        feed = Feed(state.supervisor(request), state.store(request), record.id, after=0)
        return event_stream(
            feed,
            streams=state.streams(request),
            ping_seconds=state.settings(request).sse_ping_seconds,
        )
    return JSONResponse(
        {"job_id": record.id, "status": record.status.value, "links": job_links(record.id)},
        status_code=202 if created else 200,
        headers={"Location": f"/jobs/{record.id}"},
    )


async def _job_or_404(request: Request, job_id: str) -> JobRecord:
    record = await state.store(request).get_job(job_id)
    if record is None:
        raise not_found("job", job_id)
    return record


def _queue_position(request: Request, record: JobRecord) -> int | None:
    if record.status is not JobStatus.QUEUED:
        return None
    return state.supervisor(request).queue_position(record.id)


@router.get(
    "/jobs",
    summary="List jobs, newest first",
    response_model=None,
    responses={
        200: {"model": JobPage, "description": "a page of jobs"},
        **protected(
            422, 503, why={422: "an invalid parameter, or a cursor this service did not give out"}
        ),
    },
)
async def list_jobs(
    request: Request,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=500,
            pattern=CURSOR_PATTERN,
            description="next_cursor of the page before; any other value is refused",
        ),
    ] = None,
) -> dict[str, Any]:
    before = decode_cursor(cursor) if cursor else None
    records = await state.store(request).list_jobs(status=status, limit=limit + 1, before=before)
    page = records[:limit]
    more = len(records) > limit
    return {
        "jobs": [job_summary(r) for r in page],
        "next_cursor": encode_cursor(page[-1]) if more and page else None,
    }


@router.get(
    "/jobs/{job_id}",
    summary="A job with its files, passes, metrics and outputs",
    responses=protected(404, 503, why=_JOB_404),
)
async def get_job(request: Request, job_id: str) -> dict[str, Any]:
    record = await _job_or_404(request, job_id)
    store = state.store(request)
    transitions = await store.transitions(job_id)
    files = [(doc, await store.versions(doc.id)) for doc in await store.documents(job_id)]
    return job_detail(record, transitions, files, _queue_position(request, record))


@router.get(
    "/jobs/{job_id}/status",
    summary="A job's short status",
    response_model=None,
    responses={
        200: {"model": JobState, "description": "the job's status"},
        **protected(404, 503, why=_JOB_404),
    },
)
async def get_status(request: Request, job_id: str) -> dict[str, Any]:
    record = await _job_or_404(request, job_id)
    return job_status(record, _queue_position(request, record))


@router.post(
    "/jobs/{job_id}/cancel",
    summary="Cancel a queued or running job",
    response_model=None,
    responses={
        200: {"model": Cancelled, "description": "the job's status after the cancel"},
        **protected(
            404, 409, 413, 503, why={**_JOB_404, 409: "the job has finished: nothing to cancel"}
        ),
    },
)
async def cancel(request: Request, job_id: str) -> dict[str, Any]:
    """Idempotent; completed passes are kept. A finished job answers 409."""
    status = await state.supervisor(request).cancel(job_id)
    return {"job_id": job_id, "status": status.value}


@router.post(
    "/jobs/{job_id}/resume",
    status_code=202,
    summary="Resume an interrupted or failed job",
    response_model=None,
    responses={
        202: {"model": JobStarted, "description": "the job is queued again"},
        **protected(
            404,
            409,
            413,
            503,
            why={**_JOB_404, 409: "the job is running, succeeded, or being resumed or deleted"},
        ),
    },
)
async def resume(request: Request, job_id: str) -> dict[str, Any]:
    record = await state.supervisor(request).resume(job_id)
    return {"job_id": record.id, "status": record.status.value, "links": job_links(record.id)}


@router.delete(
    "/jobs/{job_id}",
    status_code=204,
    summary="Remove a finished job and its data",
    responses=protected(
        404, 409, 503, why={**_JOB_404, 409: "the job has not finished: cancel it first"}
    ),
)
async def delete_job(request: Request, job_id: str) -> Response:
    await state.supervisor(request).delete(job_id)
    return Response(status_code=204)
