"""``GET /events/schema``: the JSON Schema of the event envelope, for client authors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.responses import protected
from transports.envelope import event_json_schema

router = APIRouter()


@router.get(
    "/events/schema",
    summary="JSON Schema of the event envelope sent over SSE and WebSocket",
    response_description="A JSON Schema (draft 2020-12): one envelope, chosen by `type`.",
    responses=protected(),
)
async def events_schema() -> dict[str, Any]:
    """Describes every envelope type; see docs/events.md for ordering and resuming."""
    return event_json_schema()
