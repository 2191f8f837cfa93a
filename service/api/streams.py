"""The live streams of a job: SSE and a WebSocket per job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, WebSocket
from sse_starlette import EventSourceResponse

from service.api import state
from service.auth import key_is_valid, require_stream_key
from service.errors import not_found
from transports.feed import Feed
from transports.sse import event_stream
from transports.websocket import serve_job_progress

router = APIRouter()

CLOSE_POLICY_VIOLATION = 1008


@router.get(
    "/jobs/{job_id}/events",
    dependencies=[Depends(require_stream_key)],
    summary="The job's events as Server-Sent Events, resumable",
    response_class=EventSourceResponse,
)
async def events(
    request: Request,
    job_id: str,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
) -> EventSourceResponse:
    """Replays every durable event after ``Last-Event-ID`` (or ``?after=``), then follows live."""
    cursor = after or 0
    if last_event_id is not None and last_event_id.strip().isdigit():
        cursor = max(cursor, int(last_event_id))
    if await state.store(request).get_job(job_id) is None:
        raise not_found("job", job_id)
    feed = Feed(state.supervisor(request), state.store(request), job_id, after=cursor)
    return event_stream(feed, ping_seconds=state.settings(request).sse_ping_seconds)


@router.websocket("/ws/progress/{job_id}")
async def progress(
    websocket: WebSocket, job_id: str, after: Annotated[int, Query(ge=0)] = 0
) -> None:
    expected = state.settings(websocket).backend_api_key
    if not key_is_valid(websocket, expected, allow_query=True):
        # Closing before accepting refuses the handshake with HTTP 403.
        await websocket.close(CLOSE_POLICY_VIOLATION)
        return
    feed = Feed(state.supervisor(websocket), state.store(websocket), job_id, after=after)
    await serve_job_progress(websocket, feed)
