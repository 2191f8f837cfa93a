"""``GET /analytics/summary``: usage and job figures, from SQLite, plus the live gauges."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from service.api import state
from service.api.feedback import plan_positions
from service.errors import invalid
from service.store.analytics import Window

router = APIRouter()


Moment = Annotated[
    str | None,
    Query(max_length=64, description="ISO 8601 (UTC unless it names a zone) or Unix seconds"),
]


@router.get("/analytics/summary", summary="Usage and job metrics")
async def summary(request: Request, since: Moment = None, until: Moment = None) -> dict[str, Any]:
    """``since`` and ``until`` (ISO 8601 or Unix seconds) bound the window by creation time."""
    window = Window(
        None if since is None else unix_seconds("since", since),
        None if until is None else unix_seconds("until", until),
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


def unix_seconds(name: str, value: str) -> float:
    """``value`` as Unix seconds: a number is taken as seconds, whatever its size, and
    a date or time without a zone as UTC."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp()
        except (ValueError, OverflowError):
            raise invalid(
                f"{name} must be an ISO 8601 date or time, or Unix seconds; not {value!r}"
            ) from None
    if not math.isfinite(seconds):
        raise invalid(f"{name} must be a finite number of Unix seconds; not {value!r}")
    return seconds
