"""``GET /analytics/summary``: usage and job figures, from SQLite, plus the live gauges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from service.api import state
from service.api.feedback import plan_positions
from service.errors import invalid
from service.store.analytics import Window

router = APIRouter()


@router.get("/analytics/summary", summary="Usage and job metrics")
async def summary(
    request: Request, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """``since`` and ``until`` (ISO 8601 or Unix seconds) bound the window by creation time."""
    window = Window(
        since.timestamp() if since is not None else None,
        until.timestamp() if until is not None else None,
    )
    if window.since is not None and window.until is not None and window.since >= window.until:
        raise invalid("since must come before until")
    figures = await state.store(request).analytics(window)
    feedback = state.feedback_scores(request).summary(plan_positions(state.engines(request)))
    live = state.services(request).live()
    figures["window"] = {"since": window.since, "until": window.until}
    figures["feedback"] = [
        {k: row[k] for k in ("strategy", "engine", "count", "ups", "downs", "mean", "score")}
        for row in feedback
        if row["count"]
    ]
    figures["live"] = {
        "jobs_running": live.running,
        "jobs_queued": live.queued,
        "subscribers": live.subscribers,
        "events": {**live.events.snapshot(), "sent": live.sent},
    }
    return figures
