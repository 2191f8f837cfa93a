"""The ASGI application: routes, middleware, and a lifespan that owns the supervisor."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import Match, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from service.api import (
    analytics,
    catalogue,
    diff,
    events_schema,
    feedback,
    files,
    health,
    jobs,
    metrics,
    openapi_document,
    outputs,
    pages,
    streams,
    templates,
)
from service.auth import ApiKeyGate, require_api_key
from service.body_limit import BodyLimit
from service.errors import install_error_handlers
from service.log_redaction import redact_logs
from service.runtime import run_services
from service.security_headers import SecurityHeaders
from service.settings import Settings
from service.telemetry import RequestTimer, Telemetry

# Headroom over the upload limit for multipart framing and JSON escaping.
_BODY_OVERHEAD = 64 * 1024


class Refiner(FastAPI):
    """FastAPI whose WebSockets go straight to their endpoints, past middleware and router.

    The app's own middleware is for HTTP: body limits, security headers,
    request timing, CORS. Each passes a WebSocket through, yet keeps its
    frame suspended for the socket's whole life; so do the router, the route
    and their exception and exit-stack wrappers, in all some 8 KB of every
    idle subscriber (bench/findings.md). The routes in
    :attr:`websocket_routes` are matched here and their endpoint is called
    with the socket; any other WebSocket goes to the router, which refuses
    it. The routes must be Starlette's, with a plain function endpoint and
    no middleware of their own. No exception handler runs for them: the
    stream routes check the API key and refuse bad requests themselves
    (``service/api/streams.py``), and any other error reaches uvicorn, which
    answers the handshake with 500, or drops a socket already accepted.
    """

    websocket_routes: Sequence[WebSocketRoute] = ()

    def build_middleware_stack(self) -> ASGIApp:
        http = super().build_middleware_stack()
        sockets = self.websocket_routes
        router = self.router

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "websocket":
                await http(scope, receive, send)
                return
            for route in sockets:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    await route.endpoint(WebSocket(scope, receive, send))
                    return
            await router(scope, receive, send)

        return app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    redact_logs([settings.backend_api_key, settings.openai_api_key])

    telemetry = Telemetry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_services(settings, telemetry) as services:
            app.state.services = services  # the routes reach it through service/api/state.py

            async def drain() -> None:
                app.state.ready = False
                await services.drain()

            app.state.drain = drain
            app.state.ready = True
            try:
                yield
            finally:
                app.state.ready = False

    app = Refiner(
        # The OpenAPI document is served by a route of ours, behind the API key.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        title="Refiner",
        version="0.1.0",
        summary="Live multi-pass document refinement",
        lifespan=lifespan,
    )
    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document.complete(base_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.telemetry = telemetry
    app.state.ready = False
    install_error_handlers(app)

    protected = [Depends(require_api_key)]
    app.include_router(health.router)
    app.include_router(pages.router)
    modules = (jobs, files, outputs, diff, templates, catalogue, feedback, analytics, metrics)
    for module in (*modules, events_schema, openapi_document):
        app.include_router(module.router, dependencies=protected)
    app.include_router(streams.router)
    # Starlette's plain routes only: a FastAPI one's endpoint takes dependencies.
    app.websocket_routes = [r for r in streams.router.routes if type(r) is WebSocketRoute]

    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + _BODY_OVERHEAD)
    app.add_middleware(
        ApiKeyGate,
        expected=settings.backend_api_key,
        public=[*health.router.routes, *pages.router.routes],
        streams=streams.router.routes,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTimer, telemetry=telemetry)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=[
                "Content-Type",
                "X-API-Key",
                "Authorization",
                "Idempotency-Key",
                "Last-Event-ID",
            ],
        )
    return app


@functools.cache
def _app_from_environment() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> FastAPI:
    """``service.app.app``, for ``uvicorn service.app:app``: one app, built from the
    environment on first use rather than at import (tests build apps of their own)."""
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
