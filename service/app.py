"""The ASGI application: routes, middleware, and a lifespan that owns the supervisor."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from actors.supervisor import Supervisor, SupervisorConfig
from service.api import catalogue, diff, events_schema, files, health, jobs, streams
from service.auth import require_api_key
from service.body_limit import BodyLimit
from service.engines.registry import build_engines
from service.errors import install_error_handlers
from service.settings import Settings
from service.store import Store
from transports.registry import StreamRegistry

log = logging.getLogger("refiner")

# How long shutdown waits for open streams to deliver their jobs' ends.
DRAIN_SECONDS = 5.0

# Headroom over the upload limit for multipart framing and JSON escaping.
_BODY_OVERHEAD = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.data_dir)
        engines = build_engines(settings)
        config = SupervisorConfig(
            max_jobs=settings.max_jobs,
            max_queue=settings.max_queue,
            output_dir=settings.output_dir,
            retention_seconds=settings.retention_seconds,
            cleanup_interval_seconds=settings.cleanup_interval_seconds,
            subscriber_buffer=settings.subscriber_buffer,
        )
        try:
            async with Supervisor(store, engines, config) as supervisor:
                streams = StreamRegistry()

                async def drain() -> None:
                    """Interrupt running jobs and let every stream send its end."""
                    app.state.ready = False
                    streams.start_draining()
                    await supervisor.interrupt_all()
                    if not await streams.wait_all_closed(DRAIN_SECONDS):
                        log.warning("%d streams still open after draining", streams.total())

                app.state.store = store
                app.state.engines = engines
                app.state.supervisor = supervisor
                app.state.streams = streams
                app.state.drain = drain
                app.state.ready = True
                log.info(
                    "ready: engines %s, %d jobs at once, data in %s",
                    ", ".join(engines),
                    settings.max_jobs,
                    settings.data_dir,
                )
                try:
                    yield
                finally:
                    app.state.ready = False
        finally:
            store.close()

    app = FastAPI(
        title="Refiner",
        version="0.1.0",
        summary="Live multi-pass document refinement",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.ready = False
    install_error_handlers(app)

    protected = [Depends(require_api_key)]
    app.include_router(health.router)
    app.include_router(events_schema.router)
    for module in (jobs, files, diff, catalogue):
        app.include_router(module.router, dependencies=protected)
    app.include_router(streams.router)

    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes + _BODY_OVERHEAD)
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


def __getattr__(name: str) -> FastAPI:
    # ``uvicorn service.app:app`` builds the app from the environment on first use.
    if name == "app":
        return create_app()
    raise AttributeError(name)
