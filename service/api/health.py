"""``GET /health``: liveness and readiness, never behind the API key."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api import state

router = APIRouter()


@router.get("/health", summary="Liveness and readiness")
async def health(request: Request) -> JSONResponse:
    ready = getattr(request.app.state, "ready", False)
    settings = state.settings(request)
    body: dict[str, Any] = {
        "status": "ok" if ready else "starting",
        "ready": ready,
        # What one job may hold, so that a client can check before it sends.
        "limits": {
            "max_text_chars": settings.max_text_chars,
            "max_upload_bytes": settings.max_upload_bytes,
        },
    }
    if ready:
        supervisor = state.supervisor(request)
        body["jobs"] = {"running": supervisor.running, "queued": supervisor.queued}
        body["engines"] = sorted(state.engines(request))
        body["streams"] = state.streams(request).snapshot()
        # Every task belongs to a task group: after clients leave this returns to its start.
        body["tasks"] = len(anyio.get_running_tasks())
    return JSONResponse(body, status_code=200 if ready else 503)
