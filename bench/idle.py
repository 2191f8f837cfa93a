"""Idle subscribers: open N WebSocket subscriptions to jobs that wait, and hold them.

Prints one JSON line once every subscription is open (or failed), then holds
them until a line (or end of file) arrives on standard input, closes them and
prints a second line. The runner reads the server's memory in between.
Refiner's jobs are created over HTTP; a baseline's (``--baseline``) are
there already, with the ids of ``bench.envelopes.job_id``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import anyio
import anyio.to_thread
import httpx

from bench._wsclient import RawWebSocket
from bench.envelopes import job_id
from bench.load_client import raise_open_files_limit, run_async

CONNECT_CONCURRENCY = 200


async def create_jobs(base_url: str, jobs: int, per_job: int) -> list[str]:
    """Refiner's probe jobs that wait for one subscriber more than will come, and so stay idle."""
    body = {
        "engine": "probe",
        "events": 1,
        "rate": 0,
        "passes": 1,
        "wait_subscribers": per_job + 1,  # never reached: the job stays idle
        "wait_timeout": 300,
    }
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return [(await http.post("/refine/run", json=body)).json()["job_id"] for _ in range(jobs)]


async def hold(base_url: str, jobs: int, per_job: int, *, baseline: bool) -> None:
    ws_base = "ws" + base_url.removeprefix("http")
    if baseline:
        ids = [job_id(i) for i in range(jobs)]
    else:
        ids = await create_jobs(base_url, jobs, per_job)
    report: dict[str, Any] = {"wanted": jobs * per_job, "opened": 0, "failed": 0, "errors": []}
    gate = anyio.Semaphore(CONNECT_CONCURRENCY)
    remaining = jobs * per_job
    all_tried = anyio.Event()
    began = time.monotonic()

    async def subscriber(job: str) -> None:
        nonlocal remaining
        try:
            async with gate:
                ws = await RawWebSocket.connect(f"{ws_base}/ws/progress/{job}")
        except OSError as exc:
            report["failed"] += 1
            if len(report["errors"]) < 3:
                report["errors"].append(f"{type(exc).__name__}: {exc}")
            ws = None
        else:
            report["opened"] += 1
        remaining -= 1
        if not remaining:
            all_tried.set()
        if ws is not None:
            await ws.read(lambda payload: False)

    async with anyio.create_task_group() as tg:
        for job in ids:
            for _ in range(per_job):
                tg.start_soon(subscriber, job)
        await all_tried.wait()
        report["seconds"] = round(time.monotonic() - began, 2)
        print(json.dumps(report), flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)
        tg.cancel_scope.cancel()
    print(json.dumps({"closed": True}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--per-job", type=int, default=1000)
    parser.add_argument(
        "--baseline", action="store_true", help="the server has its jobs already; create none"
    )
    args = parser.parse_args()
    raise_open_files_limit()
    run_async(lambda: hold(args.url, args.jobs, args.per_job, baseline=args.baseline))


if __name__ == "__main__":
    main()
