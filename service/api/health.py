"""``GET /health``: liveness and readiness, never behind the API key."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api import state
from service.api.responses import JSON, errors, success
from service.preflight import folder_problems

router = APIRouter()


@router.get(
    "/health",
    summary="Liveness and readiness",
    responses={
        **success(
            "not ready: the service is starting or stopping, or a folder it writes is not writable",
            {"application/json": JSON},
            503,
        ),
        **errors(414, 431),
    },
    # Public: a load balancer asks without the key.
    openapi_extra={"security": []},
)
async def health(request: Request) -> JSONResponse:
    started = getattr(request.app.state, "ready", False)
    settings = state.settings(request)
    # A folder that stops being writable would fail every job at its end.
    problems = folder_problems(settings) if started else []
    ready = started and not problems
    body: dict[str, Any] = {
        "status": "ok" if ready else "unwritable" if problems else "starting",
        "ready": ready,
        # What one job may hold, so that a client can check before it sends.
        "limits": {
            "max_text_chars": settings.max_text_chars,
            "max_upload_bytes": settings.max_upload_bytes,
        },
    }
    if problems:
        body["problems"] = problems
    if started:
        supervisor = state.supervisor(request)
        body["jobs"] = {"running": supervisor.running, "queued": supervisor.queued}
        body["engines"] = sorted(state.engines(request))
        body["streams"] = state.streams(request).snapshot()
        # Every task belongs to a task group: after clients leave this returns to its start.
        body["tasks"] = len(anyio.get_running_tasks())
    return JSONResponse(body, status_code=200 if ready else 503)
