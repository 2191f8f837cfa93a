"""Prometheus metrics: request latency, job and pass durations, and live gauges.

Each app has its own registry, so several apps in one process never collide.
Live figures (jobs, subscribers, events) are read when scraped, not copied on
every change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actors.stats import EventStats

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


@dataclass(frozen=True, slots=True)
class LiveFigures:
    running: int
    queued: int
    subscribers: dict[str, int]  # open streams by kind
    sent: dict[str, int]  # events written by transport
    events: EventStats


class _LiveCollector(Collector):
    def __init__(self, read: Callable[[], LiveFigures]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        live = self._read()
        yield GaugeMetricFamily("refiner_jobs_running", "Jobs running now", value=live.running)
        yield GaugeMetricFamily("refiner_jobs_queued", "Jobs waiting for a slot", value=live.queued)
        subscribers = GaugeMetricFamily(
            "refiner_subscribers", "Open streams by kind", labels=["kind"]
        )
        for kind, count in live.subscribers.items():
            subscribers.add_metric([kind], count)
        yield subscribers
        published = CounterMetricFamily(
            "refiner_events_published", "Events published by jobs, by type", labels=["type"]
        )
        for type_, count in sorted(live.events.published.items()):
            published.add_metric([type_], count)
        yield published
        sent = CounterMetricFamily(
            "refiner_events_sent", "Events written to clients, by transport", labels=["transport"]
        )
        for transport, count in live.sent.items():
            sent.add_metric([transport], count)
        yield sent
        yield CounterMetricFamily(
            "refiner_events_delivered",
            "Events handed to subscribers' buffers",
            value=live.events.delivered,
        )
        yield CounterMetricFamily(
            "refiner_events_dropped",
            "Transient events dropped for subscribers that fell behind",
            value=live.events.dropped,
        )
        yield CounterMetricFamily(
            "refiner_subscribers_lagged",
            "Subscriptions ended because durable events no longer fit their buffer",
            value=live.events.lagged,
        )


class Telemetry:
    """The app's metrics; also the job observer the supervisor reports to."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "refiner_http_request_duration_seconds",
            "REST request latency by route",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.jobs = Histogram(
            "refiner_job_duration_seconds",
            "Job run time, from getting a slot to the end",
            ["status", "engine"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.passes = Histogram(
            "refiner_pass_duration_seconds",
            "Pass run time",
            ["strategy", "engine"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self._live: _LiveCollector | None = None

    def watch(self, read: Callable[[], LiveFigures]) -> None:
        """Serve live figures from ``read`` at every scrape."""
        if self._live is not None:
            self.registry.unregister(self._live)
        self._live = _LiveCollector(read)
        self.registry.register(self._live)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # JobObserver

    def pass_completed(self, strategy: str, engine: str, seconds: float) -> None:
        self.passes.labels(strategy, engine).observe(seconds)

    def job_finished(self, status: str, engine: str, seconds: float | None) -> None:
        if seconds is not None:
            self.jobs.labels(status, engine).observe(seconds)


class RequestTimer:
    """ASGI middleware timing REST requests by route template; streams are left out."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        streaming = False

        async def timed_send(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type" and value.startswith(b"text/event-stream"):
                        streaming = True
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            if not streaming:
                route = getattr(scope.get("route"), "path", "unmatched")
                self.telemetry.requests.labels(scope["method"], route, str(status)).observe(
                    time.perf_counter() - started
                )
