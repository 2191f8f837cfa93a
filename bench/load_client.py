"""The load client: J jobs x S subscribers, and what each subscriber received, when.

Run it in its own process (``python -m bench.load_client --help``); it prints
one JSON object, a :class:`LoadResult`. Against Refiner (``--create-jobs``) it
starts J probe jobs with ``POST /refine/run`` and ``wait_subscribers: S + 1``;
against a baseline the jobs already exist, with the ids of
:func:`bench.envelopes.job_id`. Then it opens S subscriptions per job:

- ``ws``: ``/ws/progress/{job_id}``; a frame holds one envelope or an array;
- ``session``: an editor's ``/ws`` session per subscription, subscribed to
  its job with the ``subscribe`` op; the same frames, besides op replies;
- ``sse``: ``/jobs/{job_id}/events``, parsed frame by frame from the bytes;
- ``pubsub``: fastapi-websocket-pubsub's JSON-RPC at ``/pubsub``, answering
  every ``notify`` as its client library does.

Each job starts when one more subscriber, a :class:`Starter`, joins: the
client opens the starters once every measured subscription is open.

For each ``pass_progress`` received it records the delivery latency (receive
time minus the envelope's ``ts``) and, when paced, the lag behind the
producer's schedule: event ``k`` is due at the pass's start plus ``k / rate``,
the start being the ``ts`` of ``pass_started``. Throughput is progress
deliveries over the time from the first ``pass_started`` to the last
delivery. No timing is asserted here: the caller compares.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import os
import resource
import sys
import time
from array import array
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import httpx

from bench._sseclient import RawEventStream
from bench._wsclient import RawWebSocket
from bench.envelopes import DURABLE_TYPES, job_id


def _decoder() -> Callable[[bytes], Any]:
    """orjson's ``loads`` where ``make bench`` installed it, else the standard one.

    Decoding is most of the client's work per frame. At a thousand sockets,
    frames waited behind each other for json's decoder, and that wait showed
    up as the servers' latency (bench/findings.md).
    """
    try:
        loads: Callable[[bytes], Any] = importlib.import_module("orjson").loads
    except ImportError:
        return json.loads
    return loads


_loads = _decoder()

Transport = Literal["ws", "session", "sse", "pubsub"]
TRANSPORTS: tuple[Transport, ...] = ("ws", "session", "sse", "pubsub")


@dataclass(frozen=True, slots=True)
class LoadConfig:
    base_url: str  # http://127.0.0.1:PORT
    transport: Transport = "ws"
    jobs: int = 50
    subscribers: int = 20
    events: int = 100
    rate: float = 20.0  # events per second per job; 0 publishes at once
    create_jobs: bool = True  # POST probe jobs (Refiner) or use the baseline's ids
    max_seconds: float = 30.0  # stop listening this long after the first event
    wait_timeout: float = 60.0  # a job starts anyway after this long without its subscribers
    connect_concurrency: int = 100


@dataclass(slots=True)
class Percentiles:
    count: int = 0
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    max: float | None = None

    @classmethod
    def of_seconds(cls, samples: Iterable[float]) -> Percentiles:
        ordered = sorted(samples)
        if not ordered:
            return cls()
        n = len(ordered)

        def at(q: float) -> float:
            return round(ordered[min(n - 1, int(q * n))] * 1000, 3)

        return cls(n, at(0.50), at(0.90), at(0.99), round(ordered[-1] * 1000, 3))


@dataclass(slots=True)
class LoadResult:
    transport: str
    jobs: int
    subscribers: int
    events: int
    rate: float
    subscriptions: int = 0
    failures: int = 0  # subscriptions that could not open, or broke
    errors: list[str] = field(default_factory=list)
    connect_seconds: float = 0.0
    completed: int = 0  # subscriptions that received stream_end
    durable_complete: int = 0  # ... and every durable event, in the expected order
    in_order: int = 0  # subscriptions whose seqs only ever rose
    lagged: int = 0  # subscriptions ended with a lagged notice
    frames: int = 0
    deliveries: int = 0  # envelopes of any type
    progress_deliveries: int = 0
    progress_expected: int = 0
    window_seconds: float = 0.0
    deliveries_per_second: float = 0.0
    capped: bool = False  # stopped by max_seconds before every stream ended
    latency_ms: Percentiles = field(default_factory=Percentiles)
    lag_ms: Percentiles = field(default_factory=Percentiles)
    client_cpu_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def delivered_fraction(self) -> float:
        return self.progress_deliveries / self.progress_expected if self.progress_expected else 0.0

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadResult:
        raw = json.loads(text)
        raw["latency_ms"] = Percentiles(**raw["latency_ms"])
        raw["lag_ms"] = Percentiles(**raw["lag_ms"])
        return cls(**raw)


class _Stats:
    """Shared by every subscriber of one run; appended to on the hot path."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.latency = array("d")
        self.lag = array("d")
        self.frames = 0
        self.deliveries = 0
        self.first_start: float | None = None  # earliest pass_started ts seen
        self.first_progress_ts: float | None = None
        self.last_progress = 0.0
        self.first_event = anyio.Event()


class Subscriber:
    """What one subscription received."""

    __slots__ = ("_stats", "disorder", "durable", "ended", "job_id", "last_seq", "pass_start")

    def __init__(self, job: str, stats: _Stats) -> None:
        self.job_id = job
        self._stats = stats
        self.durable: list[str] = []
        self.last_seq = 0
        self.disorder = 0
        self.pass_start: float | None = None
        self.ended = False

    def record(self, envelope: dict[str, Any], now: float) -> None:
        stats = self._stats
        stats.deliveries += 1
        seq = envelope["seq"]
        if seq <= self.last_seq:
            self.disorder += 1
        self.last_seq = seq
        type_ = envelope["type"]
        if type_ == "pass_progress":
            ts = envelope["ts"]
            stats.latency.append(now - ts)
            stats.last_progress = now
            if stats.first_progress_ts is None or ts < stats.first_progress_ts:
                stats.first_progress_ts = ts
                stats.first_event.set()
            if stats.rate > 0 and self.pass_start is not None:
                stats.lag.append(now - (self.pass_start + envelope["data"]["done"] / stats.rate))
            return
        self.durable.append(type_)
        if type_ == "pass_started":
            self.pass_start = ts = envelope["ts"]
            if stats.first_start is None or ts < stats.first_start:
                stats.first_start = ts
                stats.first_event.set()
        elif type_ == "stream_end":
            self.ended = True

    def record_frame(self, body: Any, now: float) -> None:
        self._stats.frames += 1
        if type(body) is list:
            for envelope in body:
                self.record(envelope, now)
        else:
            self.record(body, now)

    @property
    def durable_complete(self) -> bool:
        return tuple(self.durable) == DURABLE_TYPES


class Starter(Subscriber):
    """The extra subscriber that starts a job once the measured ones are all open.

    Jobs wait for S + 1 subscribers; the client opens the starters only after
    every measured subscription is open, so connecting never overlaps the
    measurement. A starter leaves at the first event after ``job_queued``.
    """

    __slots__ = ()

    def record_frame(self, body: Any, now: float) -> None:
        for envelope in body if type(body) is list else [body]:
            if envelope["type"] != "job_queued":
                self.ended = True


async def _create_jobs(config: LoadConfig) -> list[str]:
    body = {
        "engine": "probe",
        "passes": 1,
        "events": config.events,
        "rate": config.rate,
        "wait_subscribers": config.subscribers + 1,  # and the starter
        "wait_timeout": config.wait_timeout,
    }
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=config.base_url, timeout=60) as client:
        for _ in range(config.jobs):
            response = await client.post("/refine/run", json=body)
            response.raise_for_status()
            ids.append(response.json()["job_id"])
    return ids


def _ws_url(base_url: str) -> str:
    return "ws" + base_url.removeprefix("http")


async def _follow(stream: RawWebSocket | RawEventStream, sub: Subscriber) -> None:
    """Record what each WebSocket text frame or SSE ``data:`` line carries."""

    def on_payload(payload: bytes) -> bool:
        # When the bytes arrived, not when they were decoded: the decoder's time is the client's.
        sub.record_frame(_loads(payload), stream.received_at)
        return sub.ended

    await stream.read(on_payload)


async def _follow_session(ws: RawWebSocket, sub: Subscriber) -> None:
    """An editor's ``/ws`` session following one job; op replies are not envelopes."""
    await ws.send_text(json.dumps({"op": "subscribe", "ref": 1, "job_id": sub.job_id}))

    def on_text(payload: bytes) -> bool:
        now = ws.received_at
        body = _loads(payload)
        if type(body) is dict and "op" in body:
            if body["op"] == "error":
                raise OSError(f"subscribe refused: {body.get('detail')}")
            return False
        sub.record_frame(body, now)
        return sub.ended

    await ws.read(on_text)


async def _follow_pubsub(ws: RawWebSocket, sub: Subscriber) -> None:
    subscribe = {"method": "subscribe", "arguments": {"topics": [sub.job_id]}, "call_id": "sub"}
    await ws.send_text(json.dumps({"request": subscribe}))
    dumps = json.dumps

    def on_text(payload: bytes) -> bool:
        now = ws.received_at
        request = _loads(payload).get("request")
        if not request or request.get("method") != "notify":
            return False
        sub.record_frame(request["arguments"]["data"], now)
        answer = {"result": "None", "result_type": "str", "call_id": request["call_id"]}
        ws.queue_text(dumps({"response": answer}))
        return sub.ended

    await ws.read(on_text)


async def run_load(config: LoadConfig) -> LoadResult:
    """Run one load; every connection it opened is closed when it returns."""
    began, cpu_began = time.monotonic(), _cpu_seconds()
    result = LoadResult(
        config.transport, config.jobs, config.subscribers, config.events, config.rate
    )
    stats = _Stats(config.rate)
    if config.create_jobs:
        ids = await _create_jobs(config)
    else:
        ids = [job_id(i) for i in range(config.jobs)]
    subs = [Subscriber(jid, stats) for jid in ids for _ in range(config.subscribers)]
    gate = anyio.Semaphore(config.connect_concurrency)
    waiting, running = len(subs), len(subs)
    all_connected, all_done = anyio.Event(), anyio.Event()

    async def subscribe(sub: Subscriber) -> None:
        nonlocal waiting, running
        is_open = False

        def opened() -> None:
            nonlocal waiting, is_open
            is_open = True
            waiting -= 1
            if not waiting:
                all_connected.set()

        try:
            await _subscribe(sub, config, gate, opened)
        except (OSError, anyio.BrokenResourceError, TimeoutError) as exc:
            result.failures += 1
            if len(result.errors) < 5:
                result.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            if not is_open:
                opened()
            running -= 1
            if not running:
                all_done.set()

    async with anyio.create_task_group() as tg:
        for sub in subs:
            tg.start_soon(subscribe, sub)

        async def stop_at_cap() -> None:
            await stats.first_event.wait()
            await anyio.sleep(config.max_seconds)
            result.capped = True
            tg.cancel_scope.cancel()

        tg.start_soon(stop_at_cap)
        await all_connected.wait()
        result.connect_seconds = round(time.monotonic() - began, 3)
        for jid in ids:
            tg.start_soon(_start, Starter(jid, stats), config)
        with anyio.move_on_after(config.wait_timeout + config.max_seconds):
            await all_done.wait()
        tg.cancel_scope.cancel()
    _summarise(result, subs, stats, config)
    result.client_cpu_seconds = round(_cpu_seconds() - cpu_began, 3)
    result.wall_seconds = round(time.monotonic() - began, 3)
    return result


async def _start(starter: Starter, config: LoadConfig) -> None:
    def opened() -> None:
        pass

    with contextlib.suppress(OSError, anyio.BrokenResourceError, TimeoutError):
        await _subscribe(starter, config, anyio.Semaphore(1), opened)


async def _subscribe(
    sub: Subscriber,
    config: LoadConfig,
    gate: anyio.Semaphore,
    opened: Callable[[], None],
) -> None:
    ws_base = _ws_url(config.base_url)
    match config.transport:
        case "ws" | "session" | "pubsub":
            path, follow = {
                "ws": (f"/ws/progress/{sub.job_id}", _follow),
                "session": ("/ws", _follow_session),
                "pubsub": ("/pubsub", _follow_pubsub),
            }[config.transport]
            async with gate:
                ws = await RawWebSocket.connect(ws_base + path)
            async with ws:
                opened()
                await follow(ws, sub)
        case "sse":
            async with gate:
                events = await RawEventStream.connect(f"{config.base_url}/jobs/{sub.job_id}/events")
            async with events:
                opened()
                await _follow(events, sub)


def _summarise(
    result: LoadResult, subs: list[Subscriber], stats: _Stats, config: LoadConfig
) -> None:
    result.subscriptions = len(subs)
    result.completed = sum(s.ended for s in subs)
    result.durable_complete = sum(s.durable_complete for s in subs)
    result.in_order = sum(s.disorder == 0 for s in subs)
    result.lagged = sum("lagged" in s.durable for s in subs)
    result.frames = stats.frames
    result.deliveries = stats.deliveries
    result.progress_deliveries = len(stats.latency)
    result.progress_expected = len(subs) * config.events
    start = stats.first_start if stats.first_start is not None else stats.first_progress_ts
    if start is not None and stats.last_progress > start:
        result.window_seconds = round(stats.last_progress - start, 4)
        result.deliveries_per_second = round(result.progress_deliveries / result.window_seconds, 1)
    result.latency_ms = Percentiles.of_seconds(stats.latency)
    result.lag_ms = Percentiles.of_seconds(stats.lag)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def run_async(main: Callable[[], Awaitable[Any]]) -> Any:
    """Run on uvloop when it is installed, as the servers do."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return anyio.run(main)
    return anyio.run(main, backend_options={"use_uvloop": True})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--transport", choices=TRANSPORTS, default="ws")
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--wait-timeout", type=float, default=60.0)
    parser.add_argument(
        "--create-jobs", action="store_true", help="POST probe jobs (Refiner) first"
    )
    args = parser.parse_args(argv)
    raise_open_files_limit()
    config = LoadConfig(
        base_url=args.url,
        transport=args.transport,
        jobs=args.jobs,
        subscribers=args.subscribers,
        events=args.events,
        rate=args.rate,
        create_jobs=args.create_jobs,
        max_seconds=args.max_seconds,
        wait_timeout=args.wait_timeout,
    )
    result: LoadResult = run_async(lambda: run_load(config))
    sys.stdout.write(result.to_json() + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of many closed sockets


if __name__ == "__main__":
    main()
