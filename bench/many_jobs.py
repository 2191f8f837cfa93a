"""Many jobs at once: submit N local-engine jobs concurrently, then wait for every one to end.

Prints one JSON object: how many were accepted, refused (and with which
status codes), and how they ended. A job that fails, or does not end within
the time limit, counts against the target "N jobs without a failure".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

import anyio
import httpx

from bench.load_client import run_async

TEXT = (
    "In order to commence the the review, we need to utilize the tools that are at this "
    "point in time available. It is important to note that the report was written by the "
    "team, and that a large number of the figures were checked twice. "
) * 8
IN_FLIGHT = 32
FINISHED = {"succeeded", "failed", "cancelled", "interrupted"}


async def run(base_url: str, count: int, limit_seconds: float) -> dict[str, Any]:
    body = {"text": TEXT, "passes": 3, "engine": "local"}
    refused: Counter[int] = Counter()
    ids: list[str] = []
    gate = anyio.Semaphore(IN_FLIGHT)
    # Pooled connections are dropped well before uvicorn's 5 s keep-alive
    # timeout, so a request never races the server closing its connection.
    limits = httpx.Limits(max_connections=IN_FLIGHT, keepalive_expiry=1.0)
    began = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:

        async def submit() -> None:
            async with gate:
                response = await http.post("/refine/run", json=body)
            if response.status_code == 202:
                ids.append(response.json()["job_id"])
            else:
                refused[response.status_code] += 1

        async with anyio.create_task_group() as tg:
            for _ in range(count):
                tg.start_soon(submit)
        submitted = time.monotonic() - began
        ended: dict[str, str] = {}
        with anyio.move_on_after(limit_seconds):
            while len(ended) < len(ids):

                async def look(job: str) -> None:
                    async with gate:
                        response = await http.get(f"/jobs/{job}/status")
                    status = response.json().get("status")
                    if status in FINISHED:
                        ended[job] = status

                async with anyio.create_task_group() as tg:
                    for job in ids:
                        if job not in ended:
                            tg.start_soon(look, job)
                if len(ended) < len(ids):
                    await anyio.sleep(0.5)
    statuses = Counter(ended.values())
    return {
        "count": count,
        "accepted": len(ids),
        "refused": dict(refused),
        "ended": dict(statuses),
        "unfinished": len(ids) - len(ended),
        "submit_seconds": round(submitted, 2),
        "total_seconds": round(time.monotonic() - began, 2),
        "failures": sum(refused.values()) + (len(ids) - statuses["succeeded"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--limit-seconds", type=float, default=120)
    args = parser.parse_args()
    result = run_async(lambda: run(args.url, args.count, args.limit_seconds))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
