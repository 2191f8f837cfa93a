"""Job start: from ``POST /refine/run`` to the first event at a subscriber already on ``/ws``.

The client keeps one editor session (``GET /ws``) open. For each job it sends
``POST /refine/run`` (a one-event probe that waits for one subscriber),
subscribes the open session to the new job, and times the first envelope of
that job, its ``job_started`` and its first ``pass_progress``. A second
series starts each job with the session's own ``run`` op instead. Prints one
JSON object, in milliseconds.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from bench._wsclient import RawWebSocket
from bench.load_client import Percentiles, run_async

# The job waits for its subscriber, so that the transient pass_progress, which
# a late subscriber would not be replayed, is seen live.
PROBE = {"engine": "probe", "events": 1, "rate": 0, "passes": 1, "wait_subscribers": 1}
MARKS = ("first", "job_started", "pass_progress")


class _Session:
    """An open ``/ws`` session and the arrival times of each job's first events."""

    def __init__(self, ws: RawWebSocket) -> None:
        self.ws = ws
        self.acks: dict[int, str] = {}
        self.seen: dict[str, dict[str, float]] = {}
        self.wakeup = anyio.Event()

    def ended(self, job: str | None) -> bool:
        return job is not None and "end" in self.seen.get(job, {})

    async def until_ended(self, job: Callable[[], str | None]) -> dict[str, float]:
        with anyio.fail_after(10):
            while not self.ended(job()):
                await self.wakeup.wait()
        return self.seen[job() or ""]

    def on_text(self, payload: bytes) -> bool:
        now = time.perf_counter()
        self.wakeup.set()
        self.wakeup = anyio.Event()
        body: Any = json.loads(payload)
        if isinstance(body, dict) and "op" in body:
            if body["op"] == "ack" and "ref" in body:
                self.acks[body["ref"]] = body["job_id"]
            return False
        for envelope in body if isinstance(body, list) else [body]:
            marks = self.seen.setdefault(envelope["job_id"], {})
            marks.setdefault("first", now)
            if envelope["type"] in MARKS:
                marks.setdefault(envelope["type"], now)
            if envelope["type"] == "stream_end":
                marks["end"] = now
        return False


async def measure(base_url: str, count: int) -> dict[str, Any]:
    ws_url = "ws" + base_url.removeprefix("http") + "/ws"
    post_series: dict[str, list[float]] = {m: [] for m in MARKS}
    run_series: dict[str, list[float]] = {m: [] for m in MARKS}
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
        await RawWebSocket.connect(ws_url) as ws,
        anyio.create_task_group() as tg,
    ):
        session = _Session(ws)
        tg.start_soon(ws.read, session.on_text)
        await http.post("/refine/run", json=PROBE)  # warm the connection
        for _ in range(count):
            began = time.perf_counter()
            response = await http.post("/refine/run", json=PROBE)
            job = response.json()["job_id"]
            await ws.send_text(json.dumps({"op": "subscribe", "job_id": job, "after": 0}))
            marks = await session.until_ended(functools.partial(str, job))
            for mark in MARKS:
                if mark in marks:
                    post_series[mark].append(marks[mark] - began)
        for ref in range(count):
            began = time.perf_counter()
            await ws.send_text(json.dumps({"op": "run", "ref": ref, "request": PROBE}))
            marks = await session.until_ended(functools.partial(session.acks.get, ref))
            for mark in MARKS:
                if mark in marks:
                    run_series[mark].append(marks[mark] - began)
        tg.cancel_scope.cancel()
    return {
        "count": count,
        "post_then_subscribe": {m: _ms(v) for m, v in post_series.items()},
        "run_op": {m: _ms(v) for m, v in run_series.items()},
    }


def _ms(samples: list[float]) -> dict[str, Any]:
    p = Percentiles.of_seconds(samples)
    return {"p50": p.p50, "p99": p.p99, "max": p.max}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    result = run_async(lambda: measure(args.url, args.count))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
