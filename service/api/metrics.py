"""``GET /metrics``: Prometheus text exposition, behind the API key like the rest."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from service.api.responses import TEXT, bare, protected, success
from service.telemetry import Telemetry

router = APIRouter()


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        **success("the Prometheus text exposition", {bare(CONTENT_TYPE_LATEST): TEXT}),
        **protected(),
    },
)
async def metrics(request: Request) -> Response:
    telemetry: Telemetry = request.app.state.telemetry
    return Response(telemetry.exposition(), media_type=CONTENT_TYPE_LATEST)
