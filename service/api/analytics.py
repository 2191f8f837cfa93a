"""``GET /analytics/summary``: usage and job figures, from SQLite, plus the live gauges."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from service.api import state
from service.api.feedback import plan_positions
from service.api.responses import protected
from service.errors import invalid
from service.store.analytics import Window

router = APIRouter()


# The moments the service reads, as a pattern the OpenAPI document carries too: Unix
# seconds, or an ISO 8601 date (0001 to 9999, leap days included), optionally with a
# time and a zone. Every string it matches is a real moment.
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_DAY = (
    "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29"
)
_TIME = (
    "[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{3}|[.][0-9]{6})?)?"
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)
MOMENT_PATTERN = f"^(?:-?[0-9]+(?:[.][0-9]+)?|(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_DAY})(?:{_TIME})?)$"

Moment = Annotated[
    str | None,
    Query(
        max_length=64,
        description="Unix seconds, or an ISO 8601 date or date and time (UTC unless it "
        "names a zone)",
        # Checked by unix_seconds, which says in words what is wrong.
        json_schema_extra={"pattern": MOMENT_PATTERN},
    ),
]


@router.get(
    "/analytics/summary",
    summary="Usage and job metrics",
    responses=protected(
        422, 503, why={422: "since or until is no moment, or since is not before until"}
    ),
)
async def summary(request: Request, since: Moment = None, until: Moment = None) -> dict[str, Any]:
    """``since`` and ``until`` (ISO 8601 or Unix seconds) bound the window by creation time;
    when both are given, ``since`` must come before ``until`` (else 422)."""
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
    if not re.fullmatch(MOMENT_PATTERN, value):
        raise invalid(f"{name} must be an ISO 8601 date or time, or Unix seconds; not {value!r}")
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
