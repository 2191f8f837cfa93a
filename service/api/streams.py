"""The live streams: SSE per job, a WebSocket per job, and an editor's ``/ws`` session."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket
from pydantic import ValidationError
from sse_starlette import EventSourceResponse
from starlette.responses import Response

from service.api import state
from service.api.job_plans import build_job
from service.api.responses import TEXT, protected, success
from service.api.schemas import RefineRequest
from service.auth import require_stream_key
from service.errors import ApiError, error_response, not_found
from service.validation import dotted, explain, model_fields
from transports.feed import MAX_SEQ, SEQ_DIGITS, Feed
from transports.session import OpRefused, serve_session
from transports.sse import event_stream
from transports.websocket import CLOSE_NO_SUCH_JOB, close, serve_job_progress

router = APIRouter()

CLOSE_POLICY_VIOLATION = 1008
# Every job id is made by ``job_plans.new_id("job")``: an id of any other form
# names no job, and is refused before the store is asked.
JOB_ID = re.compile(r"job_[0-9a-f]{16}")


@router.get(
    "/jobs/{job_id}/events",
    dependencies=[Depends(require_stream_key)],
    summary="The job's events as Server-Sent Events, resumable",
    response_class=EventSourceResponse,
    responses={
        **success("the events, replayed then live", {"text/event-stream": TEXT}),
        204: {"description": "the job is finished and the cursor is at its end"},
        **protected(404, 422, 503, why={404: "no job with this id"}),
    },
    # Browsers cannot set headers on an EventSource: the key may come as ?api_key= too.
    openapi_extra={"x-query-key": True},
)
async def events(
    request: Request,
    job_id: str,
    after: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> Response:
    """Replays every durable event after ``Last-Event-ID`` (or ``?after=``), then follows live."""
    cursor = after or 0
    if last_event_id is not None and _is_seq(last_event_id.strip()):
        cursor = max(cursor, int(last_event_id))
    job = await state.store(request).get_job(job_id)
    if job is None:
        raise not_found("job", job_id)
    if job.status.finished and cursor == job.last_seq:
        # The client has the whole story; 204 tells EventSource not to reconnect.
        return Response(status_code=204)
    feed = Feed(state.supervisor(request), state.store(request), job_id, after=cursor)
    return event_stream(
        feed, streams=state.streams(request), ping_seconds=state.settings(request).sse_ping_seconds
    )


async def _admitted(websocket: WebSocket) -> bool:
    """Refuse the handshake (HTTP 401) without a valid key, before any event is sent."""
    try:
        await require_stream_key(websocket)
    except ApiError as refused:
        await _refuse(websocket, refused)
        return False
    return True


async def _refuse(websocket: WebSocket, error: ApiError) -> None:
    """Answer the handshake with the error, as a REST endpoint would.

    Anyone can be refused: the refusal is counted and logged in sum, never a
    line each (``transports/handshakes.py``).
    """
    state.streams(websocket).refusals.refused(error.status, error.code)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error_response(error))
    else:
        await close(websocket, CLOSE_POLICY_VIOLATION, error.detail)


def _is_seq(text: str) -> bool:
    """Whether ``text`` is a seq as a client sends it ("²" passes ``str.isdigit()``)."""
    return text.isascii() and text.isdigit() and len(text) <= SEQ_DIGITS


# The WebSocket routes are Starlette's own, not FastAPI's: FastAPI's keeps two
# exit stacks and the solved dependencies for the whole life of the socket,
# about 7 KB of every idle subscriber (bench/findings.md). The app calls
# these endpoints itself, past the router (``service.app.Refiner``).


@router.websocket_route("/ws/progress/{job_id}")
async def progress(websocket: WebSocket) -> None:
    if not await _admitted(websocket):
        return
    job_id: str = websocket.path_params["job_id"]
    after = websocket.query_params.get("after", "0")
    if not _is_seq(after):
        detail = f"after must be the seq of the last event you have, a whole number; not {after!r}"
        await _refuse(websocket, ApiError(400, "invalid_request", detail))
        return
    if not JOB_ID.fullmatch(job_id) or await state.store(websocket).get_job(job_id) is None:
        await websocket.accept()
        await close(websocket, CLOSE_NO_SUCH_JOB, f"no job {job_id}")
        return
    feed = Feed(state.supervisor(websocket), state.store(websocket), job_id, after=int(after))
    await serve_job_progress(websocket, feed, state.streams(websocket))


@router.websocket_route("/ws")
async def session(websocket: WebSocket) -> None:
    if not await _admitted(websocket):
        return

    async def start_job(body: dict[str, Any], idempotency_key: str | None) -> str:
        try:
            request = RefineRequest.model_validate(body)
            job = await build_job(
                request,
                idempotency_key=idempotency_key,
                engines=state.engines(websocket),
                store=state.store(websocket),
                settings=state.settings(websocket),
                scores=state.feedback_scores(websocket),
            )
        except ValidationError as exc:
            # Named as they sit in the op: {"op": "run", "request": {...}}.
            problems = "; ".join(
                explain(
                    exc.errors(),
                    field=model_fields(RefineRequest),
                    name=lambda loc: dotted(("request", *loc)),
                )
            )
            raise OpRefused(f"bad request: {problems}", "invalid_request") from None
        except ApiError as exc:
            raise OpRefused(exc.detail, exc.code) from None
        record, _ = await state.supervisor(websocket).submit(job)
        return record.id

    await serve_session(
        websocket,
        supervisor=state.supervisor(websocket),
        store=state.store(websocket),
        streams=state.streams(websocket),
        start_job=start_job,
    )
