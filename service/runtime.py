"""Everything the service runs on, started and stopped together by the app's lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio.to_thread

from actors.supervisor import Supervisor, SupervisorConfig
from service.engines.base import Engine
from service.engines.registry import build_engines, close_engines
from service.feedback import FeedbackLog, FeedbackScores
from service.settings import Settings
from service.store import Store
from service.store.owner import claim_data_dir
from service.telemetry import LiveFigures, Telemetry
from transports import codec
from transports.registry import StreamRegistry

log = logging.getLogger("refiner")

# How long shutdown waits for open streams to deliver their jobs' ends.
DRAIN_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    engines: Mapping[str, Engine]
    supervisor: Supervisor
    streams: StreamRegistry
    feedback_log: FeedbackLog
    feedback_scores: FeedbackScores
    telemetry: Telemetry

    async def drain(self) -> None:
        """Interrupt running jobs and let every open stream send its end."""
        self.streams.start_draining()
        await self.supervisor.interrupt_all()
        if not await self.streams.wait_all_closed(DRAIN_SECONDS):
            log.warning("%d streams still open after draining", self.streams.total())

    def live(self) -> LiveFigures:
        return LiveFigures(
            running=self.supervisor.running,
            queued=self.supervisor.queued,
            subscribers=self.streams.snapshot(),
            sent=dict(self.streams.sent),
            events=self.supervisor.stats,
        )


@asynccontextmanager
async def run_services(settings: Settings, telemetry: Telemetry) -> AsyncIterator[Services]:
    with claim_data_dir(settings.data_dir):
        async with _services(settings, telemetry) as services:
            yield services


@asynccontextmanager
async def _services(settings: Settings, telemetry: Telemetry) -> AsyncIterator[Services]:
    store = Store(settings.data_dir)
    engines: Mapping[str, Engine] = {}
    try:
        feedback_log = FeedbackLog(settings.feedback_dir)
        feedback_scores = FeedbackScores(await anyio.to_thread.run_sync(feedback_log.read_all))
        engines = build_engines(settings)
        config = SupervisorConfig(
            max_jobs=settings.max_jobs,
            max_queue=settings.max_queue,
            output_dir=settings.output_dir,
            retention_seconds=settings.retention_seconds,
            cleanup_interval_seconds=settings.cleanup_interval_seconds,
            subscriber_buffer=settings.subscriber_buffer,
            templates_dir=settings.templates_dir,
        )
        async with (
            store.db.group_commits(),
            Supervisor(
                store, engines, config, encode=codec.encode, observer=telemetry
            ) as supervisor,
        ):
            services = Services(
                settings=settings,
                store=store,
                engines=engines,
                supervisor=supervisor,
                streams=StreamRegistry(),
                feedback_log=feedback_log,
                feedback_scores=feedback_scores,
                telemetry=telemetry,
            )
            telemetry.watch(services.live)
            log.info(
                "ready: engines %s, %d jobs at once; data in %s, outputs in %s, templates from %s",
                ", ".join(engines),
                settings.max_jobs,
                settings.data_dir.absolute(),
                settings.output_dir.absolute(),
                settings.templates_dir.absolute(),
            )
            yield services
    finally:
        await close_engines(engines)
        store.close()
